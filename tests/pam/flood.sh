#!/bin/sh
# The host's limits (src/host_limits.h) against a flood, with the real module on plain libpam: 64
# processes at once send 10,000 junk tokens (shaped like Hydra's, unknown to it) from one remote
# host, while a person logs in from another host four times a second with a valid token. Asserted: every
# junk attempt is refused, the server sees at most damp_after introspection requests for them plus
# the probes damping allows, the person logs in every time, the state file stays one small private
# file, and `oauth2-introspect limits` shows the damped host and clears it. Then a botnet: 64 hosts
# with one junk token each spend the budget and no more. Figures (requests, CPU per refused
# attempt, the person's latency during the flood) are printed, never asserted.
. "$top_srcdir/tests/pam/stress-lib.sh"
STRESS_LIMITS="budget_per_minute = 60
budget_burst = 30
damp_after = 5
damp_max = 600"
stress_setup flood
unset OI_STRESS_CONTROL # the stand-in's request log is counted here, never cleared
TOOL=$TOPB/src/oauth2-introspect
procs=${OI_FLOOD_PROCS:-64} rounds=${OI_FLOOD_ROUNDS:-157} # 10,048 attempts
rc=0
problem() { echo "FAIL: $*"; rc=1; }

# Junk: 8 tokens of Hydra's shape that the server does not know; the person: one valid token.
: >"$RUN/junk.cases"
for i in 1 2 3 4 5 6 7 8; do
    echo "auth_err alice ory_at_FLOOD${i}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB # junk $i" \
        >>"$RUN/junk.cases"
done
good=$(ctl mint '{"sub":"bob","client_id":"ssh-cli","scope":"openid ssh:login","ttl":3600}')
echo "ok bob $good # bob's valid token" >"$RUN/person.cases"
printf 'junk.cases\nperson.cases\nbotnet.cases\n' >>"$RUN/.secret-stores"
junk_requests() { # introspection requests the server saw for a FLOOD or BOTNET token
    ctl requests | python3 -c 'import json,sys
print(sum(1 for r in json.load(sys.stdin) if "FLOOD" in (r.get("form") or {}).get("token", [""])[0]
          or "BOTNET" in (r.get("form") or {}).get("token", [""])[0]))'
}

# The person: one thread, a login every 250 ms, from 198.51.100.7, while the flood lasts. No cache:
# each login is a request, 20 of the budget (30 at once, 60 a minute).
OI_STRESS_CASES="$RUN/person.cases" OI_STRESS_RHOST=198.51.100.7 OI_STRESS_PAUSE_MS=250 \
    stress_run 600 threads 1 "${OI_FLOOD_PERSON_ROUNDS:-20}" >"$RUN/person.out" 2>&1 &
person=$!
OI_STRESS_CASES="$RUN/junk.cases" OI_STRESS_RHOST=203.0.113.66 \
    stress_run_plain 600 procs "$procs" "$rounds" >"$RUN/flood.out" 2>&1
r=$?
wait "$person"
p=$?
cat "$RUN/flood.out" "$RUN/person.out"
[ $r = 77 ] && skip "this libpam has no pam_start_confdir"
[ $r = 0 ] || problem "the flood: a junk attempt was not refused, or the run failed (exit $r)"
[ $p = 0 ] || problem "the person from another host was refused during the flood (exit $p)"
n=$(junk_requests)
attempts=$((procs * rounds))
# secs FILE: how long the run of FILE's "PASS procs: ... in S s" line took, rounded up.
secs() { sed -n 's/^PASS procs: .* in \([0-9.]*\) s .*/\1/p' "$1" | awk '{ print int($1) + 1 }'; }
# damp_after (5) requests, then one probe as each pause ends: after 10 s, 30 s, 70 s, 150 s, ...
# (a sanitizer makes the flood last longer, and so allows more probes).
t=$(secs "$RUN/flood.out")
most=$(awk -v t="${t:-0}" 'BEGIN { n = 5; p = 10; e = 10; while (e <= t + 1) { n++; p *= 2; if (p > 600) p = 600; e += p }; print n }')
[ "$n" -le "$most" ] ||
    problem "$n introspection requests for $attempts junk attempts from one host in $t s, wanted at most $most"
