#!/usr/bin/env python3
"""Talk to the test oidc-provider (tests/e2e/oidc/provider.mjs) over HTTPS with the test CA.

  ctl.py PORTFILE CAFILE token CLIENT SECRET SCOPE USERNAME [TTL]   prints the access token
        (client-credentials grant, client_secret_post; USERNAME becomes sub and username)
  ctl.py PORTFILE CAFILE revoke CLIENT SECRET TOKEN                 prints the HTTP status (RFC 7009)
  ctl.py PORTFILE CAFILE device-start CLIENT [SCOPE [SECRET]]       prints the JSON answer of
        /device/auth (RFC 8628 3.1; a public client, or client_secret_post with SECRET)
  ctl.py PORTFILE CAFILE device-poll CLIENT DEVICE_CODE [SECRET]    prints "STATUS BODY" of one poll
        of /token (device_code grant; exits 0 whatever the status)
  ctl.py PORTFILE CAFILE device-approve USER_CODE ACCOUNT [SCOPE]   prints the HTTP status; exits 0
        only on 200. ACCOUNT becomes sub; SCOPE (default: the requested scopes) must be requested
  ctl.py PORTFILE CAFILE device-deny USER_CODE                      prints the HTTP status; exits 0
        only on 200. The next poll gives access_denied
  ctl.py PORTFILE CAFILE introspect CLIENT SECRET TOKEN             prints "STATUS BODY" (RFC 7662,
        client_secret_basic with the RFC 6749 2.3.1 form-encoding of CLIENT and SECRET)
"""
import base64
import json
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def post(portfile, cafile, path, form, headers=None):
    with open(portfile, encoding="utf-8") as fh:
        port = json.load(fh)["port"]
    ctx = ssl.create_default_context(cafile=cafile)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx))
    req = urllib.request.Request("https://127.0.0.1:%d%s" % (port, path),
                                 data=urllib.parse.urlencode(form).encode(), method="POST",
                                 headers=headers or {})
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def basic(client, secret):
    """client_secret_basic: both halves form-encoded first (RFC 6749 2.3.1), so a space becomes '+'."""
    pair = "%s:%s" % (urllib.parse.quote_plus(client, safe=""), urllib.parse.quote_plus(secret, safe=""))
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def status_line(status, body):
    print("%d %s" % (status, body.decode("utf-8", "replace").strip()))


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
    elif cmd == "device-start" and 1 <= len(args) <= 3:
        form = {"client_id": args[0]}
        if len(args) >= 2 and args[1]:
            form["scope"] = args[1]
        if len(args) == 3:
            form["client_secret"] = args[2]
        status, body = post(portfile, cafile, "/device/auth", form)
        if status != 200:
            sys.exit("device authorization endpoint: HTTP %d %s" % (status, body[:300].decode("utf-8", "replace")))
        print(body.decode("utf-8", "replace"))
    elif cmd == "device-poll" and len(args) in (2, 3):
        form = {"grant_type": DEVICE_GRANT, "client_id": args[0], "device_code": args[1]}
        if len(args) == 3:
            form["client_secret"] = args[2]
        status_line(*post(portfile, cafile, "/token", form))
    elif (cmd == "device-approve" and len(args) in (2, 3)) or (cmd == "device-deny" and len(args) == 1):
        form = {"user_code": args[0]}
        if cmd == "device-approve":
            form["account"] = args[1]
            if len(args) == 3:
                form["scope"] = args[2]
        status, body = post(portfile, cafile, "/test/device/" + cmd[len("device-"):], form)
        print(status)
        if status != 200:
            sys.exit("%s: HTTP %d %s" % (cmd, status, body[:300].decode("utf-8", "replace")))
    elif cmd == "introspect" and len(args) == 3:
        status_line(*post(portfile, cafile, "/token/introspection",
                          {"token": args[2], "token_type_hint": "access_token"}, basic(args[0], args[1])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
