#!/usr/bin/env python3
"""Self-test of tests/standin/hydra_standin.py against /work/shared/hydra-api.md and, for the device
flow on the public listener, /work/shared/hydra-device-flow.md (python3 stdlib only).

Run: python3 tests/standin/test_standin.py   (exit status != 0 on failure)
"""

import base64
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "hydra_standin.py")

INVALID_REQUEST_DESC = ("The request is missing a required parameter, includes an invalid parameter value, "
                        "includes a parameter more than once, or is otherwise malformed.")
EMPTY_BODY_400 = ('{"error":"invalid_request","error_description":"' + INVALID_REQUEST_DESC
                  + ' The POST body can not be empty."}').encode()
INACTIVE = b'{"active":false}\n'
OPAQUE_RE = re.compile(r"^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ACTIVE_ORDER = ["active", "scope", "client_id", "sub", "exp", "iat", "nbf", "aud", "iss",
                "token_type", "token_use"]

TMPDIR = None
_COUNTER = [0]


def setUpModule():
    global TMPDIR
    TMPDIR = tempfile.mkdtemp(prefix="standin-test-")


def tearDownModule():
    if TMPDIR:
        shutil.rmtree(TMPDIR, ignore_errors=True)


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "Resp(%d, %r, %r)" % (self.status, self.headers, self.body[:300])


def form_encode(pairs):
    from urllib.parse import urlencode
    return urlencode(pairs).encode()


def multipart(fields, boundary="----standinBoundary7MA4YWxk"):
    out = b""
    for name, value in fields:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                % (boundary, name, value)).encode()
    out += ("--%s--\r\n" % boundary).encode()
    return out, "multipart/form-data; boundary=" + boundary


class Standin:
    """One stand-in process; always stopped via addClassCleanup."""

    def __init__(self, version, extra=(), tls=None, api_key=None):
        self.version = version
        self.extra = list(extra)
        self.tls = tls              # (cert, key, cafile) or None
        self.api_key = api_key
        self.proc = None

    def start(self):
        _COUNTER[0] += 1
        n = _COUNTER[0]
        self.port_file = os.path.join(TMPDIR, "ports-%s-%d.json" % (self.version, n))
        cmd = [sys.executable, STANDIN, "--version", self.version, "--port-file", self.port_file]
        cmd += self.extra
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        if self.api_key is not None:
            key_file = os.path.join(TMPDIR, "apikey-%d" % n)
            with open(key_file, "w") as fh:
                fh.write(self.api_key + "\n")
            cmd += ["--api-key-file", key_file]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("stand-in exited: %r" % (self.proc.communicate(),))
            if time.time() > deadline:
                raise RuntimeError("stand-in did not start")
            time.sleep(0.02)
        with open(self.port_file) as fh:
            ports = json.load(fh)
        self.admin_port, self.public_port, self.control_port = ports["admin"], ports["public"], ports["control"]
        self.ready_line = self.proc.stdout.readline().decode()
        return self

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return None
        self.proc.terminate()
        try:
            out, err = self.proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        self.final = (self.proc.returncode, out, err)
        return self.final

    # ---- clients -------------------------------------------------------------------------
    def _conn(self, port, host="127.0.0.1", timeout=5, context=None):
        if self.tls and port in (self.admin_port, self.public_port):
            ctx = context or ssl.create_default_context(cafile=self.tls[2])
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def admin(self, method, path, body=None, headers=None, ctype=None, auth=True, host="127.0.0.1",
              timeout=5, context=None):
        hdrs = dict(headers or {})
        if self.api_key is not None and auth and "Authorization" not in hdrs:
            hdrs["Authorization"] = "Bearer " + self.api_key
        return self.request(self.admin_port, method, path, body, hdrs, ctype, host, timeout, context)

    def public(self, method, path, body=None, headers=None, ctype=None, host="127.0.0.1", timeout=5,
               context=None):
        return self.request(self.public_port, method, path, body, dict(headers or {}), ctype, host, timeout,
                            context)

    def public_url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.public_port)

    def request(self, port, method, path, body, hdrs, ctype, host, timeout, context):
        if ctype:
            hdrs["Content-Type"] = ctype
        conn = self._conn(port, host=host, timeout=timeout, context=context)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            hd = {}
            for k, v in r.getheaders():
                hd[k.lower()] = hd[k.lower()] + ", " + v if k.lower() in hd else v
            return Resp(r.status, hd, data)
        finally:
            conn.close()

    def control(self, method, path, obj=None, status=200):
        conn = self._conn(self.control_port)
        try:
            body = json.dumps(obj).encode() if obj is not None else None
            conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            if r.status != status:
                raise AssertionError("control %s %s -> %d %r" % (method, path, r.status, data))
            return json.loads(data)
        finally:
            conn.close()

    def mint(self, **spec):
        return self.control("POST", "/tokens", spec)["token"]


# ============================================================================================
# common behaviour, mixed into one TestCase per version
# ============================================================================================

