#!/bin/sh
# oauth2-introspect, the built tool, against Hydra stand-ins (v2, v1, v25, Ory Network) over HTTPS:
#   revoke: the DELETE paths and parameters per flavour, sid vs subject, URL-encoding, consent with
#           client, the server's 400 and 500, a dead server, --dry-run, a token refused after
#           --consent, and --from-pam refused whatever the environment says;
#   check:  accepted, refused (client, user, inactive, malformed, root) and unreachable, on a pipe
#           and on a terminal (no echo);
#   ping:   every step OK, and each step failing: DNS, connect, TLS, credentials, health;
#   --help, --version, usage errors, and the man page.
# Every case asserts the exit status and what the user sees; no output may contain a token or the
# API key. Exit 77 (skip) with the reason when a dependency is missing.
. "$top_srcdir/tests/pam/tool-lib.sh"

TOOL=$TOPB/src/oauth2-introspect
[ -x "$TOOL" ] || skip "src/oauth2-introspect was not built"
setup_run "$TOPB/tests/run/tool"
trap lib_cleanup EXIT INT TERM
: >"$RUN/secrets"

start_standin v2 v2; start_standin v1 v1; start_standin v25 v25; start_standin net network
wait_standins v2 v1 v25 net
DEAD="https://127.0.0.1:$(dead_port)"

# A local account with a uid above min_uid for check's allowed cases.
USR=nobody
uid=$(id -u "$USR" 2>/dev/null || echo 0)
[ "$uid" -ge 1000 ] || skip "no local account 'nobody' with a uid of 1000 or more for the check cases"

conf() { # NAME STANDIN [extra lines]: a conf file for that stand-in
    f=$RUN/$1.conf
    printf 'admin_url = %s\nca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s\nbudget_per_minute = 0\ndamp_after = 0\njunk_ttl = 0\n%s\n' "$(url "$2")" "$RUN/pki/ca.crt" "$RUN/state" "${3:-}" >"$f"
    chmod 600 "$f"
}
conf v2 v2; conf v1 v1 "flavor = hydra-v1"; conf v25 v25
conf net net "auth = bearer
secret_file = $RUN/network.key"
conf netnokey net
printf 'introspect_url = %s/admin/oauth2/introspect\nflavor = rfc7662\nauth = none\nca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s\nbudget_per_minute = 0\ndamp_after = 0\njunk_ttl = 0\n' \
    "$(url v2)" "$RUN/pki/ca.crt" "$RUN/state" >"$RUN/rfc.conf" && chmod 600 "$RUN/rfc.conf"
printf 'admin_url = %s\nca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s\nbudget_per_minute = 0\ndamp_after = 0\njunk_ttl = 0\n' "$DEAD" "$RUN/pki/ca.crt" "$RUN/state" >"$RUN/dead.conf"
chmod 600 "$RUN/dead.conf"
printf '# subject  account\nalice@example.com  %s\n' "$USR" >"$RUN/tool.map" && chmod 644 "$RUN/tool.map"

# run NAME WANT_RC ARGS...: the tool with ARGS (wrapped by $OI_TEST_WRAPPER, e.g. valgrind), stdin
# from $IN (default /dev/null), environment additions from $ENVS; stdout in $O, stderr in $E.
# Checks the exit status and for secrets.
run() {
    CASE=$1 want=$2; shift 2
    O=$RUN/$CASE.out E=$RUN/$CASE.err
    # shellcheck disable=SC2086
    env ${ENVS:-} ${OI_TEST_WRAPPER:-} "$TOOL" "$@" <"${IN:-/dev/null}" >"$O" 2>"$E"
    rc=$?
    [ "$rc" = "$want" ] || problem "exit status $rc, expected $want (stderr: $(head -c 300 "$E"))"
    no_secrets "$O" "$E"
}
# The requests the stand-in saw since its last reset: "METHOD PATH QUERY AUTHORIZATION" lines.
sent() { requests "$1" >"$RUN/$CASE.sent"; }
sent_is() { # NAME EXPECTED-LINES (METHOD PATH QUERY, authorization ignored)
    requests "$1" | cut -d' ' -f1-3 >"$RUN/$CASE.sent"
    printf '%s\n' "$2" | sed '/^$/d' >"$RUN/$CASE.want"
    cmp -s "$RUN/$CASE.sent" "$RUN/$CASE.want" ||
        problem "the server saw [$(tr '\n' '|' <"$RUN/$CASE.sent")], expected [$(tr '\n' '|' <"$RUN/$CASE.want")]"
}
resetall() { reset v2 v1 v25 net; }
tok_in() { printf '%s\n' "$1" >"$RUN/token.in"; IN=$RUN/token.in; }

