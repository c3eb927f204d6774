#!/usr/bin/env python3
"""A person at a terminal, for the device flow's end-to-end tests (tests/e2e/sudo.sh, oidc.sh).

  device_driver.py [options] -- COMMAND [ARG...]

Runs COMMAND on a new pseudo-terminal (its stdin, stdout and stderr, and its controlling
terminal, as a person's shell would give it), and answers it as a person does:
  1. at the token prompt (--token-prompt, default "Access token (or Enter to log in with a code): "), types --first (default
     nothing) and Enter;
  2. reads the approval prompt up to "Press Enter once approved: ", takes the user code from
     its text ("... shows the code CODE, then approve." or "Enter the code CODE exactly as
     shown"), runs --on-code (a shell command, the code as "$1"; its exit status is ignored but
     logged), then types --second (default nothing) and Enter;
  3. reads everything else until COMMAND ends.
Everything COMMAND wrote goes to --transcript as a terminal shows it (carriage returns applied),
then the driver's own notes. Exit status: COMMAND's; 124 if it ran longer than --timeout seconds
(then it is killed); 125 if a prompt did not come (the transcript shows what did). The tests give
it no token to type: the transcript holds no secret.
"""
import argparse
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

APPROVAL_END = b"Press Enter once approved: "
CODE_RE = re.compile(rb"the code (\S+?)(?:, then approve\.| exactly as shown)")


class Child:
    def __init__(self, argv, deadline):
        self.deadline = deadline
        self.out = b""
        self.mark = 0
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)

    def read_until(self, pattern):
        """Reads until pattern (bytes) is in the output after the position where it was last
        found; True if seen, False at EOF or the deadline."""
        while True:
            if re.search(pattern, self.out[self.mark:]):
                return True
            if not self.read_some():
                return False

    def read_some(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.fd], [], [], left)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.out += data
        return True

    def type_line(self, text):
        os.write(self.fd, text.encode() + b"\n")

    def finish(self):
        """Reads to EOF (or the deadline), then reaps: the exit status, or 124 if killed."""
        while self.read_some():
            pass
        timed_out = time.monotonic() >= self.deadline
        if timed_out:
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        if timed_out:
            return 124
        return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8


def screen(text):
    """The text as a terminal shows it: a carriage return goes back to the line's start, and
    what follows overwrites what was there."""
    lines = []
    for raw in text.split("\n"):
        line = ""
        for i, part in enumerate(raw.split("\r")):
            line = part + line[len(part):] if i else part
        lines.append(line)
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--token-prompt", default="Access token (or Enter to log in with a code): ")
    ap.add_argument("--first", default="")
    ap.add_argument("--second", default="")
    ap.add_argument("--on-code", default="")
    ap.add_argument("--transcript", required=True)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("argv", nargs="+")
    a = ap.parse_args()
    child = Child(a.argv, time.monotonic() + a.timeout)
    rc = None
    log = []
    if not child.read_until(re.escape(a.token_prompt.encode())):
        log.append("driver: no token prompt")
        rc = 125
    else:
        child.mark = len(child.out)
        child.type_line(a.first)
        if not child.read_until(re.escape(APPROVAL_END)):
            log.append("driver: no approval prompt")
            rc = 125
        else:
            m = CODE_RE.search(child.out[child.mark:])
            code = m.group(1).decode("utf-8", "replace") if m else ""
            log.append("driver: user code %r" % code)
            if a.on_code and code:
                r = subprocess.run(["sh", "-c", a.on_code, "sh", code], stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True)
                log.append("driver: on-code exit %d: %s%s" % (r.returncode, r.stdout.strip(), r.stderr.strip()))
            child.mark = len(child.out)
            child.type_line(a.second)
    status = child.finish()
    if rc is None:
        rc = status
    with open(a.transcript, "w", encoding="utf-8") as fh:
        fh.write(screen(child.out.decode("utf-8", "replace")))
        fh.write("\n--- driver\n" + "\n".join(log) + "\nexit %d\n" % status)
    return rc


if __name__ == "__main__":
    sys.exit(main())