class Common:
    VERSION = None
    EXTRA = ()
    API_KEY = None
    TLS = None
    IPATH = "/admin/oauth2/introspect"
    LOGIN = "/admin/oauth2/auth/sessions/login"
    CONSENT = "/admin/oauth2/auth/sessions/consent"
    PREFIXED = True
    WILDCARD = True

    @classmethod
    def setUpClass(cls):
        cls.s = Standin(cls.VERSION, cls.EXTRA, tls=cls.TLS, api_key=cls.API_KEY)
        cls.addClassCleanup(cls.s.stop)
        cls.s.start()

    def setUp(self):
        self.s.control("POST", "/reset", {})

    def expected_iss(self):
        iss = self.s.public_url()     # Hydra's issuer is its public URL
        return iss + "/" if self.VERSION == "v1" else iss

    def introspect(self, token=None, path=None, **fields):
        pairs = []
        if token is not None:
            pairs.append(("token", token))
        pairs += list(fields.items())
        return self.s.admin("POST", path or self.IPATH, body=form_encode(pairs),
                            ctype="application/x-www-form-urlencoded")

    def assertActive(self, resp, token_use="access_token"):
        self.assertEqual(resp.status, 200, resp)
        doc = resp.json()
        self.assertIs(doc["active"], True, resp)
        self.assertEqual(doc["token_use"], token_use)
        return doc

    def assertInactive(self, resp):
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.body, INACTIVE)
        self.assertEqual(resp.header("Cache-Control"), "no-store")
        self.assertEqual(resp.header("Pragma"), "no-cache")
        self.assertEqual(resp.header("Content-Type"), "application/json;charset=UTF-8")

    # ---- process / startup -----------------------------------------------------------------
    def test_ready_line_and_port_file(self):
        self.assertEqual(self.s.ready_line, "standin ready admin=%d public=%d control=%d\n"
                         % (self.s.admin_port, self.s.public_port, self.s.control_port))
        with open(self.s.port_file) as fh:
            self.assertEqual(list(json.load(fh)), ["admin", "public", "control"])
        self.assertEqual(len({self.s.admin_port, self.s.public_port, self.s.control_port}), 3)

    # ---- public listener: discovery, and the device flow only from v25 on --------------------
    def test_public_discovery(self):
        r = self.s.public("GET", "/.well-known/openid-configuration")   # no API key, even on network
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        base = self.s.public_url()
        self.assertEqual(doc["issuer"], self.expected_iss())
        self.assertEqual(doc["authorization_endpoint"], base + "/oauth2/auth")
        self.assertEqual(doc["token_endpoint"], base + "/oauth2/token")
        self.assertNotIn("introspection_endpoint", doc)          # introspection is on the admin port
        device = self.VERSION in ("v25", "network")
        self.assertEqual("urn:ietf:params:oauth:grant-type:device_code" in doc["grant_types_supported"], device)
        if device:
            self.assertEqual(doc["device_authorization_endpoint"], base + "/oauth2/device/auth")
            self.assertEqual(list(doc)[:4], ["issuer", "authorization_endpoint", "device_authorization_endpoint",
                                             "token_endpoint"])
        else:
            self.assertNotIn("device_authorization_endpoint", doc)

    def test_public_device_paths_by_version(self):
        form = form_encode([("client_id", "nobody")])
        r = self.s.public("POST", "/oauth2/device/auth", body=form, ctype="application/x-www-form-urlencoded")
        r2 = self.s.public("GET", "/oauth2/device/verify?user_code=x")
        if self.VERSION in ("v25", "network"):
            self.assertEqual((r.status, r.json()["error"]), (401, "invalid_client"))
            self.assertEqual(r2.status, 302)
        else:
            for resp in (r, r2):
                self.assertEqual(resp.status, 404, resp)
                self.assertEqual(resp.json(), {"error": "Not Found",
                                               "error_description": "The requested resource could not be found"})
            # the token endpoint exists, but no handler takes the device grant
            r = self.s.public("POST", "/oauth2/token", ctype="application/x-www-form-urlencoded",
                              body=form_encode([("grant_type", DEVICE_GRANT), ("client_id", "c"),
                                                ("device_code", "x")]))
            self.assertEqual(r.status, 400, r)
            self.assertEqual(r.json()["error"], "invalid_request")
        # the admin paths are not on the public port, nor the public ones on the admin port
        self.assertEqual(self.s.public("POST", self.IPATH, body=b"token=x",
                                       ctype="application/x-www-form-urlencoded").status, 404)
        self.assertEqual(self.s.admin("POST", "/oauth2/device/auth", body=form,
                                      ctype="application/x-www-form-urlencoded").status, 404)

    # ---- token format ----------------------------------------------------------------------
    def test_opaque_token_shape(self):
        at = self.s.mint(sub="alice", client_id="c1")
        rt = self.s.mint(sub="alice", client_id="c1", token_use="refresh_token")
        if self.PREFIXED:
            self.assertEqual(len(at), 94)
            self.assertTrue(at.startswith("ory_at_"))
            self.assertTrue(rt.startswith("ory_rt_"))
            self.assertRegex(at[7:], OPAQUE_RE)
            self.assertRegex(rt[7:], OPAQUE_RE)
        else:
            self.assertEqual(len(at), 87)
            self.assertRegex(at, OPAQUE_RE)
            self.assertRegex(rt, OPAQUE_RE)

    def test_jwt_token(self):
        tok = self.s.mint(sub="alice", client_id="c1", scope="openid", format="jwt")
        parts = tok.split(".")
        self.assertEqual(len(parts), 3)
        self.assertTrue(tok.startswith("eyJ"))
        self.assertEqual(len(parts[2]), 683)
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        self.assertEqual(header, {"alg": "RS256", "typ": "JWT", "kid": "standin"})
        doc = self.assertActive(self.introspect(tok))
        self.assertEqual(doc["sub"], "alice")
        # a tampered payload with the same signature segment is not active
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        claims["sub"] = "root"
        forged = parts[0] + "." + base64.urlsafe_b64encode(
            json.dumps(claims).encode()).rstrip(b"=").decode() + "." + parts[2]
        self.assertInactive(self.introspect(forged))

    # ---- active answer ---------------------------------------------------------------------
    def test_active_fields_and_types(self):
        minted = self.s.control("POST", "/tokens", {"sub": "alice", "client_id": "c1",
                                                    "scope": "openid ssh:login", "ttl": 300})
        r = self.introspect(minted["token"])
        self.assertEqual(r.header("Content-Type"), "application/json;charset=UTF-8")
        self.assertTrue(r.body.endswith(b"}\n"))       # json.NewEncoder(w).Encode
        doc = self.assertActive(r)
        self.assertEqual(list(doc.keys()), ACTIVE_ORDER)
        self.assertEqual(doc["scope"], "openid ssh:login")
        self.assertEqual(doc["client_id"], "c1")
        self.assertEqual(doc["sub"], "alice")
        for f in ("exp", "iat", "nbf"):
            self.assertIs(type(doc[f]), int, f)
        self.assertEqual(doc["exp"], minted["exp"])
        self.assertEqual(doc["iat"], minted["iat"])
        self.assertEqual(doc["exp"] - doc["iat"], 300)
        self.assertEqual(doc["nbf"], doc["iat"])
        self.assertEqual(doc["aud"], [])
        self.assertEqual(doc["iss"], self.expected_iss())
        self.assertEqual(doc["token_type"], "Bearer")
        self.assertNotIn("username", doc)
        self.assertNotIn("ext", doc)
        self.assertNotIn("obfuscated_subject", doc)

    def test_optional_fields(self):
        tok = self.s.mint(sub="alice", client_id="c1", username="al", aud=["ssh", "sudo"],
                          ext={"sid": "s-1", "nested": {"b": 2, "a": [1, "x"]}},
                          obfuscated_subject="pairwise-1")
        doc = self.assertActive(self.introspect(tok))
        self.assertEqual(doc["username"], "al")
        self.assertEqual(doc["aud"], ["ssh", "sudo"])
        self.assertEqual(doc["ext"], {"sid": "s-1", "nested": {"a": [1, "x"], "b": 2}})
        self.assertEqual(list(doc["ext"].keys()), ["nested", "sid"])   # Go sorts map keys
        self.assertEqual(doc["obfuscated_subject"], "pairwise-1")
        self.assertNotIn("scope", doc)                                 # no scope granted

    def test_sub_defaults_to_client_id(self):
        doc = self.assertActive(self.introspect(self.s.mint(client_id="svc")))
        self.assertEqual(doc["sub"], "svc")
        self.assertEqual(doc["client_id"], "svc")

    def test_no_stored_exp_uses_lifespan(self):
        minted = self.s.control("POST", "/tokens", {"sub": "a", "client_id": "c", "exp": 0})
        doc = self.assertActive(self.introspect(minted["token"]))
        self.assertEqual(doc["exp"], doc["iat"] + 3600)

    def test_refresh_token_active(self):
        rt = self.s.mint(sub="alice", client_id="c1", token_use="refresh_token", scope="offline")
        doc = self.assertActive(self.introspect(rt), "refresh_token")
        self.assertEqual(doc["token_type"], "Bearer")
        doc = self.assertActive(self.introspect(rt, token_type_hint="refresh_token"), "refresh_token")

    def test_token_type_hint_does_not_matter(self):
        at = self.s.mint(sub="alice", client_id="c1")
        self.assertActive(self.introspect(at, token_type_hint="refresh_token"))
        self.assertActive(self.introspect(at, token_type_hint="access_token"))

    def test_multipart_form(self):
        at = self.s.mint(sub="alice", client_id="c1", scope="openid")
        body, ctype = multipart([("token", at), ("scope", "openid")])
        self.assertActive(self.s.admin("POST", self.IPATH, body=body, ctype=ctype))
        body, ctype = multipart([("token", at), ("scope", "nope")])
        self.assertInactive(self.s.admin("POST", self.IPATH, body=body, ctype=ctype))

    def test_content_type_with_charset(self):
        at = self.s.mint(sub="alice", client_id="c1")
        self.assertActive(self.s.admin("POST", self.IPATH, body=form_encode([("token", at)]),
                                       ctype="application/x-www-form-urlencoded; charset=UTF-8"))

    # ---- inactive answers ------------------------------------------------------------------
    def test_unknown_and_malformed_tokens_inactive(self):
        for tok in ["nope", "a.b", "a.b.c", "ory_at_x.y", "x" * 87, "ory_ac_" + "A" * 43 + "." + "B" * 43]:
            self.assertInactive(self.introspect(tok))

    def test_empty_token_inactive(self):
        self.assertInactive(self.introspect(""))
        self.assertInactive(self.introspect("", scope="x"))
        self.assertInactive(self.s.admin("POST", self.IPATH, body=b"token=",
                                         ctype="application/x-www-form-urlencoded"))

    def test_wrong_field_name_inactive(self):
        at = self.s.mint(sub="alice", client_id="c1")
        r = self.s.admin("POST", self.IPATH, body=form_encode([("access_token", at)]),
                         ctype="application/x-www-form-urlencoded")
        self.assertInactive(r)

    def test_expired_inactive(self):
        now = int(time.time())
        self.assertInactive(self.introspect(self.s.mint(sub="a", client_id="c", exp=now - 5)))
        self.assertInactive(self.introspect(self.s.mint(sub="a", client_id="c", iat=now - 100, ttl=50)))
        # old iat but still valid
        minted = self.s.control("POST", "/tokens", {"sub": "a", "client_id": "c", "iat": now - 100,
                                                    "exp": now + 100})
        doc = self.assertActive(self.introspect(minted["token"]))
        self.assertEqual(doc["iat"], now - 100)
        self.assertEqual(doc["exp"], now + 100)

    def test_revoked_inactive(self):
        at = self.s.mint(sub="alice", client_id="c1")
        self.assertActive(self.introspect(at))
        self.assertEqual(self.s.control("POST", "/revoke-token", {"token": at}), {"revoked": True})
        self.assertInactive(self.introspect(at))
        self.assertEqual(self.s.control("POST", "/revoke-token", {"token": at}), {"revoked": False})

    def test_tampered_inactive(self):
        at = self.s.mint(sub="alice", client_id="c1")
        i = len(at) - 50   # inside the key part
        flip = lambda c: "A" if c != "A" else "B"
        self.assertInactive(self.introspect(at[:i] + flip(at[i]) + at[i + 1:]))
        self.assertInactive(self.introspect(at[:-1] + flip(at[-1])))
        self.assertInactive(self.introspect(at + "x"))

    # ---- 400 answers -----------------------------------------------------------------------
    def assert400Empty(self, r):
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.body, EMPTY_BODY_400)
        self.assertEqual(r.header("Content-Type"), "application/json;charset=UTF-8")

    def test_400_empty_body(self):
        self.assert400Empty(self.s.admin("POST", self.IPATH, body=b"",
                                         ctype="application/x-www-form-urlencoded"))
        self.assert400Empty(self.s.admin("POST", self.IPATH, body=b""))

    def test_400_json_body(self):
        at = self.s.mint(sub="alice", client_id="c1")
        self.assert400Empty(self.s.admin("POST", self.IPATH, body=json.dumps({"token": at}).encode(),
                                         ctype="application/json"))

    def test_400_missing_content_type(self):
        at = self.s.mint(sub="alice", client_id="c1")
        self.assert400Empty(self.s.admin("POST", self.IPATH, body=("token=" + at).encode()))

    def test_400_token_only_in_query(self):
        at = self.s.mint(sub="alice", client_id="c1")
        self.assert400Empty(self.s.admin("POST", self.IPATH + "?token=" + at, body=b"",
                                         ctype="application/x-www-form-urlencoded"))

    def test_query_string_ignored(self):
        at = self.s.mint(sub="alice", client_id="c1", scope="openid")
        self.assertInactive(self.s.admin("POST", self.IPATH + "?token=" + at, body=b"token=",
                                         ctype="application/x-www-form-urlencoded"))
        self.assertActive(self.s.admin("POST", self.IPATH + "?scope=missing",
                                       body=form_encode([("token", at)]),
                                       ctype="application/x-www-form-urlencoded"))

    def test_400_unparseable_body(self):
        r = self.s.admin("POST", self.IPATH, body=b"token=%zz", ctype="application/x-www-form-urlencoded")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"], "invalid_request")
        self.assertIn("Unable to parse HTTP body", r.json()["error_description"])

    # ---- router ----------------------------------------------------------------------------
    def test_wrong_method_405(self):
        for m in ("GET", "PUT", "DELETE"):
            r = self.s.admin(m, self.IPATH)
            self.assertEqual(r.status, 405, (m, r))
            self.assertIn("POST", r.header("Allow"))

    def test_unknown_path_404_json(self):
        r = self.s.admin("POST", "/admin/oauth2/nope", body=b"token=x",
                         ctype="application/x-www-form-urlencoded")
        self.assertEqual(r.status, 404)
        self.assertIn("error", r.json())

    # ---- scope parameter (2.6) -------------------------------------------------------------
    def test_scope_param_and_semantics(self):
        if not self.WILDCARD:
            self.skipTest("exact strategy server")
        at = self.s.mint(sub="alice", client_id="c1", scope="openid foo.* ssh:login")
        for ok in ["openid", "openid ssh:login", "foo.bar", "foo.bar.baz", "openid  foo.x", "", " "]:
            self.assertActive(self.introspect(at, scope=ok))
        for bad in ["foo", "openid missing", "missing", "foo.", "ssh", "ssh:login.x"]:
            self.assertInactive(self.introspect(at, scope=bad))
        star = self.s.mint(sub="alice", client_id="c1", scope="*")
        self.assertActive(self.introspect(star, scope="anything a.b.c"))
        rt = self.s.mint(sub="alice", client_id="c1", scope="offline", token_use="refresh_token")
        self.assertActive(self.introspect(rt, scope="offline"), "refresh_token")
        self.assertInactive(self.introspect(rt, scope="openid"))

    # ---- self-hosted ignores Authorization -------------------------------------------------
    def test_authorization_header_ignored(self):
        if self.API_KEY is not None:
            self.skipTest("network requires the key")
        at = self.s.mint(sub="alice", client_id="c1")
        r = self.s.admin("POST", self.IPATH, body=form_encode([("token", at)]),
                         ctype="application/x-www-form-urlencoded",
                         headers={"Authorization": "Bearer wrong"})
        self.assertActive(r)

    # ---- session revocation (5) ------------------------------------------------------------
    def make_sessions(self):
        for subj, sid in (("alice", "s-a1"), ("alice", "s-a2"), ("bob", "s-b1")):
            self.s.control("POST", "/sessions", {"subject": subj, "sid": sid})

    def sessions(self):
        return sorted(s["sid"] for s in self.s.control("GET", "/sessions"))

    def clear_sessions(self):
        for s in self.s.control("GET", "/sessions"):
            self.s.admin("DELETE", self.LOGIN + "?subject=" + s["subject"])

    def test_login_revocation_keeps_tokens(self):
        self.clear_sessions()
        self.make_sessions()
        at = self.s.mint(sub="alice", client_id="c1")
        rt = self.s.mint(sub="alice", client_id="c1", token_use="refresh_token")
        r = self.s.admin("DELETE", self.LOGIN + "?subject=alice")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        self.assertEqual(self.sessions(), ["s-b1"])
        self.assertActive(self.introspect(at))                   # tokens stay active
        self.assertActive(self.introspect(rt), "refresh_token")
        r = self.s.admin("DELETE", self.LOGIN + "?subject=nobody")
        self.assertEqual(r.status, 204)

    def test_login_revocation_params(self):
        self.clear_sessions()
        self.make_sessions()
        r = self.s.admin("DELETE", self.LOGIN)
        self.assertEqual(r.status, 400, r)
        doc = r.json()
        self.assertEqual(doc["error"], "invalid_request")
        if self.VERSION == "v1":
            self.assertEqual(doc["error_description"], INVALID_REQUEST_DESC
                             + " Query parameter 'subject' is not defined but should have been.")
            # v1 knows no sid
            self.assertEqual(self.s.admin("DELETE", self.LOGIN + "?sid=s-a1").status, 400)
            self.assertEqual(self.sessions(), ["s-a1", "s-a2", "s-b1"])
        else:
            self.assertEqual(doc["error_description"], INVALID_REQUEST_DESC
                             + " Either 'subject' or 'sid' query parameters need to be defined.")
            self.assertEqual(self.s.admin("DELETE", self.LOGIN + "?sid=s-a1").status, 204)
            self.assertEqual(self.sessions(), ["s-a2", "s-b1"])
            # both given: sid wins, subject ignored
            self.assertEqual(self.s.admin("DELETE", self.LOGIN + "?subject=alice&sid=s-b1").status, 204)
            self.assertEqual(self.sessions(), ["s-a2"])
            self.assertEqual(self.s.admin("DELETE", self.LOGIN + "?sid=unknown").status, 204)
        self.assertEqual(self.s.admin("GET", self.LOGIN).status, 405)

    def test_consent_revocation_kills_tokens(self):
        a1 = self.s.mint(sub="carol", client_id="c1")
        r1 = self.s.mint(sub="carol", client_id="c1", token_use="refresh_token")
        a2 = self.s.mint(sub="carol", client_id="c2")
        other = self.s.mint(sub="dave", client_id="c1")
        r = self.s.admin("DELETE", self.CONSENT + "?subject=carol&client=c1")
        self.assertEqual(r.status, 204, r)
        self.assertInactive(self.introspect(a1))
        self.assertInactive(self.introspect(r1))
        self.assertActive(self.introspect(a2))
        self.assertActive(self.introspect(other))
        self.assertEqual(self.s.admin("DELETE", self.CONSENT + "?subject=carol&all=true").status, 204)
        self.assertInactive(self.introspect(a2))
        self.assertActive(self.introspect(other))
        self.assertEqual(self.s.admin("DELETE", self.CONSENT + "?subject=nobody&client=c1").status, 204)

    def test_consent_revocation_params(self):
        def status(q):
            return self.s.admin("DELETE", self.CONSENT + q)
        r = status("?client=c1")
        self.assertEqual(r.status, 400)
        if self.VERSION in ("v1", "v2"):
            self.assertEqual(r.json()["error_description"], INVALID_REQUEST_DESC
                             + " Query parameter 'subject' is not defined but should have been.")
            r = status("?subject=erin")
            self.assertEqual(r.status, 400)
            self.assertEqual(r.json()["error_description"], INVALID_REQUEST_DESC
                             + " Query parameter both 'client' and 'all' is not defined but one of them should have been.")
            self.assertEqual(status("?subject=erin&all=false").status, 400)
            # client takes precedence over all=true
            a = self.s.mint(sub="erin", client_id="c1")
            b = self.s.mint(sub="erin", client_id="c2")
            self.assertEqual(status("?subject=erin&client=c1&all=true").status, 204)
            self.assertInactive(self.introspect(a))
            self.assertActive(self.introspect(b))
        else:
            msg = INVALID_REQUEST_DESC + " Invalid combination of query parameters."
            self.assertEqual(r.json()["error_description"], msg)
            for q in ("", "?subject=erin", "?subject=erin&client=c1&all=true", "?all=true",
                      "?subject=erin&consent_request_id=x", "?client=c1&consent_request_id=x",
                      "?all=true&consent_request_id=x"):
                r = status(q)
                self.assertEqual(r.status, 400, q)
                self.assertEqual(r.json()["error_description"], msg, q)
            minted = self.s.control("POST", "/tokens", {"sub": "erin", "client_id": "c1"})
            keep = self.s.mint(sub="erin", client_id="c1")
            self.assertEqual(status("?consent_request_id=" + minted["consent_request_id"]).status, 204)
            self.assertInactive(self.introspect(minted["token"]))
            self.assertActive(self.introspect(keep))
            self.assertEqual(status("?subject=erin&all=true").status, 204)
            self.assertInactive(self.introspect(keep))
        self.assertEqual(self.s.admin("GET", self.CONSENT + "?subject=x").status, 405)