# ---- general ----------------------------------------------------------------------------------
run help 0 --help
has "$O" "Usage: oauth2-introspect"; has "$O" "revoke --subject SUB | --sid SID"; has "$O" "check USER"; has "$O" "ping"
has "$O" "limits clear"
report "--help prints the usage"

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$TOPB/config.h")
run version 0 --version
[ "$(cat "$O")" = "oauth2-introspect (pam_oauth2_introspect) $version" ] || problem "printed $(cat "$O")"
report "--version prints $version"

run no_command 3
has "$E" "no command: give revoke, check, ping, cache or limits"
report "no command: exit 3 with the reason"

run unknown_command 3 frobnicate
has "$E" "unknown command 'frobnicate'"
report "an unknown command: exit 3"

run limits_bad 3 --conf "$RUN/v2.conf" limits lift
has "$E" "limits: unknown argument 'lift' (give nothing, or clear)"
report "limits with an unknown argument: exit 3, naming it"

# These test configurations turn the limits off (tests/pam/flood.sh is about them): the tool says so.
run limits_off 0 --conf "$RUN/v2.conf" limits
has "$O" "budget:  off (budget_per_minute = 0)"; has "$O" "damping: off (damp_after = 0)"
has "$O" "junk:    off (junk_ttl = 0)"
report "limits with the budget and damping off says so"

run bad_option 3 --conf "$RUN/v2.conf" -o revoke_on_close=sometimes revoke --subject alice
has "$E" "configuration error: command line (--conf, --option): revoke_on_close: 'sometimes': needs login, consent, login,consent or no"
report "a bad revoke_on_close value is a configuration error naming the option"

here=$(pwd) && cd "$RUN/pki"
run relative_conf 0 --conf ../v2.conf revoke --subject alice --dry-run
cd "$here" || exit 1
has "$O" "dry run: would DELETE $(url v2)/"
report "--conf takes a path relative to the working directory"

# ---- revoke -----------------------------------------------------------------------------------
resetall; add_session v2 alice s-a1; add_session v2 alice s-a2; add_session v2 bob s-b1
run revoke_v2_subject 0 --conf "$RUN/v2.conf" revoke --subject alice
has "$O" "login sessions of subject \"alice\": request accepted (DELETE $(url v2)/admin/oauth2/auth/sessions/login?subject=alice: HTTP 204 in"
has "$O" "; Hydra answers so whether or not there was such a session"
has "$O" "tokens already issued stay active until they expire; --consent --client CLIENT ends them"
sent_is v2 "DELETE /admin/oauth2/auth/sessions/login subject=alice"
[ "$(sessions v2)" = "bob s-b1" ] || problem "sessions left: $(sessions v2 | tr '\n' ' ')"
report "revoke --subject (hydra): DELETE /admin/oauth2/auth/sessions/login?subject=, only that subject's sessions end"

resetall; add_session v2 alice s-a1
run revoke_v2_sid 0 --conf "$RUN/v2.conf" revoke --sid s-a2
has "$O" "login session \"s-a2\": request accepted (DELETE $(url v2)/admin/oauth2/auth/sessions/login?sid=s-a2: HTTP 204"
sent_is v2 "DELETE /admin/oauth2/auth/sessions/login sid=s-a2"
[ "$(sessions v2 | tr '\n' ' ')" = "bob s-b1 alice s-a1 " ] || problem "sessions left: $(sessions v2 | tr '\n' ' ')"
report "revoke --sid (hydra): ?sid= and no subject; only that session ends"

resetall
run revoke_v2_sid_and_subject 0 --conf "$RUN/v2.conf" revoke --subject alice --sid s-a1
sent_is v2 "DELETE /admin/oauth2/auth/sessions/login sid=s-a1"
[ "$(sessions v2 | tr '\n' ' ')" = "bob s-b1 " ] || problem "sessions left: $(sessions v2 | tr '\n' ' ')"
report "revoke --subject with --sid: the login session by sid only (Hydra ignores the subject then)"

resetall; add_session v1 alice v1-s1; add_session v1 bob v1-s2
run revoke_v1_subject 0 --conf "$RUN/v1.conf" revoke --subject alice
has "$O" "login sessions of subject \"alice\": request accepted (DELETE $(url v1)/oauth2/auth/sessions/login?subject=alice: HTTP 204"
sent_is v1 "DELETE /oauth2/auth/sessions/login subject=alice"
[ "$(sessions v1)" = "bob v1-s2" ] || problem "sessions left: $(sessions v1 | tr '\n' ' ')"
report "revoke --subject (hydra-v1): DELETE /oauth2/auth/sessions/login?subject="

resetall
run revoke_v1_sid_refused 3 --conf "$RUN/v1.conf" revoke --sid v1-s2
has "$O" "login session \"v1-s2\": NOT revoked: Hydra 1.x (flavor=hydra-v1) cannot revoke a login session by sid; revoke by subject instead"
sent_is v1 ""
report "revoke --sid with hydra-v1: refused with the reason, nothing sent"

