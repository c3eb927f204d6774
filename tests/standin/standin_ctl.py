#!/usr/bin/env python3
"""Talk to a running Hydra stand-in's control API (tests and the demo only).

  standin_ctl.py PORTFILE mint '{"sub":"alice","client_id":"ssh-cli"}'   prints the token
  standin_ctl.py PORTFILE revoke TOKEN
  standin_ctl.py PORTFILE requests                                       prints the request log
  standin_ctl.py PORTFILE device-client '{"client_id":"tv","scope":"ssh:login"}'
  standin_ctl.py PORTFILE device-mode '{"mode":"rfc","slow_down":2}'
  standin_ctl.py PORTFILE device-codes                                   prints the device codes
  standin_ctl.py PORTFILE device-approve USER_CODE SUB [SCOPE]
  standin_ctl.py PORTFILE device-deny USER_CODE
  standin_ctl.py PORTFILE device-expire USER_CODE
An answer other than HTTP 200 is printed to stderr, with exit status 1.
"""
import json
import sys
import urllib.error
import urllib.request


def call(portfile, method, path, body=None):
    with open(portfile) as f:
        port = json.load(f)["control"]
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit(f"standin_ctl: {method} {path}: HTTP {e.code}: {e.read().decode('utf-8', 'replace')}")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    portfile, cmd, args = argv[1], argv[2], argv[3:]
    if cmd == "mint" and len(args) == 1:
        print(call(portfile, "POST", "/tokens", json.loads(args[0]))["token"])
    elif cmd == "revoke" and len(args) == 1:
        call(portfile, "POST", "/revoke-token", {"token": args[0]})
    elif cmd == "requests" and not args:
        print(json.dumps(call(portfile, "GET", "/requests"), indent=1))
    elif cmd == "device-client" and len(args) == 1:
        call(portfile, "POST", "/device/clients", json.loads(args[0]))
    elif cmd == "device-mode" and len(args) == 1:
        call(portfile, "POST", "/device/mode", json.loads(args[0]))
    elif cmd == "device-codes" and not args:
        print(json.dumps(call(portfile, "GET", "/device/codes"), indent=1))
    elif cmd == "device-approve" and len(args) in (2, 3):
        body = {"user_code": args[0], "sub": args[1]}
        if len(args) == 3:
            body["scope"] = args[2]
        call(portfile, "POST", "/device/approve", body)
    elif cmd in ("device-deny", "device-expire") and len(args) == 1:
        call(portfile, "POST", "/device/" + cmd[len("device-"):], {"user_code": args[0]})
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