# ============================================================================================
# per-version classes
# ============================================================================================

class V1Test(Common, unittest.TestCase):
    VERSION = "v1"
    IPATH = "/oauth2/introspect"
    LOGIN = "/oauth2/auth/sessions/login"
    CONSENT = "/oauth2/auth/sessions/consent"
    PREFIXED = False

    def test_admin_prefix_is_404(self):
        at = self.s.mint(sub="alice", client_id="c1")
        for path in ("/admin/oauth2/introspect", "/admin/health/alive", "/admin/version"):
            r = self.s.admin("POST" if "introspect" in path else "GET", path,
                             body=form_encode([("token", at)]) if "introspect" in path else None,
                             ctype="application/x-www-form-urlencoded")
            self.assertEqual(r.status, 404, path)
        self.assertEqual(self.s.admin("DELETE", "/admin/oauth2/auth/sessions/login?subject=a").status, 404)

    def test_prefixed_token_inactive_on_v1(self):
        at = self.s.mint(sub="alice", client_id="c1", prefix=True)
        self.assertTrue(at.startswith("ory_at_"))
        self.assertInactive(self.introspect(at))

    def test_health(self):
        self.assertEqual(self.s.admin("GET", "/health/alive").json(), {"status": "ok"})
        self.assertEqual(self.s.admin("GET", "/health/ready").json(), {"status": "ok"})
        self.assertEqual(self.s.admin("GET", "/version").json()["version"][:2], "v1")
        self.s.control("POST", "/ready", {"ready": False})
        r = self.s.admin("GET", "/health/ready")
        self.assertEqual(r.status, 503)
        self.assertEqual(r.json(), {"error": "error", "error_description": "The error is unrecognizable"})
        self.assertEqual(self.s.admin("GET", "/health/alive").status, 200)
        self.s.control("POST", "/reset", {})
        self.assertEqual(self.s.admin("GET", "/health/ready").status, 200)