resetall; add_session v25 alice@example.com s1; add_session v25 'a b&sid=x' s2; add_session v25 carol s3
run revoke_v25_encoded 0 --conf "$RUN/v25.conf" revoke --subject alice@example.com
run revoke_v25_encoded2 0 --conf "$RUN/v25.conf" revoke --subject 'a b&sid=x'
has "$O" "login sessions of subject \"a b&sid=x\": request accepted (DELETE $(url v25)/admin/oauth2/auth/sessions/login?subject=a+b%26sid%3Dx: HTTP 204"
sent_is v25 "DELETE /admin/oauth2/auth/sessions/login subject=alice%40example.com
DELETE /admin/oauth2/auth/sessions/login subject=a+b%26sid%3Dx"
[ "$(sessions v25)" = "carol s3" ] || problem "sessions left: $(sessions v25 | tr '\n' ' ')"
report "revoke (v25): the subject is URL-encoded (@, space, &, =) and the server decodes the same subject"

resetall
run revoke_network 0 --conf "$RUN/net.conf" revoke --subject alice
sent net
grep -qxF "DELETE /admin/oauth2/auth/sessions/login subject=alice Bearer $API_KEY" "$RUN/$CASE.sent" ||
    problem "the DELETE did not carry the API key: $(cat "$RUN/$CASE.sent")"
report "revoke (Ory Network, auth=bearer): the API key goes in the Authorization header, never to the output"

resetall
run revoke_network_nokey 1 --conf "$RUN/netnokey.conf" revoke --subject alice
has "$O" "login sessions of subject \"alice\": NOT revoked: the server answered HTTP 401 The request could not be authorized: "
has "$O" "; the server refused the credentials: check auth, client_id and secret_file"
report "revoke without the API key (Ory Network): exit 1 with the server's error"

resetall
run revoke_rfc7662 3 --conf "$RUN/rfc.conf" revoke --subject alice
has "$O" "NOT revoked: not available with flavor=rfc7662: an RFC 7662 server has no session API"
sent_is v2 ""
report "revoke with flavor=rfc7662: not available, exit 3, nothing sent"

resetall
run revoke_neither 3 --conf "$RUN/v2.conf" revoke
has "$E" "revoke: give --subject SUB or --sid SID; nothing was sent"
sent_is v2 ""
report "revoke with neither subject nor sid: exit 3 before anything is sent"

resetall
ctl v2 POST /override '{"status":400,"content_type":"application/json","body":"{\"error\":\"invalid_request\",\"error_description\":\"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed. Either '"'"'subject'"'"' or '"'"'sid'"'"' query parameters need to be defined.\"}\n"}' >/dev/null
run revoke_server_400 1 --conf "$RUN/v2.conf" revoke --subject alice
has "$O" "NOT revoked: the server answered HTTP 400 invalid_request: The request is missing a required parameter"
has "$O" "Either 'subject' or 'sid' query parameters need to be defined. (DELETE $(url v2)/admin/oauth2/auth/sessions/login?subject=alice)"
report "the server's 400 (neither subject nor sid): exit 1, its error and description shown"

resetall
ctl v2 POST /override '{"status":500,"content_type":"application/json","body":"{\"error\":\"error\",\"error_description\":\"The error is unrecognizable\"}"}' >/dev/null
run revoke_server_500 1 --conf "$RUN/v2.conf" revoke --subject alice
has "$O" "NOT revoked: the server answered HTTP 500 error: The error is unrecognizable"
report "a 500 from the server: exit 1 with its error"

run revoke_dead 2 --conf "$RUN/dead.conf" revoke --subject alice
has "$O" "login sessions of subject \"alice\": NOT revoked: no answer from the server: Couldn't connect to server"
report "an unreachable server: exit 2, the connection error shown"

resetall
run revoke_dry_run 0 --conf "$RUN/v2.conf" revoke --subject alice --consent --client ssh-cli --dry-run
has "$O" "dry run: would DELETE $(url v2)/admin/oauth2/auth/sessions/login?subject=alice (login sessions of subject \"alice\"); nothing was sent"
has "$O" "dry run: would DELETE $(url v2)/admin/oauth2/auth/sessions/consent?subject=alice&client=ssh-cli"
sent_is v2 ""
report "--dry-run prints both requests and sends nothing"

run revoke_consent_no_client 3 --conf "$RUN/v2.conf" revoke --subject alice --consent
has "$E" "--consent needs --client CLIENT"
run revoke_consent_sid_only 3 --conf "$RUN/v2.conf" revoke --sid s1 --consent --client ssh-cli
has "$E" "--consent needs the subject (--subject)"
run revoke_client_alone 3 --conf "$RUN/v2.conf" revoke --subject alice --client ssh-cli
has "$E" "--client goes with --consent"
sent_is v2 ""
report "consent revocation needs subject and client: usage errors, nothing sent"

