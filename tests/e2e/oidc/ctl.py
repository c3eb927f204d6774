#!/usr/bin/env python3
"""Talk to the test oidc-provider (tests/e2e/oidc/provider.mjs) over HTTPS with the test CA.

  ctl.py PORTFILE CAFILE token CLIENT SECRET SCOPE USERNAME [TTL]   prints the access token
        (client-credentials grant, client_secret_post; USERNAME becomes sub and username)
  ctl.py PORTFILE CAFILE revoke CLIENT SECRET TOKEN                 prints the HTTP status (RFC 7009)
"""
import json
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request


def post(portfile, cafile, path, form):
    with open(portfile, encoding="utf-8") as fh:
        port = json.load(fh)["port"]
    ctx = ssl.create_default_context(cafile=cafile)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx))
    req = urllib.request.Request("https://127.0.0.1:%d%s" % (port, path),
                                 data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    portfile, cafile, cmd, args = argv[1], argv[2], argv[3], argv[4:]
    if cmd == "token" and len(args) in (4, 5):
        form = {"grant_type": "client_credentials", "client_id": args[0], "client_secret": args[1],
                "scope": args[2], "username": args[3]}
        if len(args) == 5:
            form["ttl"] = args[4]
        status, body = post(portfile, cafile, "/token", form)
        if status != 200:
            sys.exit("token endpoint: HTTP %d %s" % (status, body[:300].decode("utf-8", "replace")))
        print(json.loads(body)["access_token"])
    elif cmd == "revoke" and len(args) == 3:
        status, _ = post(portfile, cafile, "/token/revocation",
                         {"client_id": args[0], "client_secret": args[1], "token": args[2],
                          "token_type_hint": "access_token"})
        print(status)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