class V2Test(Common, unittest.TestCase):
    VERSION = "v2"

    def test_unprefixed_paths_redirect_307(self):
        at = self.s.mint(sub="alice", client_id="c1")
        r = self.s.admin("POST", "/oauth2/introspect", body=form_encode([("token", at)]),
                         ctype="application/x-www-form-urlencoded")
        self.assertEqual(r.status, 307)
        self.assertEqual(r.header("Location"),
                         "https://localhost:%d/admin/oauth2/introspect" % self.s.admin_port)
        self.assertEqual(r.body, b"")
        self.s.control("POST", "/sessions", {"subject": "zed", "sid": "s-z"})
        r = self.s.admin("DELETE", "/oauth2/auth/sessions/login?subject=zed")
        self.assertEqual(r.status, 307)
        self.assertEqual(r.header("Location"), "https://localhost:%d/admin/oauth2/auth/sessions/login"
                         "?subject=zed" % self.s.admin_port)
        self.assertIn("s-z", self.sessions())          # not processed
        r = self.s.admin("DELETE", "/oauth2/auth/sessions/consent?subject=alice&client=c1")
        self.assertEqual(r.status, 307)
        self.assertActive(self.introspect(at))         # not processed
        self.assertEqual(self.s.admin("GET", "/oauth2/introspect").status, 405)
        self.s.admin("DELETE", self.LOGIN + "?subject=zed")

    def test_trailing_slash_not_rewritten(self):
        at = self.s.mint(sub="alice", client_id="c1")
        r = self.s.admin("POST", "/admin/oauth2/introspect/", body=form_encode([("token", at)]),
                         ctype="application/x-www-form-urlencoded")
        self.assertNotEqual(r.status, 200)

    def test_health(self):
        self.assertEqual(self.s.admin("GET", "/health/alive").json(), {"status": "ok"})
        self.assertEqual(self.s.admin("GET", "/health/ready").json(), {"status": "ok"})
        self.assertEqual(self.s.admin("GET", "/version").json()["version"][:2], "v2")
        for p in ("/admin/health/alive", "/admin/health/ready", "/admin/version"):
            self.assertEqual(self.s.admin("GET", p).status, 404, p)
        self.s.control("POST", "/ready", {"ready": False})
        self.assertEqual(self.s.admin("GET", "/health/ready").status, 503)

    # ---- override + request log (control API) ----------------------------------------------
    def test_override_429_and_request_log(self):
        at = self.s.mint(sub="alice", client_id="c1")
        self.s.control("POST", "/override", {
            "status": 429, "count": 2, "content_type": "application/json",
            "headers": {"x-ratelimit-limit": "80", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "17"},
            "body": '{"error":"rate limited"}'})
        for _ in range(2):
            r = self.s.admin("POST", self.IPATH + "?q=1&r=%20", body=form_encode([("token", at), ("scope", "a b")]),
                             ctype="application/x-www-form-urlencoded", headers={"X-Test-Header": "yes"})
            self.assertEqual(r.status, 429)
            self.assertEqual(r.header("x-ratelimit-reset"), "17")
            self.assertEqual(r.header("x-ratelimit-limit"), "80")
            self.assertEqual(r.header("x-ratelimit-remaining"), "0")
            self.assertEqual(r.body, b'{"error":"rate limited"}')
        self.assertActive(self.introspect(at))
        self.assertEqual(self.s.admin("GET", "/health/alive").status, 200)
        log = self.s.control("GET", "/requests")
        self.assertEqual(len(log), 4)
        first = log[0]
        self.assertEqual(set(first.keys()), {"listener", "method", "path", "query", "headers", "form", "body_len"})
        self.assertEqual(first["listener"], "admin")
        self.assertEqual(first["method"], "POST")
        self.assertEqual(first["path"], "/admin/oauth2/introspect")
        self.assertEqual(first["query"], "q=1&r=%20")
        self.assertEqual(first["headers"]["x-test-header"], "yes")
        self.assertEqual(first["headers"]["content-type"], "application/x-www-form-urlencoded")
        self.assertEqual(first["form"], {"token": [at], "scope": ["a b"]})
        self.assertEqual(first["body_len"], len(form_encode([("token", at), ("scope", "a b")])))
        self.assertEqual(log[3], {"listener": "admin", "method": "GET", "path": "/health/alive", "query": "",
                                  "headers": log[3]["headers"], "form": {}, "body_len": 0})
        self.s.control("POST", "/reset", {})
        self.assertEqual(self.s.control("GET", "/requests"), [])

    def test_override_any_path_until_reset(self):
        self.s.control("POST", "/override", {"status": 502, "count": -1, "content_type": None,
                                             "body": "bad gateway"})
        for p in ("/health/alive", "/nope", self.IPATH):
            r = self.s.admin("GET", p)
            self.assertEqual(r.status, 502)
            self.assertEqual(r.body, b"bad gateway")
            self.assertIsNone(r.header("Content-Type"))
        self.s.control("POST", "/reset", {})
        self.assertEqual(self.s.admin("GET", "/health/alive").status, 200)

    def test_override_queue_and_b64(self):
        raw = bytes(range(256))
        self.s.control("POST", "/override", {"status": 200, "body_b64": base64.b64encode(raw).decode(),
                                             "content_type": "application/octet-stream"})
        self.s.control("POST", "/override", {"status": 200, "body": "{\"active\":true}",
                                             "content_type": "application/json"})
        self.assertEqual(self.s.admin("GET", "/x").body, raw)
        self.assertEqual(self.s.admin("GET", "/x").body, b'{"active":true}')
        self.assertEqual(self.s.admin("GET", "/x").status, 404)

    def test_override_10mb_body(self):
        n = 10 * 1024 * 1024
        self.s.control("POST", "/override", {"status": 200, "content_type": "application/json",
                                             "repeat": {"chunk": "x", "times": n}})
        r = self.s.admin("POST", self.IPATH, body=b"token=x", ctype="application/x-www-form-urlencoded",
                         timeout=20)
        self.assertEqual(len(r.body), n)
        self.assertEqual(r.body[:3], b"xxx")

    def test_override_delay(self):
        self.s.control("POST", "/override", {"status": 200, "body": "{}", "delay_ms": 300})
        t0 = time.time()
        r = self.s.admin("GET", "/x")
        self.assertGreaterEqual(time.time() - t0, 0.29)
        self.assertEqual(r.body, b"{}")

    def test_override_stall(self):
        self.s.control("POST", "/override", {"status": 200, "body": "y" * 100, "stall_after_bytes": 10,
                                             "content_type": "application/json"})
        sock = socket.create_connection(("127.0.0.1", self.s.admin_port), timeout=5)
        try:
            sock.sendall(b"POST /admin/oauth2/introspect HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\ntoken=x")
            data = b""
            while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 10:
                chunk = sock.recv(4096)
                self.assertTrue(chunk)
                data += chunk
            head, body = data.split(b"\r\n\r\n", 1)
            self.assertIn(b"Content-Length: 100", head)
            self.assertEqual(body, b"y" * 10)
            sock.settimeout(0.4)
            with self.assertRaises(socket.timeout):
                sock.recv(4096)
        finally:
            sock.close()
        self.assertEqual(self.s.admin("GET", "/health/alive").status, 200)

    def test_prefixless_token_still_active_on_v2(self):
        at = self.s.mint(sub="alice", client_id="c1", prefix=False)
        self.assertEqual(len(at), 87)
        self.assertActive(self.introspect(at))


class V25Test(Common, unittest.TestCase):
    VERSION = "v25"
    EXTRA = ("--issuer", "https://hydra.example.com/")

    def expected_iss(self):
        return "https://hydra.example.com/"     # v2+: as configured

    def test_unprefixed_and_trailing_slash_served(self):
        at = self.s.mint(sub="alice", client_id="c1")
        for p in ("/oauth2/introspect", "/oauth2/introspect/", "/admin/oauth2/introspect/"):
            self.assertActive(self.introspect(at, path=p))
        self.s.control("POST", "/sessions", {"subject": "yan", "sid": "s-y"})
        self.assertEqual(self.s.admin("DELETE", "/oauth2/auth/sessions/login?subject=yan").status, 204)
        self.assertNotIn("s-y", self.sessions())
        self.assertEqual(self.s.admin("DELETE", "/oauth2/auth/sessions/consent?subject=alice&client=c1").status, 204)
        self.assertInactive(self.introspect(at))
        log = self.s.control("GET", "/requests")
        self.assertEqual(log[0]["path"], "/oauth2/introspect")   # recorded as sent

    def test_health(self):
        for p in ("/health/alive", "/admin/health/alive", "/health/ready", "/admin/health/ready"):
            r = self.s.admin("GET", p)
            self.assertEqual((r.status, r.json()), (200, {"status": "ok"}), p)
        for p in ("/version", "/admin/version"):
            self.assertEqual(self.s.admin("GET", p).json()["version"][:3], "v25")
        self.s.control("POST", "/ready", {"ready": False})
        self.assertEqual(self.s.admin("GET", "/admin/health/ready").status, 503)
        self.assertEqual(self.s.admin("GET", "/health/ready").status, 503)


class NetworkTest(Common, unittest.TestCase):
    VERSION = "network"
    API_KEY = "ory_pat_standinTestKey123"

    def test_api_key_required(self):
        at = self.s.mint(sub="alice", client_id="c1")
        body = form_encode([("token", at)])
        for hdr in (None, "Bearer wrong", "Basic " + self.API_KEY, "Bearer", "bearer  " + self.API_KEY):
            headers = {} if hdr is None else {"Authorization": hdr}
            r = self.s.admin("POST", self.IPATH, body=body, ctype="application/x-www-form-urlencoded",
                             headers=headers, auth=False)
            self.assertEqual(r.status, 401, hdr)
            doc = r.json()
            self.assertEqual(doc["error"], "The request could not be authorized")
            self.assertIn("error_description", doc)
        r = self.s.admin("DELETE", self.LOGIN + "?subject=a", auth=False)
        self.assertEqual(r.status, 401)
        self.assertActive(self.introspect(at))

    def test_unprefixed_served(self):
        at = self.s.mint(sub="alice", client_id="c1")
        self.assertActive(self.introspect(at, path="/oauth2/introspect"))

    def test_health_absent(self):
        for p in ("/health/alive", "/health/ready", "/version", "/admin/health/alive",
                  "/admin/health/ready", "/admin/version"):
            self.assertEqual(self.s.admin("GET", p).status, 404, p)


class ExactStrategyV1Test(unittest.TestCase):
    """--scope-strategy exact, plus v1 forcing one trailing '/' on a configured issuer."""

    @classmethod
    def setUpClass(cls):
        cls.s = Standin("v1", ("--scope-strategy", "exact", "--issuer", "https://issuer.example"))
        cls.addClassCleanup(cls.s.stop)
        cls.s.start()

    def introspect(self, token, **fields):
        return self.s.admin("POST", "/oauth2/introspect", body=form_encode([("token", token)] + list(fields.items())),
                            ctype="application/x-www-form-urlencoded")

    def test_exact(self):
        at = self.s.mint(sub="alice", client_id="c1", scope="openid foo.*")
        self.assertEqual(self.introspect(at, scope="openid foo.*").json()["active"], True)
        self.assertEqual(self.introspect(at, scope="openid").json()["active"], True)
        self.assertEqual(self.introspect(at, scope="foo.bar").body, INACTIVE)
        self.assertEqual(self.introspect(at, scope="openid nope").body, INACTIVE)

    def test_issuer_trailing_slash(self):
        at = self.s.mint(sub="alice", client_id="c1")
        self.assertEqual(self.introspect(at).json()["iss"], "https://issuer.example/")


class ShutdownTest(unittest.TestCase):
    def test_sigterm_clean_and_quiet(self):
        s = Standin("v2")
        self.addCleanup(s.stop)
        s.start()
        at = s.mint(sub="alice", client_id="c1")
        s.admin("POST", "/admin/oauth2/introspect", body=form_encode([("token", at)]),
                ctype="application/x-www-form-urlencoded")
        s.admin("GET", "/nope")
        rc, out, err = s.stop()
        self.assertEqual(rc, 0)
        self.assertEqual(out, b"")     # only the ready line (already read) goes to stdout
        self.assertEqual(err, b"")     # no request logging


