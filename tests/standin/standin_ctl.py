#!/usr/bin/env python3
"""Talk to a running Hydra stand-in's control API (tests and the demo only).

  standin_ctl.py PORTFILE mint '{"sub":"alice","client_id":"ssh-cli"}'   prints the token
  standin_ctl.py PORTFILE revoke TOKEN
  standin_ctl.py PORTFILE requests                                       prints the request log
"""
import json
import sys
import urllib.request


def call(portfile, method, path, body=None):
    with open(portfile) as f:
        port = json.load(f)["control"]
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=10) as r:
        return json.load(r)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    portfile, cmd = argv[1], argv[2]
    if cmd == "mint" and len(argv) == 4:
        print(call(portfile, "POST", "/tokens", json.loads(argv[3]))["token"])
    elif cmd == "revoke" and len(argv) == 4:
        call(portfile, "POST", "/revoke-token", {"token": argv[3]})
    elif cmd == "requests":
        print(json.dumps(call(portfile, "GET", "/requests"), indent=1))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
