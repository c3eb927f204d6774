#!/usr/bin/env python3
"""Self-test of tests/standin/hydra_standin.py against /work/shared/hydra-api.md (python3 stdlib only).

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
        self.admin_port, self.control_port = ports["admin"], ports["control"]
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
        if self.tls and port == self.admin_port:
            ctx = context or ssl.create_default_context(cafile=self.tls[2])
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def admin(self, method, path, body=None, headers=None, ctype=None, auth=True, host="127.0.0.1",
              timeout=5, context=None):
        hdrs = dict(headers or {})
        if ctype:
            hdrs["Content-Type"] = ctype
        if self.api_key is not None and auth and "Authorization" not in hdrs:
            hdrs["Authorization"] = "Bearer " + self.api_key
        conn = self._conn(self.admin_port, host=host, timeout=timeout, context=context)
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

    def control(self, method, path, obj=None):
        conn = self._conn(self.control_port)
        try:
            body = json.dumps(obj).encode() if obj is not None else None
            conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            if r.status != 200:
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
        scheme = "https" if self.TLS else "http"
        iss = "%s://127.0.0.1:%d" % (scheme, self.s.admin_port)
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
        self.assertEqual(self.s.ready_line, "standin ready admin=%d control=%d\n"
                         % (self.s.admin_port, self.s.control_port))
        self.assertNotEqual(self.s.admin_port, self.s.control_port)

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
        self.assertEqual(set(first.keys()), {"method", "path", "query", "headers", "form", "body_len"})
        self.assertEqual(first["method"], "POST")
        self.assertEqual(first["path"], "/admin/oauth2/introspect")
        self.assertEqual(first["query"], "q=1&r=%20")
        self.assertEqual(first["headers"]["x-test-header"], "yes")
        self.assertEqual(first["headers"]["content-type"], "application/x-www-form-urlencoded")
        self.assertEqual(first["form"], {"token": [at], "scope": ["a b"]})
        self.assertEqual(first["body_len"], len(form_encode([("token", at), ("scope", "a b")])))
        self.assertEqual(log[3], {"method": "GET", "path": "/health/alive", "query": "",
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
            self.assertEqual(doc["iss"], "https://127.0.0.1:%d/" % self.s.admin_port)
        self.assertEqual(self.introspect("bogus").body, INACTIVE)

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