class FaultOverridesTest(unittest.TestCase):
    """Overrides for the fault matrix (tests/pam/test_faults.c) and the secrets witness file."""

    @classmethod
    def setUpClass(cls):
        cls.witness = os.path.join(TMPDIR, "witness.list")
        old = os.environ.get("OI_SECRETS_WITNESS")
        os.environ["OI_SECRETS_WITNESS"] = cls.witness
        try:
            cls.s = Standin("network", api_key="ory_apikey_witnessMe42")
            cls.addClassCleanup(cls.s.stop)
            cls.s.start()
        finally:
            if old is None:
                del os.environ["OI_SECRETS_WITNESS"]
            else:
                os.environ["OI_SECRETS_WITNESS"] = old

    def setUp(self):
        self.s.control("POST", "/reset", {})

    def raw_exchange(self, timeout=5):
        """One request on a raw socket; everything the server sends until it closes."""
        sock = socket.create_connection(("127.0.0.1", self.s.admin_port), timeout=timeout)
        try:
            sock.sendall(b"POST /admin/oauth2/introspect HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\ntoken=x")
            data = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    return data
                data += chunk
        finally:
            sock.close()

    def assertServing(self):
        at = self.s.mint(sub="alice", client_id="c1")
        r = self.s.admin("POST", "/admin/oauth2/introspect", body=form_encode([("token", at)]),
                         ctype="application/x-www-form-urlencoded")
        self.assertIs(r.json()["active"], True)

    def test_close_after_bytes(self):
        self.s.control("POST", "/override", {"status": 200, "body": "y" * 100, "close_after_bytes": 10,
                                             "content_type": "application/json"})
        head, body = self.raw_exchange().split(b"\r\n\r\n", 1)
        self.assertIn(b"Content-Length: 100", head)
        self.assertEqual(body, b"y" * 10)       # then EOF, 90 bytes short
        self.assertServing()

    def test_drip(self):
        self.s.control("POST", "/override", {"status": 200, "body": "abcde", "drip_ms": 60,
                                             "content_type": "application/json"})
        t0 = time.time()
        r = self.s.admin("GET", "/x")
        self.assertGreaterEqual(time.time() - t0, 0.29)
        self.assertEqual((r.status, r.body), (200, b"abcde"))

    def test_raw_b64(self):
        raw = b"SSH-2.0-OpenSSH_9.2\r\n\x00\xff"
        self.s.control("POST", "/override", {"raw_b64": base64.b64encode(raw).decode()})
        self.assertEqual(self.raw_exchange(), raw)
        self.assertServing()

    def test_witness_records_every_secret(self):
        at = self.s.mint(sub="alice", client_id="c1")
        basic = base64.b64encode(b"rs:p%40ss%3Aw+rd").decode()
        self.s.admin("POST", "/admin/oauth2/introspect",
                     body=form_encode([("token", "ory_at_typedLiteral.xyz"), ("client_secret", "form-secret-1")]),
                     ctype="application/x-www-form-urlencoded", headers={"Authorization": "Basic " + basic})
        with open(self.witness) as fh:
            lines = set(fh.read().splitlines())
        for want in ("ory_apikey_witnessMe42", at, "ory_at_typedLiteral.xyz", "form-secret-1", basic,
                     "p%40ss%3Aw+rd", "p@ss:w rd"):
            self.assertIn(want, lines)
        self.assertNotIn("", lines)


# ============================================================================================
# device authorization grant on the public listener (hydra-device-flow.md 2-4, 6.1)
# ============================================================================================

USER_CODE_RE = re.compile(r"^[abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679]{8}$")
DEVICE_CODE_RE = re.compile(r"^ory_dc_[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$")
INVALID_CLIENT_DESC = ("Client authentication failed (e.g., unknown client, no client authentication included, "
                       "or unsupported authentication method).")
INVALID_GRANT_DESC = ("The provided authorization grant (e.g., authorization code, resource owner credentials) or "
                      "refresh token is invalid, expired, revoked, does not match the redirection URI used in the "
                      "authorization request, or was issued to another client.")
PENDING_BODY = (b'{"error":"authorization_pending","error_description":"The authorization request is still pending '
                b'as the end user hasn\'t yet completed the user-interaction steps."}')
EXPIRED_DESC = "The device_code has expired, and the device authorization session has concluded."
DEVICE_CLIENTS = [
    {"client_id": "tv-public", "scope": "openid offline ssh:login ssh.*"},
    {"client_id": "tv-post", "client_secret": "post-secret-1", "auth_method": "client_secret_post",
     "scope": "ssh:login"},
    {"client_id": "tv-basic", "client_secret": "basic s3cret:x", "scope": "ssh:login"},   # default method: basic
    {"client_id": "tv-nogrant", "scope": "ssh:login", "device_grant": False},
    {"client_id": "tv-aud", "scope": "ssh:login", "audience": ["https://fleet.example/ssh"]},
    {"client_id": "tv-refresh", "scope": "openid offline ssh:login", "refresh_grant": True},
]


class DeviceFlowBase:
    VERSION = "v25"
    TLS = None

    @classmethod
    def setUpClass(cls):
        cls.s = Standin(cls.VERSION, tls=cls.TLS, api_key="ory_pat_deviceKey1" if cls.VERSION == "network" else None)
        cls.addClassCleanup(cls.s.stop)
        cls.s.start()
        for client in DEVICE_CLIENTS:
            cls.s.control("POST", "/device/clients", client)

    def setUp(self):
        self.s.control("POST", "/reset", {})

    def device_auth(self, pairs, headers=None, ctype="application/x-www-form-urlencoded"):
        body = pairs if isinstance(pairs, bytes) else form_encode(pairs)
        return self.s.public("POST", "/oauth2/device/auth", body=body, ctype=ctype, headers=headers)

    def start(self, client_id="tv-public", scope="ssh:login", extra=()):
        r = self.device_auth([("client_id", client_id), ("scope", scope)] + list(extra))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def poll(self, device_code, client_id="tv-public", extra=(), headers=None, grant=DEVICE_GRANT):
        pairs = ([("grant_type", grant)] if grant is not None else []) + [("device_code", device_code)]
        if client_id is not None:
            pairs.append(("client_id", client_id))
        return self.s.public("POST", "/oauth2/token", body=form_encode(pairs + list(extra)), headers=headers,
                             ctype="application/x-www-form-urlencoded")

    def approve(self, user_code, sub="alice", **extra):
        return self.s.control("POST", "/device/approve", dict(extra, user_code=user_code, sub=sub))

    def codes(self):
        return {c["user_code"]: c for c in self.s.control("GET", "/device/codes")}

    def introspect(self, token):
        return self.s.admin("POST", "/admin/oauth2/introspect", body=form_encode([("token", token)]),
                            ctype="application/x-www-form-urlencoded")

    def assertOAuthError(self, r, error, status=400, description=None):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("Content-Type"), "application/json;charset=UTF-8")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertEqual(r.header("Pragma"), "no-cache")
        self.assertFalse(r.body.endswith(b"\n"))                  # json.Marshal
        doc = r.json()
        self.assertEqual(list(doc), ["error", "error_description"])
        self.assertEqual(doc["error"], error)
        if description is not None:
            self.assertEqual(doc["error_description"], description)
        return doc

    def assertPending(self, r):
        self.assertOAuthError(r, "authorization_pending")
        self.assertEqual(r.body, PENDING_BODY)


