#!/usr/bin/env python3
"""test_fake_app.py - tests of the fake GitHub's App endpoints (FakeApp in
test/fakes/fake_github.py) with JWTs signed here by python3-cryptography, so
that the checks test_app_auth.py relies on are known to bite: a bad
signature, a wrong issuer, iat in the future, exp past or too far ahead, a
token request for another scope, and an expired token are each refused, and
the Date header follows the fake's clock.
Run: python3 test_fake_app.py"""

import json
import os
import sys
import time
import unittest
import urllib.error
import urllib.request
from base64 import urlsafe_b64encode
from email.utils import parsedate_to_datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes"))
from fake_github import FakeApp, FakeGitHub  # noqa: E402

APP_ID = 4242
SCOPE = {"repositories": ["widget"], "permissions": {"contents": "read", "metadata": "read"}}
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data):
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(key=KEY, iss=APP_ID, iat_delta=-60, exp_delta=540, alg="RS256", now=None):
    now = int(now if now is not None else time.time())
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps({"iat": now + iat_delta, "exp": now + exp_delta,
                           "iss": iss}).encode())
    sig = key.sign((head + "." + body).encode(), padding.PKCS1v15(), hashes.SHA256())
    return head + "." + body + "." + b64(sig)


class FakeAppTest(unittest.TestCase):
    def setUp(self):
        self.gh = FakeGitHub(token="ghp_user").start()
        self.addCleanup(self.gh.stop)
        pub = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        self.app = FakeApp(APP_ID, [pub], token_lifetime=2, expect_scope=SCOPE)
        self.gh.app = self.app
        self.iid = self.app.install("octo", "widget")
        self.gh.add_release("octo", "widget", "v1.0.0")

    def call(self, method, path, auth, body=None):
        req = urllib.request.Request(self.gh.api_url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + auth,
                                              "User-Agent": "test"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null"), r.headers
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null"), e.headers

    def installation(self, token):
        return self.call("GET", "/repos/octo/widget/installation", token)

    def test_valid_jwt_finds_the_installation(self):
        status, doc, _ = self.installation(jwt())
        self.assertEqual((status, doc["id"]), (200, self.iid))
        status, _, _ = self.call("GET", "/repos/octo/other/installation", jwt())
        self.assertEqual(status, 404)

    def test_refusals(self):
        cases = [(jwt(key=OTHER), "could not be decoded"),
                 (jwt(iss=APP_ID + 1), "could not be decoded"),
                 (jwt(iss=str(APP_ID), alg="HS256"), "could not be decoded"),
                 (jwt(iat_delta=30), "('iat')"),
                 (jwt(iat_delta=-700, exp_delta=-5), "('exp')"),
                 (jwt(exp_delta=600), "too far in the future"),
                 ("not.a.jwt", "could not be decoded")]
        for token, needle in cases:
            status, doc, _ = self.installation(token)
            self.assertEqual(status, 401, needle)
            self.assertIn(needle, doc["message"])
        self.assertEqual(len(self.app.jwt_errors), len(cases))

    def test_clock_offset_moves_the_checks_and_the_date(self):
        self.app.clock_offset = -600
        status, doc, headers = self.installation(jwt())
        self.assertEqual(status, 401)
        self.assertIn("('iat')", doc["message"])
        date = parsedate_to_datetime(headers["Date"]).timestamp()
        self.assertAlmostEqual(date, time.time() - 600, delta=5)
        status, _, _ = self.installation(jwt(now=date))
        self.assertEqual(status, 200)

    def test_token_scope_and_expiry(self):
        path = "/app/installations/%d/access_tokens" % self.iid
        for wrong in ({"repositories": ["widget"]},
                      {"repositories": ["widget", "other"], "permissions": SCOPE["permissions"]},
                      {"repositories": ["widget"], "permissions": {"contents": "write",
                                                                    "metadata": "read"}}):
            status, _, _ = self.call("POST", path, jwt(), wrong)
            self.assertEqual(status, 422, wrong)
        self.assertEqual(self.app.minted, [])
        status, _, _ = self.call("POST", "/app/installations/1/access_tokens", jwt(), SCOPE)
        self.assertEqual(status, 404)
        status, doc, _ = self.call("POST", path, jwt(), SCOPE)
        self.assertEqual(status, 201)
        token = doc["token"]
        self.assertTrue(doc["expires_at"].endswith("Z"))
        status, _, _ = self.call("GET", "/repos/octo/widget/releases", token)
        self.assertEqual(status, 200)
        time.sleep(2.2)
        status, doc, _ = self.call("GET", "/repos/octo/widget/releases", token)
        self.assertEqual((status, doc["message"]), (401, "Bad credentials"))


if __name__ == "__main__":
    unittest.main()
