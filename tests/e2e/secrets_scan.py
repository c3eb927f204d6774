#!/usr/bin/env python3
"""Secrets hygiene: prove that nothing the test suite logged holds a secret it used.

    secrets_scan.py BUILDDIR WITNESS

Secrets come from
  * WITNESS: one per line, appended by every Hydra stand-in (each token it minted or received,
    every client_secret, Authorization credential, Basic password and API key) and by the tests
    themselves (tests/pam/faults.sh, tests/pam/test_faults.c);
  * the secret stores the tests wrote under BUILDDIR/tests/run: *.secret, *.key (not PEM),
    *.in (what a test fed a tool on stdin), files named "secrets" or *.secrets (one per line),
    passdb (the password field).
The corpus is everything the suite logged: BUILDDIR/test-suite.log, BUILDDIR/tests/*/*.log and
*.trs (each test's stdout and stderr: pam_wrapper's syslog lines, tool output), and every file
under BUILDDIR/tests/run except
  * secret stores (above) and PEM files, pki/ and perm/ directories, the witness list;
  * what a server recorded it received, which must hold the token: requests.json, *.sent;
  * third-party code (npm/);
  * files matching a glob listed in a ".secret-stores" file of their directory (one pattern per
    line), for tests that keep other secret stores;
  * directories holding a file ".not-test-output" (a copy of the source tree, as
    tests/e2e/deb.sh unpacks): neither secrets nor logs, whose Makefile.in is no *.in store.

A leak is a whole secret, or any 24-character piece of one with at least 8 distinct characters
(a truncated or partly escaped copy), or any token-shaped string (Hydra ory_at_/ory_rt_/ory_ac_
tokens, Ory API keys, JWTs, Authorization header values) even if no witness saw it. Leaks are
reported by file, line and the secret's SHA-256 prefix; the secret itself is never printed.
Exit status: 0 clean, 1 leak or scanner self-check failure, 77 nothing to check.
"""

import fnmatch
import hashlib
import os
import re
import sys
import tempfile

WINDOW = 24
MIN_DISTINCT = 8
MIN_SECRET = 6
MAX_FILE = 64 << 20