echo "flood: $attempts junk attempts from one host cost $n introspection requests"
# The 8 junk tokens, once answered inactive, are refused as known junk for junk_ttl (30 s) after
# (the counter: a slow run outlasts junk_ttl, and the tokens are then forgotten, as they should be).
"$TOOL" --conf "$RUN/module.conf" limits 2>&1 | grep -Eq "^counted: .*, [1-9][0-9]* refused as known junk$" ||
    problem "limits counts no attempt refused as known junk"
grep -E "^procs: cpu" "$RUN/flood.out" | sed 's/^procs:/flood:/'
grep -E "^threads: pam_authenticate" "$RUN/person.out" | sed 's/^threads:/person during the flood:/'
grep -Eq "^procs: .* [1-9][0-9]* failure delays" "$RUN/flood.out" ||
    problem "no refused junk attempt asked libpam for a failure delay"

# The state: one private file of a fixed size.
f=$RUN/state/limits
[ -f "$f" ] && [ ! -L "$f" ] || problem "$f is not a regular file"
[ "$(stat -c %a "$f")" = 600 ] || problem "$f has mode $(stat -c %a "$f"), wanted 600"
size=$(stat -c %s "$f")
echo "state: $f, $size bytes, mode $(stat -c %a "$f")"

# The tool shows the damped host and the counters, and clears them.
out=$("$TOOL" --conf "$RUN/module.conf" limits 2>&1) || problem "oauth2-introspect limits: exit $?: $out"
echo "---- oauth2-introspect limits:"; echo "$out"
# Damped for 10 s from the fifth request, then each probe doubles it: at the end of a flood slower
# than that (valgrind) the host may be between a pause and its next probe. Either way it is listed.
echo "$out" | grep -Eq "^source: +rhost=203\.0\.113\.66: (damped for [0-9]+ s more|[0-9]+ requests since)" ||
    problem "limits does not show rhost=203.0.113.66 with its refused requests"
echo "$out" | grep -q "rhost=198.51.100.7" && problem "limits shows the person's host, which had no refusal"
out=$("$TOOL" --conf "$RUN/module.conf" limits clear 2>&1) || problem "limits clear: exit $?: $out"
echo "---- oauth2-introspect limits clear:"; echo "$out"
echo "$out" | grep -Eq "^limits: the budget is full again \(30 requests\), [01] damped sources? lifted, no junk remembered$" ||
    problem "limits clear did not say what it did: $out"
out=$("$TOOL" --conf "$RUN/module.conf" limits 2>&1)
echo "$out" | grep -q "rhost=203.0.113.66" && problem "the damped host is still listed after limits clear"

# A botnet: 64 hosts, one junk token each, all at once. Damping never starts (one try each): the
# budget (30 at once after the clear) bounds what they cost; the rest are refused unavailable,
# without a request.
before=$(junk_requests)
# 256 junk tokens: stress picks worker * 7919 mod 256 for worker 0..63, 64 different ones, so the
# known-junk memory spares nothing here and only the budget stands between them and the server.
i=0
while [ $i -lt 256 ]; do
    printf 'refused alice ory_at_BOTNET%03dAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB # junk %d\n' $i $i
    i=$((i + 1))
done >"$RUN/botnet.cases"
OI_STRESS_CASES="$RUN/botnet.cases" OI_STRESS_RHOST='192.0.2.*' \
    stress_run_plain 600 procs 64 1 >"$RUN/botnet.out" 2>&1 || problem "the botnet run failed: $(cat "$RUN/botnet.out")"
cat "$RUN/botnet.out"
n=$(($(junk_requests) - before))
# 30 at once, and 60 a minute (one a second) refill while the run lasts.
t=$(secs "$RUN/botnet.out")
most=$((30 + ${t:-0}))
[ "$n" -le "$most" ] ||
    problem "64 hosts with one junk token each cost $n requests in $t s, wanted at most the budget (30 + $t refill)"
grep -Eq "^procs: .* [1-9][0-9]* failure delays" "$RUN/botnet.out" ||
    problem "no botnet attempt was refused over budget (with a failure delay)"
echo "botnet: 64 hosts with one junk token each cost $n introspection requests"
[ "$(stat -c %s "$f")" = "$size" ] || problem "$f grew from $size to $(stat -c %s "$f") bytes"
exit $rc