# The token dies with its consent; a token of another client of the same person does not.
resetall
tokA=$(mint v2 "{\"sub\":\"$USR\",\"client_id\":\"ssh-cli\",\"scope\":\"openid ssh:login\"}")
tokB=$(mint v2 "{\"sub\":\"$USR\",\"client_id\":\"web\",\"scope\":\"openid\"}")
tok_in "$tokA"
run consent_before 0 --conf "$RUN/v2.conf" check "$USR"
has "$O" "decision:  allow"
run revoke_consent 0 --conf "$RUN/v2.conf" revoke --subject "$USR" --consent --client ssh-cli
has "$O" "consent sessions of subject \"$USR\" for client \"ssh-cli\": request accepted (DELETE $(url v2)/admin/oauth2/auth/sessions/consent?subject=$USR&client=ssh-cli: HTTP 204"
has "$O" "the access and refresh tokens of such consent sessions are revoked with them: introspection answers inactive for them"
lacks "$O" "--consent --client CLIENT ends them"
run consent_after 1 --conf "$RUN/v2.conf" check "$USR"
has "$O" "decision:  deny"; has "$O" "reason:    inactive"
tok_in "$tokB"
run consent_other_client 0 --conf "$RUN/v2.conf" -o allowed_clients=ssh-cli,web check "$USR"
has "$O" "decision:  allow"
IN=
sent_is v2 "POST /admin/oauth2/introspect -
DELETE /admin/oauth2/auth/sessions/login subject=$USR
DELETE /admin/oauth2/auth/sessions/consent subject=$USR&client=ssh-cli
POST /admin/oauth2/introspect -
POST /admin/oauth2/introspect -"
report "revoke --consent --client: login and consent DELETEs; that client's token is refused afterwards (inactive), another client's is not"

resetall
run revoke_v1_consent 0 --conf "$RUN/v1.conf" revoke --subject alice --consent --client ssh-cli
sent_is v1 "DELETE /oauth2/auth/sessions/login subject=alice
DELETE /oauth2/auth/sessions/consent subject=alice&client=ssh-cli"
report "revoke --consent (hydra-v1): DELETE /oauth2/auth/sessions/consent?subject=&client="

# The pam_exec hook is gone: a user who writes OAUTH2_* into ~/.pam_environment would have had root
# revoke another person's sessions. Whatever the environment says, nothing is sent.
resetall; add_session v2 victim s-v1
ENVS="PAM_TYPE=close_session OAUTH2_SUB=victim OAUTH2_SID=s-v1 OAUTH2_CLIENT_ID=ssh-cli"
run from_pam_gone 3 --conf "$RUN/v2.conf" revoke --from-pam --consent
ENVS=
has "$E" "revoke: --from-pam is gone: it acted, as root, on OAUTH2_* values from the PAM environment"
has "$E" "set revoke_on_close=login[,consent] on the module's session line"
sent_is v2 ""
sessions v2 | grep -qx "victim s-v1" || problem "the victim's session is gone: $(sessions v2 | tr '\n' ' ')"
report "revoke --from-pam (the old pam_exec hook): refused, exit 3; a forged OAUTH2_SUB revokes nothing"

# ---- check ------------------------------------------------------------------------------------
resetall
tok_in "$(mint v2 "{\"sub\":\"$USR\",\"client_id\":\"ssh-cli\",\"scope\":\"openid ssh:login\",\"ext\":{\"sid\":\"sid-77\"}}")"
run check_allow 0 --conf "$RUN/v2.conf" -o sid_claim=ext.sid check "$USR" --service sshd
has "$O" "decision:  allow"; has "$O" "reason:    ok"; has "$O" "user:      $USR (service sshd)"
has "$O" "mapping:   the claim sub ($USR) equals the user name"
has "$O" "subject:   $USR"; has "$O" "client:    ssh-cli"; has "$O" "scopes:    openid ssh:login"
matches "$O" '^expires:   20[0-9-]+ [0-9:]+ UTC \(in (9|10) min\)$'
has "$O" "sid:       sid-77 (claim ext.sid)"
matches "$O" '^token:     fp:[0-9a-f]{8}$'
lacks "$O" "failed:"
report "check: an accepted token: exit 0, decision, reason, mapping, client, scopes, expiry, sid, fingerprint"

tok_in "$(mint v2 "{\"sub\":\"alice@example.com\",\"client_id\":\"ssh-cli\",\"scope\":\"ssh:login\"}")"
run check_allow_map 0 --conf "$RUN/v2.conf" -o user_map="$RUN/tool.map" check "$USR"
has "$O" "mapping:   $RUN/tool.map line 2 grants $USR to the claim sub (alice@example.com)"
report "check: the mapping names the user_map line that grants the account"

tok_in "$(mint v2 "{\"sub\":\"$USR\",\"client_id\":\"other-cli\"}")"
run check_client 1 --conf "$RUN/v2.conf" check "$USR"
has "$O" "decision:  deny"; has "$O" "reason:    client"
has "$O" "failed:    the token's client other-cli is not one of allowed_clients (ssh-cli)"
has "$O" "client:    other-cli"; has "$O" "mapping:   -"
report "check: another client's token: exit 1, reason client, the rule named"