SHAPES = [
    ("Hydra token", re.compile(r"ory_(?:at|rt|ac)_[A-Za-z0-9_-]{20,}")),
    ("Ory API key", re.compile(r"ory_(?:pat|apikey|wak)_[A-Za-z0-9_-]{8,}")),
    ("JWT", re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("Authorization header", re.compile(r"(?i)authorization:\s*(?:basic|bearer)\s+[A-Za-z0-9+/=._~-]{8,}")),
]
RUN_TOKENISH = re.compile(r"[^\s\"'<>(){}\[\],;]{%d,}" % WINDOW)

SKIP_DIRS = {"npm", "pki", "perm", "secrets", "node_modules"}
SECRET_SUFFIXES = (".secret", ".key", ".key.target", ".in", ".secrets")
SKIP_SUFFIXES = SECRET_SUFFIXES + (".pem", ".sent")
SKIP_NAMES = {"passdb", "secrets", "requests.json", "hostkey", "hostkey.pub", "npm.lock", ".secret-stores"}


def fp(secret):
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def read_text(path):
    with open(path, "rb") as fh:
        return fh.read(MAX_FILE).decode("utf-8", "surrogateescape")


def not_test_output(root, d):
    return os.path.isfile(os.path.join(root, d, ".not-test-output"))


def secret_files(run):
    """(path, [secrets]) for each secret store the tests wrote."""
    for root, dirs, files in os.walk(run):
        dirs[:] = [d for d in dirs if d not in ("npm", "node_modules") and not not_test_output(root, d)]
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            if name == "passdb":
                vals = [line.split(":")[1] for line in read_text(path).splitlines() if line.count(":") >= 2]
            elif name == "secrets" or name.endswith(".secrets"):
                vals = read_text(path).splitlines()
            elif name.endswith(SECRET_SUFFIXES):
                text = read_text(path)
                if "-----BEGIN" in text:
                    continue
                vals = [text.rstrip("\r\n")] + text.splitlines()
            else:
                continue
            yield path, [v for v in vals if len(v) >= MIN_SECRET]


def declared_stores(directory):
    """Glob patterns from directory/.secret-stores."""
    path = os.path.join(directory, ".secret-stores")
    if not os.path.isfile(path):
        return []
    return [line.strip() for line in read_text(path).splitlines() if line.strip() and not line.startswith("#")]


def corpus(build):
    tests = os.path.join(build, "tests")
    out = []
    top = os.path.join(build, "test-suite.log")
    if os.path.isfile(top):
        out.append(top)
    run = os.path.join(tests, "run")
    # Each test's .log and .trs sit beside its program, in the folder of its kind (tests/unit,
    # tests/pam, ...); tests/run is read below, file by file.
    for root, dirs, files in os.walk(tests):
        dirs[:] = sorted(d for d in dirs if d != "run" and not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.endswith((".log", ".trs")) and os.path.isfile(path) and name != "secrets.log":
                out.append(path)
    for root, dirs, files in os.walk(run):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not not_test_output(root, d))
        declared = declared_stores(root)
        for name in sorted(files):
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            if name in SKIP_NAMES or name.endswith(SKIP_SUFFIXES):
                continue
            if any(fnmatch.fnmatchcase(name, pat) for pat in declared):
                continue
            out.append(path)
    return out


class Scanner:
    def __init__(self, secrets):
        self.short = []          # secrets shorter than WINDOW: whole-string search
        self.windows = {}        # 24-char piece -> secret
        for s in secrets:
            if len(s) < WINDOW:
                self.short.append(s)
                continue
            for i in range(len(s) - WINDOW + 1):
                piece = s[i:i + WINDOW]
                if len(set(piece)) >= MIN_DISTINCT:
                    self.windows.setdefault(piece, s)

    def scan(self, text):
        """[(line, kind, fingerprint)] for every leak in text."""
        hits = []

        def line_of(pos):
            return text.count("\n", 0, pos) + 1

        for s in self.short:
            pos = text.find(s)
            if pos >= 0:
                hits.append((line_of(pos), "secret", fp(s)))
        if self.windows:
            for m in RUN_TOKENISH.finditer(text):
                run = m.group(0)
                for i in range(len(run) - WINDOW + 1):
                    s = self.windows.get(run[i:i + WINDOW])
                    if s is not None:
                        hits.append((line_of(m.start() + i), "secret", fp(s)))
                        break
        for kind, rx in SHAPES:
            for m in rx.finditer(text):
                hits.append((line_of(m.start()), kind, fp(m.group(0))))
        return hits


def self_check(scanner, secrets):
    """The scanner finds a planted secret, whole and cut to 30 characters inside a log line."""
    long_ones = [s for s in secrets if len(s) >= 40 and len(set(s)) >= MIN_DISTINCT and not re.search(r"\s", s)]
    if not long_ones:
        return True
    s = long_ones[0]
    planted = ["SYSLOG(3): introspection failed: %s\n" % s, "x-ratelimit-reset %s)\n" % s[:30]]
    for text in planted:
        if not any(kind == "secret" for _, kind, _ in scanner.scan(text)):
            return False
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "planted.log")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("clean line\n" + planted[0])
        return bool(scanner.scan(read_text(path)))


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    build, witness = argv[1], argv[2]
    run = os.path.join(build, "tests", "run")
    secrets = set()
    n_witness = 0
    if os.path.isfile(witness):
        for line in read_text(witness).splitlines():
            if len(line) >= MIN_SECRET:
                secrets.add(line)
        n_witness = len(secrets)
    n_files = 0
    for _, vals in secret_files(run):
        n_files += 1
        secrets.update(vals)
    files = corpus(build)
    if not secrets or not files:
        print("SKIP: nothing to check (run the other tests first): %d secrets, %d log files"
              % (len(secrets), len(files)))
        return 77
    scanner = Scanner(secrets)
    if not self_check(scanner, sorted(secrets)):
        print("FAIL: the scanner does not find a planted secret")
        return 1
    leaks = 0
    total = 0
    for path in files:
        text = read_text(path)
        total += len(text)
        for line, kind, print_ in scanner.scan(text):
            leaks += 1
            print("LEAK: %s:%d: %s (sha256 %s)" % (os.path.relpath(path, build), line, kind, print_))
    by_dir = {}
    for path in files:
        rel = os.path.relpath(path, build).split(os.sep)
        key = "/".join(rel[:3]) if rel[:2] == ["tests", "run"] else "/".join(rel[:-1]) + "/*.log"
        by_dir[key] = by_dir.get(key, 0) + 1
    print("secrets: %d distinct: %d witnessed by the stand-ins and tests, plus those in %d secret stores"
          % (len(secrets), n_witness, n_files))
    print("corpus: %d files, %d bytes: %s" % (len(files), total,
                                              ", ".join("%s %d" % kv for kv in sorted(by_dir.items()))))
    if leaks:
        print("FAIL: %d leaks" % leaks)
        return 1
    print("PASS: no secret, token-shaped string or Authorization value in any log")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