class DeviceFlowTest(DeviceFlowBase, unittest.TestCase):
    """Hydra mode (the default), v25."""

    # ---- POST /oauth2/device/auth ----------------------------------------------------------
    def test_device_auth_answer(self):
        t0 = time.time()
        r = self.device_auth([("client_id", "tv-public"), ("scope", "openid ssh:login")])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/json;charset=UTF-8")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertEqual(r.header("Pragma"), "no-cache")
        self.assertTrue(r.body.startswith(b'{"Header":null,"device_code":"ory_dc_'), r.body)
        self.assertFalse(r.body.endswith(b"\n"))
        doc = r.json()
        self.assertEqual(list(doc), ["Header", "device_code", "user_code", "verification_uri",
                                     "verification_uri_complete", "expires_in", "interval"])
        self.assertEqual(len(doc["device_code"]), 94)
        self.assertRegex(doc["device_code"], DEVICE_CODE_RE)
        self.assertRegex(doc["user_code"], USER_CODE_RE)
        uri = self.s.public_url() + "/oauth2/device/verify"
        self.assertEqual(doc["verification_uri"], uri)
        self.assertEqual(doc["verification_uri_complete"], uri + "?user_code=" + doc["user_code"])
        self.assertIs(type(doc["expires_in"]), int)
        self.assertIn(doc["expires_in"], (599, 600))
        self.assertEqual(doc["interval"], 5)
        code = self.codes()[doc["user_code"]]
        self.assertEqual(code, {"user_code": doc["user_code"], "client_id": "tv-public", "scope": "openid ssh:login",
                                "state": "pending", "sub": None, "expires_at": code["expires_at"], "polls": []})
        self.assertLessEqual(abs(code["expires_at"] - (t0 + 600)), 1.5)
        self.assertNotIn(doc["device_code"], json.dumps(self.s.control("GET", "/device/codes")))
        # codes are fresh each time
        other = self.start()
        self.assertNotEqual(other["device_code"], doc["device_code"])
        self.assertNotEqual(other["user_code"], doc["user_code"])

    def test_device_mode_shapes_the_answer(self):
        self.s.control("POST", "/device/mode", {"header_null": False, "interval": 0, "ttl": 30})
        r = self.device_auth([("client_id", "tv-public")])
        self.assertTrue(r.body.startswith(b'{"device_code":'), r.body)
        doc = r.json()
        self.assertNotIn("interval", doc)                          # omitempty
        self.assertIn(doc["expires_in"], (29, 30))
        self.s.control("POST", "/device/mode", {"interval": 7})    # the other fields stay
        doc = self.start()
        self.assertEqual((doc["interval"], "Header" in doc), (7, False))
        self.s.control("POST", "/reset", {})
        doc = self.start()
        self.assertEqual((doc["interval"], doc["Header"], doc["expires_in"] in (599, 600)), (5, None, True))
        for bad in ({"mode": "strict"}, {"ttl": 0}, {"interval": -1}, {"nope": 1}, {"slow_down": 2}):
            self.s.control("POST", "/device/mode", bad, status=400)

    def test_device_auth_client_authentication(self):
        def basic(user, password):
            return {"Authorization": "Basic " + base64.b64encode((user + ":" + password).encode()).decode()}
        secret_basic = "basic%20s3cret%3Ax"     # form-encoded in the Basic header, as RFC 6749 2.3.1 says
        ok = [
            ([("client_id", "tv-public")], None),
            ([("client_id", "tv-post"), ("client_secret", "post-secret-1")], None),
            ([("client_id", "tv-basic")], basic("tv-basic", secret_basic)),
            ([("client_id", "tv-basic")], basic("tv-basic", "basic s3cret:x")),
        ]
        for pairs, headers in ok:
            r = self.device_auth(pairs + [("scope", "ssh:login")], headers=headers)
            self.assertEqual(r.status, 200, (pairs, r))
        method = ("The OAuth 2.0 Client supports client authentication method '%s', but method '%s' was requested. "
                  "You must configure the OAuth 2.0 client's 'token_endpoint_auth_method' value to accept '%s'.")
        bad = [
            # the body's client_id is required and must match, Basic or not
            ([], basic("tv-basic", secret_basic), "invalid_request", 400, " Provided client_id mismatch."),
            ([("client_id", "tv-public")], basic("tv-basic", secret_basic), "invalid_request", 400,
             " Provided client_id mismatch."),
            ([("scope", "ssh:login")], None, "invalid_request", 400, " Client credentials missing or malformed in "
             "both HTTP Authorization header and HTTP POST body."),
            ([("client_id", "nobody")], None, "invalid_client", 401, ""),
            # another method than the registered one
            ([("client_id", "tv-public"), ("client_secret", "x")], None, "invalid_client", 401,
             " " + method % ("none", "client_secret_post", "client_secret_post")),
            ([("client_id", "tv-basic"), ("client_secret", "basic s3cret:x")], None, "invalid_client", 401,
             " " + method % ("client_secret_basic", "client_secret_post", "client_secret_post")),
            ([("client_id", "tv-post")], basic("tv-post", "post-secret-1"), "invalid_client", 401,
             " " + method % ("client_secret_post", "client_secret_basic", "client_secret_basic")),
            # missing or wrong secrets
            ([("client_id", "tv-post")], None, "invalid_client", 401, ""),
            ([("client_id", "tv-post"), ("client_secret", "wrong")], None, "invalid_client", 401, ""),
            ([("client_id", "tv-basic")], basic("tv-basic", "wrong"), "invalid_client", 401, ""),
            ([("client_id", "tv-basic")], None, "invalid_client", 401, ""),
            ([("client_id", "tv-basic")], basic("tv-basic", "%zz"), "invalid_request", 400,
             " The client secret in the HTTP authorization header could not be decoded from "
             "'application/x-www-form-urlencoded'."),
        ]
        for pairs, headers, error, status, hint in bad:
            r = self.device_auth(pairs + [("scope", "ssh:login")], headers=headers)
            desc = (INVALID_REQUEST_DESC if error == "invalid_request" else INVALID_CLIENT_DESC) + hint
            self.assertOAuthError(r, error, status, desc)
        self.assertEqual(len(self.s.control("GET", "/device/codes")), len(ok))     # only the good ones

    def test_device_auth_grant_scope_audience(self):
        r = self.device_auth([("client_id", "tv-nogrant"), ("scope", "ssh:login")])
        self.assertOAuthError(r, "invalid_grant", 400, INVALID_GRANT_DESC + " The requested OAuth 2.0 Client does "
                              "not have the 'urn:ietf:params:oauth:grant-type:device_code' grant.")
        r = self.device_auth([("client_id", "tv-public"), ("scope", "ssh:login sudo")])
        self.assertOAuthError(r, "invalid_scope", 400, "The requested scope is invalid, unknown, or malformed. "
                              "The OAuth 2.0 Client is not allowed to request scope 'sudo'.")
        self.start(scope="ssh.anything  openid")                 # wildcard strategy, empty items skipped
        self.start(scope="")
        r = self.device_auth([("client_id", "tv-aud"), ("audience", "https://other.example/ssh")])
        self.assertOAuthError(r, "invalid_request", 400, INVALID_REQUEST_DESC + " Requested audience "
                              "'https://other.example/ssh' has not been whitelisted by the OAuth 2.0 Client.")
        self.start("tv-aud", extra=[("audience", "https://fleet.example/ssh/host1")])
        self.assertOAuthError(self.device_auth([("client_id", "tv-public"), ("audience", "x")]), "invalid_request")

    def test_device_auth_bodies_and_methods(self):
        empty = INVALID_REQUEST_DESC + " The POST body can not be empty."
        self.assertOAuthError(self.device_auth(b""), "invalid_request", 400, empty)
        self.assertOAuthError(self.device_auth(b'{"client_id":"tv-public"}', ctype="application/json"),
                              "invalid_request", 400, empty)
        body, ctype = multipart([("client_id", "tv-public")])
        self.assertOAuthError(self.device_auth(body, ctype=ctype), "invalid_request", 400, empty)   # ParseForm
        self.assertOAuthError(self.device_auth(b"client_id=%zz"), "invalid_request", 400,
                              INVALID_REQUEST_DESC + " Unable to parse HTTP body, make sure to send a properly "
                              "formatted form request body.")
        r = self.s.public("GET", "/oauth2/device/auth")
        self.assertEqual((r.status, r.header("Allow")), (405, "POST"))
        self.assertEqual(self.s.control("GET", "/device/codes"), [])

    def test_verify_redirects(self):
        r = self.s.public("GET", "/oauth2/device/verify?user_code=AbCd3467")
        self.assertEqual(r.status, 302)
        self.assertRegex(r.header("Location"), "^" + re.escape(self.s.public_url()) +
                         r"/oauth2/fallbacks/device\?device_challenge=[0-9a-f]{32}&user_code=AbCd3467$")

    # ---- POST /oauth2/token ----------------------------------------------------------------
    def test_pending_approve_token_introspects(self):
        d = self.start(scope="openid ssh:login")
        self.assertPending(self.poll(d["device_code"]))
        self.assertPending(self.poll(d["device_code"]))
        ext = {"sid": "s-1", "host": "web01"}
        self.assertEqual(self.approve(d["user_code"], sub="alice", scope="ssh:login", ext=ext, ttl=120), {"ok": True})
        self.assertEqual(self.codes()[d["user_code"]]["state"], "approved")
        t0 = int(time.time())
        r = self.poll(d["device_code"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/json;charset=UTF-8")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertEqual(r.header("Pragma"), "no-cache")
        doc = r.json()
        self.assertEqual(list(doc), ["access_token", "expires_in", "scope", "token_type"])   # a Go map: sorted
        self.assertEqual(doc["token_type"], "bearer")
        self.assertEqual(doc["scope"], "ssh:login")
        self.assertIn(doc["expires_in"], (119, 120))
        self.assertEqual(len(doc["access_token"]), 94)
        self.assertRegex(doc["access_token"][7:], OPAQUE_RE)
        self.assertTrue(doc["access_token"].startswith("ory_at_"))
        r = self.introspect(doc["access_token"])
        info = r.json()
        self.assertIs(info["active"], True, r)
        self.assertEqual((info["sub"], info["client_id"], info["scope"], info["token_use"], info["token_type"]),
                         ("alice", "tv-public", "ssh:login", "access_token", "Bearer"))
        self.assertEqual(info["ext"], ext)
        self.assertEqual(info["iss"], self.s.public_url())
        self.assertEqual(info["aud"], [])
        self.assertLessEqual(abs(info["iat"] - t0), 1)
        self.assertEqual(info["exp"] - info["iat"], 120)
        # redeemed: the next poll is invalid_grant, and the token stays active
        self.assertOAuthError(self.poll(d["device_code"]), "invalid_grant", 400, INVALID_GRANT_DESC)
        self.assertIs(self.introspect(doc["access_token"]).json()["active"], True)
        code = self.codes()[d["user_code"]]
        self.assertEqual((code["state"], code["sub"], len(code["polls"])), ("redeemed", "alice", 4))
        self.assertEqual(code["polls"], sorted(code["polls"]))
        self.assertTrue(all(isinstance(t, (int, float)) and abs(t - time.time()) < 60 for t in code["polls"]))
        # a redeemed code cannot be approved again
        self.s.control("POST", "/device/approve", {"user_code": d["user_code"], "sub": "bob"}, status=409)

    def test_approval_defaults_and_options(self):
        d = self.start("tv-aud", scope="ssh:login", extra=[("audience", "https://fleet.example/ssh")])
        self.approve(d["user_code"], sub="carol")
        doc = self.poll(d["device_code"], "tv-aud").json()
        self.assertEqual(doc["scope"], "ssh:login")               # default: the requested scopes
        self.assertIn(doc["expires_in"], (3599, 3600))            # default ttl 3600
        info = self.introspect(doc["access_token"]).json()
        self.assertEqual((info["aud"], info["exp"] - info["iat"]), (["https://fleet.example/ssh"], 3600))
        self.assertNotIn("ext", info)
        # scope as a list, an empty grant, and a client_id the token reports instead of the device client
        d = self.start(scope="openid ssh:login")
        self.approve(d["user_code"], sub="dave", scope=[], aud=["x"], client_id="someone-else")
        doc = self.poll(d["device_code"]).json()
        self.assertEqual(doc["scope"], "")
        info = self.introspect(doc["access_token"]).json()
        self.assertEqual((info["client_id"], info["aud"]), ("someone-else", ["x"]))
        self.assertNotIn("scope", info)
        self.assertEqual(self.s.control("POST", "/device/approve", {"user_code": "nope1234", "sub": "x"},
                                        status=404), {"error": "unknown user_code"})

    def test_user_code_is_case_sensitive(self):
        d = self.start()
        code = d["user_code"]
        for typed in (code.swapcase(), code[:4] + "-" + code[4:], " " + code):
            self.s.control("POST", "/device/approve", {"user_code": typed, "sub": "x"}, status=404)
        self.approve(code)

    def test_openid_and_refresh_token(self):
        d = self.start("tv-refresh", scope="openid offline ssh:login")
        self.approve(d["user_code"], sub="erin")
        doc = self.poll(d["device_code"], "tv-refresh").json()
        self.assertEqual(list(doc), ["access_token", "expires_in", "id_token", "refresh_token", "scope", "token_type"])
        self.assertEqual(len(doc["id_token"].split(".")), 3)
        claims = json.loads(base64.urlsafe_b64decode(doc["id_token"].split(".")[1] + "=="))
        self.assertEqual((claims["sub"], claims["aud"], claims["iss"]), ("erin", ["tv-refresh"], self.s.public_url()))
        self.assertTrue(doc["refresh_token"].startswith("ory_rt_"))
        self.assertEqual(self.introspect(doc["refresh_token"]).json()["token_use"], "refresh_token")
        # without offline, or without the client's refresh_token grant: no refresh token
        d = self.start("tv-refresh", scope="ssh:login")
        self.approve(d["user_code"], sub="erin")
        self.assertEqual(list(self.poll(d["device_code"], "tv-refresh").json()),
                         ["access_token", "expires_in", "scope", "token_type"])
        d = self.start(scope="offline ssh:login")
        self.approve(d["user_code"], sub="erin")
        self.assertNotIn("refresh_token", self.poll(d["device_code"]).json())

    def test_hydra_denied_stays_pending_forever(self):
        d = self.start()
        self.assertEqual(self.s.control("POST", "/device/deny", {"user_code": d["user_code"]}), {"ok": True})
        self.assertEqual(self.codes()[d["user_code"]]["state"], "denied")
        self.assertPending(self.poll(d["device_code"]))
        self.s.control("POST", "/device/expire", {"user_code": d["user_code"]})
        self.assertPending(self.poll(d["device_code"]))
        self.assertPending(self.poll(d["device_code"]))
        self.s.control("POST", "/device/deny", {"user_code": d["user_code"]}, status=409)
        self.s.control("POST", "/device/deny", {"user_code": "nope1234"}, status=404)

    def test_hydra_expired_never_approved_stays_pending(self):
        d = self.start()
        self.s.control("POST", "/device/expire", {"user_code": d["user_code"]})
        self.assertLess(self.codes()[d["user_code"]]["expires_at"], time.time())
        self.assertPending(self.poll(d["device_code"]))
        # and an expired code cannot be approved any more (Hydra's accept endpoint refuses it)
        self.s.control("POST", "/device/approve", {"user_code": d["user_code"], "sub": "x"}, status=409)
        self.assertPending(self.poll(d["device_code"]))

    def test_hydra_expired_after_approval(self):
        d = self.start()
        self.approve(d["user_code"])
        self.s.control("POST", "/device/expire", {"user_code": d["user_code"]})
        doc = self.assertOAuthError(self.poll(d["device_code"]), "expired_token")
        self.assertRegex(doc["error_description"], "^" + re.escape(EXPIRED_DESC) +
                         r" Device code expired at '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC'\.$")
        self.assertOAuthError(self.poll(d["device_code"]), "expired_token")   # not redeemed

    def test_another_clients_code(self):
        d = self.start("tv-public")
        post = [("client_secret", "post-secret-1")]
        # pending: Hydra checks the state before the client
        self.assertPending(self.poll(d["device_code"], "tv-post", extra=post))
        self.approve(d["user_code"])
        self.assertOAuthError(self.poll(d["device_code"], "tv-post", extra=post), "invalid_grant", 400,
                              INVALID_GRANT_DESC + " The OAuth 2.0 Client ID from this request does not match the "
                              "one from the authorize request.")
        self.assertEqual(self.poll(d["device_code"]).status, 200)    # the right client still redeems it

    def test_token_request_errors(self):
        d = self.start("tv-post", extra=[("client_secret", "post-secret-1")])
        self.assertEqual(len(d["device_code"]), 94)
        post = [("client_secret", "post-secret-1")]
        self.assertPending(self.poll(d["device_code"], "tv-post", extra=post))
        # client authentication is always required, and no client_id-in-body rule applies
        self.assertOAuthError(self.poll(d["device_code"], "tv-post", extra=[("client_secret", "bad")]),
                              "invalid_client", 401, INVALID_CLIENT_DESC)
        self.assertOAuthError(self.poll(d["device_code"], "tv-post"), "invalid_client", 401)
        self.assertOAuthError(self.poll(d["device_code"], None), "invalid_request", 400)
        basic = {"Authorization": "Basic " + base64.b64encode(b"tv-basic:basic%20s3cret%3Ax").decode()}
        self.assertPending(self.poll(d["device_code"], None, headers=basic))   # Basic, no client_id in the body
        self.assertOAuthError(self.poll("ory_dc_x.y", None, headers=basic), "invalid_grant")
        # grant_type
        self.assertOAuthError(self.poll(d["device_code"], "tv-post", extra=post, grant=None), "invalid_request", 400,
                              INVALID_REQUEST_DESC + " Request parameter 'grant_type' is missing")
        for grant in ("client_credentials", DEVICE_GRANT + " refresh_token", "urn:nope"):
            self.assertOAuthError(self.poll(d["device_code"], "tv-post", extra=post, grant=grant), "invalid_request",
                                  400, INVALID_REQUEST_DESC + " Make sure that the various parameters are correct, "
                                  "be aware of case sensitivity and trim your parameters. Make sure that the client "
                                  "you are using has exactly whitelisted the redirect_uri you specified.")
        r = self.s.public("POST", "/oauth2/token", body=b"", ctype="application/x-www-form-urlencoded")
        self.assertOAuthError(r, "invalid_request", 400, INVALID_REQUEST_DESC + " The POST body can not be empty.")
        self.assertEqual(self.s.public("GET", "/oauth2/token").status, 405)
        # unknown, garbled, missing codes
        for code in ("", "ory_dc_garbled", d["device_code"] + "x", d["device_code"][:-1],
                     "ory_dc_" + "A" * 43 + "." + "B" * 43):
            self.assertOAuthError(self.poll(code, "tv-post", extra=post), "invalid_grant", 400, INVALID_GRANT_DESC)
        # the client lacks the device grant
        self.assertOAuthError(self.poll(d["device_code"], "tv-nogrant"), "unauthorized_client", 400,
                              "The client is not authorized to request a token using this method. The OAuth 2.0 "
                              "Client is not allowed to use authorization grant "
                              "'urn:ietf:params:oauth:grant-type:device_code'.")
        # an approved code whose key part was changed (the signature part still finds the row)
        self.approve(d["user_code"])
        key, sig = d["device_code"][7:].split(".")
        forged = "ory_dc_" + ("A" if key[0] != "A" else "B") + key[1:] + "." + sig
        self.assertOAuthError(self.poll(forged, "tv-post", extra=post), "token_signature_mismatch", 400,
                              "Token signature mismatch. Check that you provided  a valid token in the right format.")
        # multipart bodies are read here (ParseMultipartForm), unlike at /oauth2/device/auth
        body, ctype = multipart([("grant_type", DEVICE_GRANT), ("device_code", d["device_code"]),
                                 ("client_id", "tv-post"), ("client_secret", "post-secret-1")])
        r = self.s.public("POST", "/oauth2/token", body=body, ctype=ctype)
        self.assertEqual(r.status, 200, r)
        # every request naming the code (by its signature part, so the forged one too) was logged
        # as a poll, whatever the answer: 5 client checks, 4 grant types, no grant, forged, multipart
        self.assertEqual(len(self.codes()[d["user_code"]]["polls"]), 12)

    def test_token_endpoint_has_no_other_grants(self):
        r = self.s.public("POST", "/oauth2/token", ctype="application/x-www-form-urlencoded",
                          body=form_encode([("grant_type", "client_credentials"), ("client_id", "tv-post"),
                                            ("client_secret", "post-secret-1")]))
        self.assertOAuthError(r, "invalid_request")

    def test_polls_and_request_log(self):
        d = self.start()
        for _ in range(3):
            self.assertPending(self.poll(d["device_code"]))
            time.sleep(0.05)
        polls = self.codes()[d["user_code"]]["polls"]
        self.assertEqual(len(polls), 3)
        self.assertTrue(polls[0] < polls[1] < polls[2], polls)
        self.assertGreaterEqual(polls[2] - polls[0], 0.09)
        log = self.s.control("GET", "/requests")
        self.assertEqual([(e["listener"], e["method"], e["path"]) for e in log],
                         [("public", "POST", "/oauth2/device/auth")] + [("public", "POST", "/oauth2/token")] * 3)
        self.assertEqual(log[1]["form"]["grant_type"], [DEVICE_GRANT])
        self.introspect("x")
        self.assertEqual(self.s.control("GET", "/requests")[-1]["listener"], "admin")
        self.s.control("POST", "/reset", {})
        self.assertEqual(self.s.control("GET", "/device/codes"), [])
        self.assertOAuthError(self.poll(d["device_code"]), "invalid_grant")     # /reset forgot the code
        self.start()                                                          # the clients stay

    # ---- overrides on the public listener ---------------------------------------------------
    def test_override_targets_a_listener(self):
        self.s.control("POST", "/override", {"listener": "public", "status": 429, "count": 2,
                                             "content_type": "application/json", "body": '{"error":"slow"}',
                                             "headers": {"x-ratelimit-reset": "9"}})
        self.s.control("POST", "/override", {"status": 502, "body": "admin only"})     # default: admin
        # the admin override waits for an admin request; the public ones come first there
        r = self.device_auth([("client_id", "tv-public")])
        self.assertEqual((r.status, r.body, r.header("x-ratelimit-reset")), (429, b'{"error":"slow"}', "9"))
        r = self.poll("ory_dc_x.y")
        self.assertEqual(r.status, 429)
        self.assertEqual(self.start()["interval"], 5)                # public served normally again
        self.assertEqual(self.introspect("x").body, b"admin only")
        self.assertIs(self.introspect("x").json()["active"], False)
        # raw bytes and a stalled answer at the token endpoint
        self.s.control("POST", "/override", {"listener": "public", "raw_b64": base64.b64encode(b"garbage").decode()})
        sock = socket.create_connection(("127.0.0.1", self.s.public_port), timeout=5)
        try:
            sock.sendall(b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            data = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        finally:
            sock.close()
        self.assertEqual(data, b"garbage")
        self.s.control("POST", "/override", {"listener": "elsewhere", "status": 200}, status=400)
        log = self.s.control("GET", "/requests")
        self.assertEqual([e["listener"] for e in log], ["public", "public", "public", "admin", "admin", "public"])

    def test_standin_ctl_device_commands(self):
        ctl = [sys.executable, os.path.join(HERE, "standin_ctl.py"), self.s.port_file]

        def run(*args):
            p = subprocess.run(ctl + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
            return p.returncode, p.stdout.decode(), p.stderr.decode()
        self.assertEqual(run("device-client", '{"client_id":"ctl-tv","scope":"ssh:login"}')[0], 0)
        self.assertEqual(run("device-mode", '{"interval":3}')[0], 0)
        d = self.start("ctl-tv")
        self.assertEqual(d["interval"], 3)
        rc, out, _ = run("device-codes")
        self.assertEqual((rc, [c["user_code"] for c in json.loads(out)]), (0, [d["user_code"]]))
        self.assertEqual(run("device-approve", d["user_code"], "frank", "ssh:login")[0], 0)
        doc = self.poll(d["device_code"], "ctl-tv").json()
        self.assertEqual(self.introspect(doc["access_token"]).json()["sub"], "frank")
        d = self.start("ctl-tv")
        self.assertEqual(run("device-deny", d["user_code"])[0], 0)
        self.assertEqual(run("device-expire", d["user_code"])[0], 0)
        self.assertEqual(self.codes()[d["user_code"]]["state"], "denied")
        rc, _, err = run("device-approve", "nope1234", "x")
        self.assertNotEqual(rc, 0)
        self.assertIn("unknown user_code", err)

    def test_control_validation(self):
        for bad in ({"scope": "x"}, {"client_id": "c", "auth_method": "none", "client_secret": "s"},
                    {"client_id": "c", "auth_method": "client_secret_post"},
                    {"client_id": "c", "auth_method": "private_key_jwt"}, {"client_id": "c", "client_secret": ""}):
            self.s.control("POST", "/device/clients", bad, status=400)
        d = self.start()
        for bad in ({"user_code": d["user_code"]}, {"user_code": d["user_code"], "sub": "a", "ext": []}):
            self.s.control("POST", "/device/approve", bad, status=400)


class DeviceFlowRfcModeTest(DeviceFlowBase, unittest.TestCase):
    """The RFC 8628 answers Hydra never gives, for the module's handling of other servers."""
    VERSION = "network"

    def setUp(self):
        super().setUp()
        self.s.control("POST", "/device/mode", {"mode": "rfc"})

    def test_denied_is_access_denied(self):
        d = self.start()
        self.s.control("POST", "/device/deny", {"user_code": d["user_code"]})
        self.assertOAuthError(self.poll(d["device_code"]), "access_denied", 400,
                              "The resource owner or authorization server denied the request. Make sure that the "
                              "request you are making is valid. Maybe the credential or request parameters you are "
                              "using are limited in scope or otherwise restricted.")
        self.s.control("POST", "/device/mode", {"denied_status": 403})     # fosite's own ErrAccessDenied status
        self.assertOAuthError(self.poll(d["device_code"]), "access_denied", 403)

    def test_expired_is_expired_token(self):
        d = self.start()
        self.s.control("POST", "/device/expire", {"user_code": d["user_code"]})
        doc = self.assertOAuthError(self.poll(d["device_code"]), "expired_token")
        self.assertTrue(doc["error_description"].startswith(EXPIRED_DESC + " Device code expired at '"))
        d = self.start()
        self.s.control("POST", "/device/deny", {"user_code": d["user_code"]})
        self.s.control("POST", "/device/expire", {"user_code": d["user_code"]})
        self.assertOAuthError(self.poll(d["device_code"]), "expired_token")

    def test_slow_down_for_the_next_polls(self):
        d = self.start()
        self.s.control("POST", "/device/mode", {"slow_down": 2})
        for _ in range(2):
            self.assertOAuthError(self.poll(d["device_code"]), "slow_down", 400,
                                  "The authorization request was rate-limited to prevent system overload. Ensure "
                                  "that you don't call the token endpoint sooner than the polling interval")
        self.assertPending(self.poll(d["device_code"]))
        self.s.control("POST", "/device/mode", {"slow_down": 1})
        self.approve(d["user_code"])
        self.assertEqual(self.poll(d["device_code"]).status, 200)        # only pending polls slow down
        self.assertEqual(len(self.codes()[d["user_code"]]["polls"]), 4)
        self.s.control("POST", "/device/mode", {"mode": "hydra"}, status=400)   # slow_down left: refused

    def test_another_client_before_state(self):
        d = self.start()
        r = self.poll(d["device_code"], "tv-post", extra=[("client_secret", "post-secret-1")])
        self.assertOAuthError(r, "invalid_grant")

    def test_network_public_port_needs_no_api_key(self):
        d = self.start()
        self.approve(d["user_code"], sub="gina")
        token = self.poll(d["device_code"]).json()["access_token"]
        self.assertEqual(self.introspect(token).json()["sub"], "gina")       # admin: with the key
        r = self.s.admin("POST", "/admin/oauth2/introspect", body=form_encode([("token", token)]),
                         ctype="application/x-www-form-urlencoded", auth=False)
        self.assertEqual(r.status, 401)


class DeviceFlowV2Test(DeviceFlowBase, unittest.TestCase):
    VERSION = "v2"

    def test_no_device_flow(self):
        r = self.device_auth([("client_id", "tv-public")])
        self.assertEqual(r.status, 404, r)
        self.assertEqual(self.s.public("GET", "/oauth2/device/verify").status, 404)
        doc = self.s.public("GET", "/.well-known/openid-configuration").json()
        self.assertNotIn("device_authorization_endpoint", doc)
        self.assertEqual(doc["grant_types_supported"], ["authorization_code", "implicit", "client_credentials",
                                                        "refresh_token"])
        self.assertOAuthError(self.poll("ory_dc_x.y"), "invalid_request")
        self.assertEqual(self.s.control("GET", "/device/codes"), [])


class DeviceWitnessTest(DeviceFlowBase, unittest.TestCase):
    """Secrets of the device flow reach OI_SECRETS_WITNESS; user codes do not."""

    @classmethod
    def setUpClass(cls):
        cls.witness = os.path.join(TMPDIR, "device-witness.list")
        old = os.environ.get("OI_SECRETS_WITNESS")
        os.environ["OI_SECRETS_WITNESS"] = cls.witness
        try:
            super().setUpClass()
        finally:
            if old is None:
                del os.environ["OI_SECRETS_WITNESS"]
            else:
                os.environ["OI_SECRETS_WITNESS"] = old

    def test_witness(self):
        d = self.start("tv-post", extra=[("client_secret", "post-secret-1")])
        self.poll("ory_dc_typed.code", "tv-post", extra=[("client_secret", "typed-secret-2")])
        self.approve(d["user_code"], scope="ssh:login")
        doc = self.poll(d["device_code"], "tv-post", extra=[("client_secret", "post-secret-1")]).json()
        d2 = self.start("tv-refresh", scope="openid offline")
        self.approve(d2["user_code"])
        doc2 = self.poll(d2["device_code"], "tv-refresh").json()
        with open(self.witness) as fh:
            lines = set(fh.read().splitlines())
        for want in ("post-secret-1", "basic s3cret:x", "typed-secret-2", "ory_dc_typed.code", d["device_code"],
                     doc["access_token"], d2["device_code"], doc2["access_token"], doc2["refresh_token"],
                     doc2["id_token"]):
            self.assertIn(want, lines)
        self.assertNotIn(d["user_code"], lines)
        self.assertNotIn(d2["user_code"], lines)


def make_pki(directory):
    def run(*args):
        subprocess.run(args, cwd=directory, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=standin test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(directory, "server.ext"), "w") as fh:
        fh.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                 "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext")
    return tuple(os.path.join(directory, f) for f in ("server.crt", "server.key", "ca.crt"))


@unittest.skipUnless(shutil.which("openssl"), "openssl not on PATH")
class HttpsV1Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        pki = os.path.join(TMPDIR, "pki")
        os.makedirs(pki, exist_ok=True)
        cls.tls = make_pki(pki)
        cls.s = Standin("v1", tls=cls.tls)
        cls.addClassCleanup(cls.s.stop)
        cls.s.start()

    def introspect(self, token, host="127.0.0.1"):
        return self.s.admin("POST", "/oauth2/introspect", body=form_encode([("token", token)]),
                            ctype="application/x-www-form-urlencoded", host=host)

    def test_https_verified_by_ip_and_name(self):
        at = self.s.mint(sub="alice", client_id="c1")
        for host in ("127.0.0.1", "localhost"):
            doc = self.introspect(at, host=host).json()
            self.assertIs(doc["active"], True)
            self.assertEqual(doc["iss"], "https://127.0.0.1:%d/" % self.s.public_port)
        self.assertEqual(self.introspect("bogus").body, INACTIVE)

    def test_public_listener_tls(self):
        r = self.s.public("GET", "/.well-known/openid-configuration", host="localhost")
        self.assertEqual(r.json()["issuer"], "https://127.0.0.1:%d/" % self.s.public_port)
        self.assertEqual(r.json()["token_endpoint"], "https://127.0.0.1:%d/oauth2/token" % self.s.public_port)
        with self.assertRaises(ssl.SSLError):
            self.s.public("GET", "/health/alive", context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))

    def test_untrusted_ca_rejected(self):
        empty = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)   # no trust anchors at all
        with self.assertRaises(ssl.SSLError):
            self.s.admin("GET", "/health/alive", context=empty)

    def test_plain_http_to_tls_port_then_still_serving(self):
        sock = socket.create_connection(("127.0.0.1", self.s.admin_port), timeout=3)
        try:
            sock.sendall(b"GET /health/alive HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                data = sock.recv(4096)
            except (ConnectionResetError, socket.timeout):
                data = b""
            self.assertFalse(data.startswith(b"HTTP/1.1 200"))
        finally:
            sock.close()
        self.assertEqual(self.s.admin("GET", "/health/alive").json(), {"status": "ok"})

    def test_stall_over_tls(self):
        self.s.control("POST", "/override", {"status": 200, "body": "z" * 50, "stall_after_bytes": 5})
        ctx = ssl.create_default_context(cafile=self.tls[2])
        raw = socket.create_connection(("127.0.0.1", self.s.admin_port), timeout=5)
        sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        try:
            sock.sendall(b"GET /health/alive HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 5:
                chunk = sock.recv(4096)
                self.assertTrue(chunk)
                data += chunk
            sock.settimeout(0.4)
            with self.assertRaises(socket.timeout):
                sock.recv(4096)
        finally:
            sock.close()
        self.assertEqual(self.s.admin("GET", "/health/alive").status, 200)


if __name__ == "__main__":
    unittest.main(verbosity=1)
