#!/usr/bin/env python3
"""The device-flow calls of the Hydra stand-in's control API (tests/standin/hydra_standin.py's
docstring), for tests/e2e/sshd-device.sh and sudo.sh; what the person does on the other device.

  standin_device.py PORTFILE client JSON             POST /device/clients (register a client)
  standin_device.py PORTFILE mode JSON               POST /device/mode
  standin_device.py PORTFILE approve USER_CODE SUB [SCOPE]   POST /device/approve (SCOPE: space-separated)
  standin_device.py PORTFILE deny USER_CODE          POST /device/deny
  standin_device.py PORTFILE expire USER_CODE        POST /device/expire
  standin_device.py PORTFILE codes                   GET /device/codes (JSON on stdout)

Prints the JSON answer; exits 1 on an HTTP error status (the answer on stderr).
"""
import json
import sys
import urllib.error
import urllib.request


def call(portfile, method, path, body=None):
    with open(portfile, encoding="utf-8") as fh:
        port = json.load(fh)["control"]
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as r:
            return 0, r.read().decode()
    except urllib.error.HTTPError as exc:
        return 1, "HTTP %d %s" % (exc.code, exc.read().decode("utf-8", "replace"))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    portfile, cmd, args = argv[1], argv[2], argv[3:]
    if cmd in ("client", "mode") and len(args) == 1:
        rc, out = call(portfile, "POST", "/device/clients" if cmd == "client" else "/device/mode", json.loads(args[0]))
    elif cmd == "approve" and len(args) in (2, 3):
        body = {"user_code": args[0], "sub": args[1]}
        if len(args) == 3:
            body["scope"] = args[2]
        rc, out = call(portfile, "POST", "/device/approve", body)
    elif cmd in ("deny", "expire") and len(args) == 1:
        rc, out = call(portfile, "POST", "/device/" + cmd, {"user_code": args[0]})
    elif cmd == "codes" and not args:
        rc, out = call(portfile, "GET", "/device/codes")
    else:
        sys.exit(__doc__)
    print(out.strip(), file=sys.stderr if rc else sys.stdout)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
