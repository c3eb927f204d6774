#!/usr/bin/env python3
"""A minimal syslog receiver for the end-to-end tests (python3 stdlib only).

    syslog_sink.py SOCKET OUTFILE

Binds a unix datagram socket at SOCKET (mode 0666, as /dev/log is), then appends every datagram it
receives to OUTFILE as one line and flushes at once, so a test can grep the module's audit lines
right after a login. OUTFILE is created before the socket is bound; SOCKET exists once the sink is
ready. It never replaces an existing SOCKET (bind fails, exit 1). On SIGTERM or SIGINT it removes
SOCKET and exits 0.
"""
import os
import signal
import socket
import sys


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    path, out = argv[1], argv[2]
    sink = open(out, "a", encoding="utf-8", errors="replace", buffering=1)
    bound = []

    def stop(_signo, _frame):
        if bound:                # only ever the socket this process bound
            try:
                os.unlink(path)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    old = os.umask(0)
    try:
        sock.bind(path)          # EADDRINUSE if anything is there: never replaced
        bound.append(path)
    except OSError as exc:
        print("syslog_sink: cannot bind %s: %s" % (path, exc), file=sys.stderr)
        return 1
    finally:
        os.umask(old)
    os.chmod(path, 0o666)
    while True:
        data = sock.recv(65536)
        text = data.decode("utf-8", "replace").rstrip("\n\0")
        sink.write(text.replace("\n", " ") + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
