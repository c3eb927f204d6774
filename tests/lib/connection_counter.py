#!/usr/bin/env python3
"""A proxy that must never be used: counts the connections it is offered and answers none.

    connection_counter.py PORTFILE COUNTFILE

Binds 127.0.0.1 on a free port, writes the port to PORTFILE, then after each connection the
number so far to COUNTFILE, until killed. (tests/pam/attacks.sh, tests/e2e/sudo.sh)
"""

import os
import socket
import sys

s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
n = 0
while True:
    c, _ = s.accept()
    n += 1
    with open(sys.argv[2], "w") as f:
        f.write(str(n))
    c.close()
