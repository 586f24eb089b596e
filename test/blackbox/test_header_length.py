#!/usr/bin/python3
"""test_header_length.py - long credentials are sent whole or refused up
front (issue 11, item 13).

Header lines used to be cut at 4096 bytes while the full value was signed:
a session token over about 4070 characters made every S3 request fail with
SignatureDoesNotMatch. Against RGW (which, in 16.2, ignores a session token
that comes with a user's own keys, so the signature decides) through the
logging proxy of test_out.py:
  - a 6000-character session token: the put succeeds, and RGW saw the whole
    token in every request;
  - a token longer than any request header can carry (8192 bytes): refused
    before the first request, naming the field; likewise a GitHub
    access_token.
Run: GRM_BIN_DIR=<build dir> /usr/bin/python3 test_header_length.py"""

import base64
import hashlib
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_out import OutCase  # noqa: E402


def token(n, seed):
    """n characters that look like an STS session token (base64)."""
    out = b""
    i = 0
    while len(out) < n:
        out += base64.b64encode(hashlib.sha256(b"%s-%d" % (seed, i)).digest())
        i += 1
    return out[:n].decode()


class TestLongCredentials(OutCase):
    def setUp(self):
        super().setUp()
        r = self.rel("v1.0.0")
        self.a = self.gh.add_asset(r, "a.bin", size=3000)
        self.name, _ = self.fetch(r)

    def test_long_session_token_is_sent_whole(self):
        for n in (4070, 4100, 6000):
            with self.subTest(length=n):
                tok = token(n, b"whole")
                src = self.src(self.mirror(session_token=tok, prefix="t%d/" % n))
                before = len(self.proxy.requests())
                res = self.out(self.name, src)
                self.assertEqual((res.rc, res.errors), (0, []), res)
                self.assertNotIn(tok[:40], res.stderr)
                sent = [e["headers"].get("x-amz-security-token")
                        for e in self.proxy.requests()[before:]]
                self.assertTrue(sent)
                self.assertEqual(set(sent), {tok})
                self.assertIn("t%d/octo/widget/v1.0.0/a.bin" % n, self.keys())

    def test_session_token_too_long_is_refused_before_any_request(self):
        tok = token(9000, b"long")
        res = self.out(self.name, self.src(self.mirror(session_token=tok)))
        self.assertOneError(res, "source.mirror.session_token", "9000 bytes", "8192")
        self.assertEqual(self.proxy.requests(), [])

    def test_github_token_too_long_is_refused_before_any_request(self):
        tok = "ghp_" + token(9000, b"gh")
        self.gh.clear_log()
        res = self.run_cmd("check", {"source": self.source(access_token=tok)})
        self.assertOneError(res, "source.access_token", "8192")
        self.assertNotIn(tok[:40], res.stderr)
        self.assertEqual(self.gh.log, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