tok_in "$(mint v2 "{\"sub\":\"bob\",\"client_id\":\"ssh-cli\"}")"
run check_user 1 --conf "$RUN/v2.conf" check "$USR"
has "$O" "reason:    user_mismatch"
has "$O" "failed:    the claim sub (bob) does not give the account $USR: it must equal the user name"
report "check: someone else's token: exit 1, reason user_mismatch"

tok_in "$(mint v2 '{"sub":"root","client_id":"ssh-cli"}')"
run check_root 1 --conf "$RUN/v2.conf" check root
has "$O" "reason:    root_denied"
report "check: root without a literal map line: exit 1, reason root_denied"

tok_in "ory_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
run check_inactive 1 --conf "$RUN/v2.conf" -o required_scopes=ssh:login check "$USR"
has "$O" "reason:    inactive"
has "$O" "failed:    the server says the token is not active: unknown, expired, revoked, or without the scopes asked for (ssh:login)"
has "$O" "expires:   -"
has "$E" "the server answered inactive for a request that asked for the scopes ssh:login (required_scopes): a token granted without one of them is answered so too"
lacks "$O" "AAAAAAAAAAAAAAAAAAAA"
report "check: an unknown token: exit 1, reason inactive, the scopes Hydra was asked for (output and log)"

resetall
tok_in "correct horse battery staple"
run check_malformed 1 --conf "$RUN/v2.conf" check "$USR"
has "$O" "reason:    malformed"; has "$O" "token:     -"
has "$O" "failed:    the input is not an access token: it holds a space or tab: a token has none; nothing was sent"
lacks "$O" "horse"; lacks "$E" "horse"
sent_is v2 ""
report "check: a password is not sent anywhere: exit 1, reason malformed, why, no fingerprint"

# The slips people make when they paste a token, each named, none sent.
slip() { # NAME INPUT EXPECTED-WHY
    printf '%s\n' "$2" >"$RUN/token.in"; IN=$RUN/token.in
    run "check_slip_$1" 1 --conf "$RUN/v2.conf" check "$USR"
    has "$O" "failed:    the input is not an access token: $3; nothing was sent"
    lacks "$O" "AAAAAAAAAAAAAAAAAAAA"; lacks "$E" "AAAAAAAAAAAAAAAAAAAA"
}
T=ory_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
slip trailing "$T " "it ends with a space or tab: remove the trailing blank"
slip leading " $T" "it begins with a space or tab: remove the leading blank"
slip quote "$T’" "it holds a byte outside ASCII (a typographic quote or dash?): a token has none"
slip short "ory_at_AAAA.BBBB" "it is shorter than min_token_length (22): a password, not a token"
slip refresh "ory_rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" \
    "it is a refresh token or an authorization code (ory_rt_, ory_ac_)"
slip shape "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "it is not shaped like a Hydra access token (ory_at_ and two 43-character base64url parts joined by '.', or a JWT): for a server other than Hydra set flavor = rfc7662"
sent_is v2 ""
report "check: a trailing or leading blank, a typographic quote, a short secret, a refresh token, another shape: each named, nothing sent"

tok_in "ory_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
run check_unreachable 2 --conf "$RUN/dead.conf" check "$USR"
has "$O" "decision:  unavailable"; has "$O" "reason:    unavailable"
has "$E" "introspection at $DEAD/admin/oauth2/introspect failed: Couldn't connect to server"
report "check: an unreachable server: exit 2, decision unavailable, the cause on standard error"

resetall
ctl v2 POST /override '{"status":500,"content_type":"application/json","body":"{\"error\":\"error\"}"}' >/dev/null
run check_http_500 2 --conf "$RUN/v2.conf" check "$USR"
has "$O" "reason:    http_status"; has "$E" "HTTP 500 (error error)"
report "check: a 500 from the server: exit 2, reason http_status"

run check_config 3 --conf "$RUN/v2.conf" -o flavor=hydra3 check "$USR"
has "$E" "configuration error: command line (--conf, --option): flavor: 'hydra3' is not hydra, hydra-v1 or rfc7662"
IN=
report "check: a configuration error: exit 3, the place and the key named"

