#!/usr/bin/env python3
"""Loopback endpoints that fail below HTTP, for the fault matrix (tests/pam/test_faults.c).

    fault_listeners.py PORTFILE

Everything binds 127.0.0.1 only. When all are up, {"name": port, ...} is written atomically to
PORTFILE; the process then serves until SIGTERM.

  refused    a socket bound but never listening: every connect is refused (RST), and the port
             cannot be taken by anyone else meanwhile
  blackhole  listening with backlog 0 and never accepting; the accept queue is filled by our own
             connections first, so the kernel drops further SYNs and a client's connect() hangs
             until its own connect timeout (an honest connect timeout without leaving loopback)
  silent     accepts and never sends a byte, never reads: a TLS handshake that never completes
             (a hung server process)
  reset      accepts and closes at once with SO_LINGER 0: the client gets a TCP RST
  plain      speaks plain HTTP/1.1 (an active-looking answer) where TLS is expected
"""

import json
import os
import signal
import socket
import struct
import sys
import threading

STOP = threading.Event()
KEEP = []  # sockets that must stay open until exit


def listener(backlog=16):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    KEEP.append(s)
    return s


def serve(sock, handle):
    sock.settimeout(0.2)
    while not STOP.is_set():
        try:
            conn, _ = sock.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def h_silent(conn):
    KEEP.append(conn)  # never read, never write, never close


def h_reset(conn):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def h_plain(conn):
    body = b'{"active":true,"sub":"alice","client_id":"ssh-cli","token_use":"access_token","exp":9999999999}'
    try:
        conn.settimeout(2)
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n%s" % (len(body), body))
    except OSError:
        pass
    finally:
        conn.close()


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    ports = {}

    refused = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    refused.bind(("127.0.0.1", 0))
    KEEP.append(refused)
    ports["refused"] = refused.getsockname()[1]

    hole = listener(0)
    ports["blackhole"] = hole.getsockname()[1]
    for _ in range(4):  # backlog 0 admits one or two; the rest stay in SYN_SENT, as a client would
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", ports["blackhole"]))
        except BlockingIOError:
            pass
        KEEP.append(c)

    for name, handle in (("silent", h_silent), ("reset", h_reset), ("plain", h_plain)):
        s = listener()
        ports[name] = s.getsockname()[1]
        threading.Thread(target=serve, args=(s, handle), daemon=True).start()

    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    signal.signal(signal.SIGINT, lambda *_: STOP.set())
    tmp = "%s.tmp.%d" % (argv[1], os.getpid())
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(ports, fh)
    os.replace(tmp, argv[1])
    while not STOP.wait(0.5):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