# On a terminal: the prompt on the terminal, the token not echoed.
resetall
tty_tok=$(mint v2 "{\"sub\":\"$USR\",\"client_id\":\"ssh-cli\"}")
CASE=check_tty O=$RUN/check_tty.out
python3 - "$TOOL" "$RUN/v2.conf" "$USR" "$tty_tok" >"$O" 2>&1 <<'PY'
import os, pty, select, sys, time
tool, conf, user, token = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(tool, [tool, "--conf", conf, "check", user])
out, sent, deadline = b"", False, time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and b"Access token: " in out:
        time.sleep(0.2)  # the tool has switched echo off by now
        os.write(fd, token.encode() + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
print("EXIT %d" % os.waitstatus_to_exitcode(status))
PY
has "$O" "Access token: "; has "$O" "decision:  allow"; has "$O" "EXIT 0"
no_secrets "$O"
report "check on a terminal: prompts, does not echo the token, decides (exit 0)"

# ---- ping -------------------------------------------------------------------------------------
resetall
run ping_v2 0 --conf "$RUN/v2.conf" ping
matches "$O" "^config     OK    $RUN/v2.conf: flavor hydra, endpoint $(url v2)/admin/oauth2/introspect, auth none$"
matches "$O" '^secret     SKIP  auth=none: no credentials are sent$'
matches "$O" '^log        (OK    /dev/log takes lines|WARN  /dev/log: .*: no syslog daemon listens)'
matches "$O" '^breaker    SKIP  no cache_dir: no circuit breaker$'
matches "$O" '^dns        OK    127\.0\.0\.1:[0-9]+ resolved in [0-9.]+ ms$'
matches "$O" '^connect    OK    127\.0\.0\.1:[0-9]+ in [0-9.]+ ms$'
matches "$O" "^tls        OK    certificate verified \($RUN/pki/ca.crt\) in [0-9.]+ ms$"
matches "$O" '^introspect OK    POST https://127\.0\.0\.1:[0-9]+/admin/oauth2/introspect: HTTP 200 \{"active":false\} for a dummy token in [0-9.]+ ms: the endpoint and the credentials work$'
matches "$O" '^health     OK    GET https://127\.0\.0\.1:[0-9]+/health/ready: HTTP 200 in [0-9.]+ ms: Hydra is ready$'
matches "$O" '^device     SKIP  device_flow is off$'
[ "$(wc -l <"$O")" -eq 10 ] || problem "$(wc -l <"$O") lines, expected 10"
sent_is v2 "POST /admin/oauth2/introspect -
GET /health/ready -"
report "ping (hydra): ten steps OK, WARN or SKIP with timings, exit 0"

# The device flow's endpoints, found as a login finds them; no code is asked for.
pub() { echo "https://127.0.0.1:$(port "$1" public)"; }
DEV="-o device_flow -o device_client_id=pam-device -o device_ca_file=$RUN/pki/ca.crt"
resetall
run ping_device_discovery 0 --conf "$RUN/v25.conf" $DEV -o issuer="$(pub v25)" ping
has "$O" "device     OK    client pam-device (public): codes from $(pub v25)/oauth2/device/auth, tokens from $(pub v25)/oauth2/token (the issuer's discovery document)"
sent v25
has "$RUN/$CASE.sent" "GET /.well-known/openid-configuration"; lacks "$RUN/$CASE.sent" "/oauth2/device/auth"
run ping_device_urls 0 --conf "$RUN/v25.conf" $DEV -o device_auth_url=https://a.example/d -o device_token_url=https://a.example/t ping
has "$O" "device     OK    client pam-device (public): codes from https://a.example/d, tokens from https://a.example/t"
report "ping with device_flow: the endpoints from the discovery document or the options, and no code requested"

run ping_device_old_hydra 3 --conf "$RUN/v2.conf" $DEV -o issuer="$(pub v2)" ping
has "$O" "device     FAIL  the device flow is not set up right (the message above says why)"
has "$E" "device flow: the discovery document at $(pub v2)/.well-known/openid-configuration lists no urn:ietf:params:oauth:grant-type:device_code in grant_types_supported: the server has no device flow (Hydra has it since v25.4.0)"
run ping_device_wrong_issuer 3 --conf "$RUN/v25.conf" $DEV -o issuer="$(pub v25)/other" ping
has "$E" "device flow: the discovery document at $(pub v25)/other/.well-known/openid-configuration"
report "ping with device_flow against a Hydra without it, or a wrong issuer: device FAIL, exit 3, the cause named"

resetall
run ping_v1 0 --conf "$RUN/v1.conf" ping
has "$O" "introspect OK    POST $(url v1)/oauth2/introspect: HTTP 200"; has "$O" "health     OK"
run ping_v25 0 --conf "$RUN/v25.conf" ping
has "$O" "health     OK    GET $(url v25)/health/ready: HTTP 200"
report "ping (hydra-v1, v25): the endpoint per version, /health/ready"

resetall
run ping_network 0 --conf "$RUN/net.conf" ping
has "$O" "secret     OK    $RUN/network.key: one line"
has "$O" "introspect OK"
has "$O" "health     SKIP  GET $(url net)/health/ready: HTTP 404: Ory Network has no health endpoint"
sent net
[ "$(grep -c "Bearer $API_KEY\$" "$RUN/$CASE.sent")" = 2 ] || problem "the API key was not sent with both requests"
report "ping (Ory Network): the key is used and never shown; no health endpoint there is SKIP"

run ping_network_nokey 2 --conf "$RUN/netnokey.conf" ping
has "$O" "introspect FAIL  POST $(url net)/admin/oauth2/introspect: HTTP 401 (error The request could not be authorized): the server refused the credentials: check auth, client_id and secret_file"
report "ping without the API key: introspect FAIL with HTTP 401, exit 2"

run ping_wrong_flavor 2 --conf "$RUN/v2.conf" -o admin_url="$(url v1)" ping
has "$O" "introspect FAIL  POST $(url v1)/admin/oauth2/introspect: HTTP 404 (error Not Found): no such endpoint: Hydra 1.x has no /admin prefix (set flavor = hydra-v1), or admin_url is not Hydra's admin port"
report "ping against Hydra 1.x with flavor=hydra: HTTP 404 says set flavor = hydra-v1, exit 2"

run ping_v1_flavor_on_v2 2 --conf "$RUN/v1.conf" -o admin_url="$(url v2)" ping
has "$O" "introspect FAIL  POST $(url v2)/oauth2/introspect: HTTP 307 to "
has "$O" "/admin/oauth2/introspect: redirects are not followed; Hydra 2 and later serve the admin API under /admin: set flavor = hydra"
lacks "$O" "set admin_url"
report "ping against Hydra 2.0-2.3 with flavor=hydra-v1: the redirect says set flavor = hydra, exit 2"

resetall
ctl v2 POST /ready '{"ready":false}' >/dev/null
run ping_not_ready 2 --conf "$RUN/v2.conf" ping
has "$O" "introspect OK"
has "$O" "health     FAIL  GET $(url v2)/health/ready: HTTP 503: Hydra is not ready"
report "ping: Hydra not ready (503): health FAIL, exit 2"
reset v2

run ping_dead 2 --conf "$RUN/dead.conf" ping
matches "$O" '^dns        OK'
has "$O" "connect    FAIL  127.0.0.1:${DEAD##*:}: Couldn't connect to server"
has "$O" "health     SKIP  the server was not reached"
grep -q '^introspect' "$O" && problem "an introspect line after the failed connection"
report "ping: nothing listening: connect FAIL, exit 2"

run ping_unknown_ca 2 --conf "$RUN/v2.conf" -o ca_file="$RUN/pki/other-ca.crt" ping
matches "$O" '^connect    OK'
matches "$O" "^tls        FAIL  127\.0\.0\.1:[0-9]+: TLS verification failed: SSL peer certificate or SSH remote key was not OK: .*unable to get local issuer certificate; trust in use: ca_file $RUN/pki/other-ca\.crt: if the server's certificate changed, change that option to match; if not, this is not the server you configured\$"
report "ping: a certificate from an unknown CA: tls FAIL names the trust in use and the fix, exit 2"

run ping_missing_ca 3 --conf "$RUN/v2.conf" -o ca_file="$RUN/pki/no-such-ca.crt" ping
matches "$O" "^config     FAIL  .*ca_file: .*$RUN/pki/no-such-ca\.crt"
lacks "$O" "dns"
report "ping: a ca_file that does not exist: config FAIL, exit 3 (configuration, not network)"

run ping_dns 2 --conf "$RUN/v2.conf" -o admin_url=https://oauth2-introspect-test.invalid -o timeout_ms=2000 ping
has "$O" "dns        FAIL  oauth2-introspect-test.invalid:443: Could"
report "ping: a name that does not resolve: dns FAIL, exit 2"

# ping's log step against a /dev/log the test makes: in a mount namespace of its own (root), a
# fresh /dev holding null, zero, random, urandom and, at log, nothing, a plain file, or a socket a
# syslog sink listens on.
ping_devlog() { # NAME absent|file|sink
    CASE=$1 O=$RUN/$1.out E=$RUN/$1.err
    unshare --mount --propagation private sh -c '
        set -e
        mkdir -p "$1/hostdev" && mount --rbind /dev "$1/hostdev"
        mount -t tmpfs -o mode=755 oi-test-dev /dev
        for d in null zero random urandom; do : >"/dev/$d"; mount --bind "$1/hostdev/$d" "/dev/$d"; done
        umount -l "$1/hostdev"
        case $2 in file) : >/dev/log ;; sink) : >/dev/log; mount --bind "$1/devlog.sock" /dev/log ;; esac
        shift 2; exec "$@"' sh "$RUN" "$2" "$TOOL" --conf "$RUN/v2.conf" ping >"$O" 2>"$E"
    rc=$?
    [ "$rc" = 0 ] || problem "exit status $rc, expected 0 (stderr: $(head -c 300 "$E"))"
}
if [ "$(id -u)" = 0 ] && unshare --mount --propagation private true 2>/dev/null; then
    python3 "$TOPS/tests/lib/syslog_sink.py" "$RUN/devlog.sock" "$RUN/devlog.log" &
    sink=$!
    i=0; while [ ! -S "$RUN/devlog.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -S "$RUN/devlog.sock" ] || problem "the syslog sink did not start"
    ping_devlog ping_log_sink sink
    has "$O" "log        OK    /dev/log takes lines: the module logs to syslog (facility authpriv), e.g. /var/log/auth.log or \`journalctl -g pam_oauth2_introspect\`"
    ping_devlog ping_log_absent absent
    has "$O" "log        WARN  /dev/log: No such file or directory: no syslog daemon listens, so the module's lines are lost (a container or chroot?): start one (rsyslog, busybox syslogd), or see a decision and its reason with \`oauth2-introspect check\`"
    ping_devlog ping_log_file file
    has "$O" "log        WARN  /dev/log: Connection refused: no syslog daemon listens"
    has "$O" "introspect OK"
    kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null
    report "ping: where the log goes: OK when a syslog daemon takes lines at /dev/log, WARN (exit 0) when none does"
else
    echo "SKIP: ping's log step against a /dev/log of the test's making: needs root and unshare --mount"
fi

chmod 644 "$RUN/network.key"
run ping_secret_unsafe 3 --conf "$RUN/net.conf" ping
chmod 600 "$RUN/network.key"
has "$O" "secret     FAIL  $RUN/network.key: readable by group or others (chmod 600)"
lacks "$O" "dns"
report "ping: a secret file readable by others: secret FAIL, exit 3, nothing sent"

run ping_config 3 --conf "$RUN/v2.conf" -o allowed_clients= ping
has "$O" "config     FAIL  command line (--conf, --option): allowed_clients: needs a comma list of client ids, or *"
[ "$(wc -l <"$O")" -eq 1 ] || problem "more than the config line"
report "ping: a configuration error: config FAIL, exit 3"

# ---- the two new options, as every command sees them -------------------------------------------
printf 'introspect_url = %s/admin/oauth2/introspect\nca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s\nbudget_per_minute = 0\ndamp_after = 0\njunk_ttl = 0\n' "$(url v2)" \
    "$RUN/pki/ca.crt" "$RUN/state" >"$RUN/v2i.conf" && chmod 600 "$RUN/v2i.conf"
printf 'introspect_url = %s/custom/check\nca_file = %s\nallowed_clients = ssh-cli\nstate_dir = %s\nbudget_per_minute = 0\ndamp_after = 0\njunk_ttl = 0\n' "$(url v2)" \
    "$RUN/pki/ca.crt" "$RUN/state" >"$RUN/custom.conf" && chmod 600 "$RUN/custom.conf"
cfg_refused() { # NAME CONF EXPECTED-TEXT OPTIONS...
    n=$1 c=$2 text=$3; shift 3
    run "$n" 3 --conf "$RUN/$c.conf" "$@" ping
    has "$O" "config     FAIL  $text"
}
cfg_refused cfg_revoke_twice v2 "command line (--conf, --option): revoke_on_close: 'login,login': needs login, consent, login,consent or no" -o revoke_on_close=login,login
cfg_refused cfg_revoke_trailing v2 "command line (--conf, --option): revoke_on_close: 'login,': needs" -o revoke_on_close=login,
cfg_refused cfg_sid_v1 v1 "settings: sid_claim: Hydra 1.x (flavor=hydra-v1) cannot revoke a login session by sid" -o sid_claim=ext.sid
cfg_refused cfg_sid_path v2 "settings: sid_claim: 'ext..sid' is not a dotted claim path" -o sid_claim=ext..sid
cfg_refused cfg_revoke_rfc rfc "settings: revoke_on_close: needs a Hydra flavour: an RFC 7662 server has no session API" -o revoke_on_close=login
cfg_refused cfg_revoke_custom custom "settings: revoke_on_close: needs admin_url (introspect_url does not end in a Hydra introspection path)" -o revoke_on_close=consent
report "revoke_on_close and sid_claim: bad values and contradictions are configuration errors naming the key"

resetall
run cfg_ok 0 --conf "$RUN/v2i.conf" -o revoke_on_close=consent,login -o sid_claim=ext.sid ping
has "$O" "health     OK    GET $(url v2)/health/ready: HTTP 200"
run cfg_derived_revoke 0 --conf "$RUN/v2i.conf" revoke --subject alice
sent_is v2 "POST /admin/oauth2/introspect -
GET /health/ready -
DELETE /admin/oauth2/auth/sessions/login subject=alice"
run cfg_custom_revoke 3 --conf "$RUN/custom.conf" revoke --subject alice
has "$O" "NOT revoked: cannot tell the Hydra admin API from introspect_url: set admin_url"
report "with introspect_url instead of admin_url, the admin API is derived from the Hydra path (or refused)"

# ---- the man page -----------------------------------------------------------------------------
if command -v mandoc >/dev/null; then
    page=$TOPB/man/oauth2-introspect.8
    [ -f "$page" ] || page=$TOPS/man/oauth2-introspect.8
    CASE=man_lint
    mandoc -Tlint -W error "$page" >"$RUN/man.lint" 2>&1 || problem "$(cat "$RUN/man.lint")"
    report "man page oauth2-introspect(8) is lint-clean (mandoc -W error)"
fi

summary
