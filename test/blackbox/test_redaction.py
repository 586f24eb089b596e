#!/usr/bin/env python3
"""test_redaction.py - secrets cut by a length limit are still redacted, and
no URL's query is ever printed (issue 11, item 8).

  - A server that echoes the token in an error message after padding: the
    message is redacted before it is cut, so no part of the token shows,
    whatever the padding (the cut falls everywhere inside the token).
  - debug: true with a same-host redirect whose query holds a token
    (?token=...): neither the request lines nor the Location line nor any
    error show the query.
The test unit/test_log.c covers the redaction rules themselves.
Run: GRM_BIN_DIR=<build dir> python3 test_redaction.py"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bbutil import OWNER, REPO, TOKEN, GitHubCase  # noqa: E402

QUERY_SECRET = "QuerySecretValue0123456789"


def windows(secret, n=8):
    return {secret[i:i + n] for i in range(len(secret) - n + 1)}


class TestCutSecrets(GitHubCase):
    def assertNoPart(self, text, secret=TOKEN):
        for w in windows(secret):
            self.assertNotIn(w, text, "part of a secret printed: %r" % w)

    def test_token_echoed_after_padding_never_shows_in_part(self):
        """401 whose message is padding then the token: each padding from
        850 to 1000 characters in steps of 5 puts the 1024-byte cut of the
        error message at another place inside (or around) the token."""
        self.rel("v1.0.0")
        for pad in range(850, 1001, 5):
            self.gh.clear_faults()
            self.gh.add_fault(path_regex=r"/releases$", action="status", code=401,
                              body={"message": "x" * pad + TOKEN + " was refused"}, times=None)
            res = self.check(env={"TMPDIR": self.mkdir("t%d" % pad)})
            self.assertFailsClearly(res, "HTTP 401")
            self.assertNoPart(res.stderr)

    def test_token_echoed_in_a_long_asset_error(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=10)
        for pad in range(880, 1001, 8):
            self.gh.clear_faults()
            self.gh.add_fault(path_regex=r"/releases/%d$" % r.id, action="status", code=403,
                              body={"message": "y" * pad + TOKEN}, times=None)
            res = self.get(self.version(r), env={"TMPDIR": self.mkdir("g%d" % pad)})
            self.assertNotEqual(res.rc, 0, res)
            self.assertNoPart(res.stderr)


class TestNoQuery(GitHubCase):
    def redirect_with_query(self, times=1):
        target = "%s/repos/%s/%s/releases?per_page=100&token=%s" % (
            self.gh.api_url, OWNER, REPO, QUERY_SECRET)
        self.gh.add_fault(path_regex=r"/releases$", query_regex=r"^per_page=100$",
                          action="status", code=302, headers={"Location": target}, times=times)

    def test_debug_never_prints_a_redirect_query(self):
        r = self.rel("v1.0.0")
        self.redirect_with_query()
        res = self.check(source=self.source(debug=True))
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(res.json, [self.version(r)])
        self.assertNotIn(QUERY_SECRET, res.stderr)
        # the redirect was followed on the same host, so it is shown, without its query
        gets = [ln for ln in res.lines if ln.startswith("debug: > GET ")]
        self.assertEqual(len(gets), 2, res)
        for ln in gets:
            self.assertNotIn("?", ln)
        self.assertTrue(any(ln.startswith("debug: < Location: ") for ln in res.lines), res)

    def test_errors_never_print_a_query(self):
        """The redirect target fails: the error names it without its query."""
        self.rel("v1.0.0")
        for debug in (False, True):
            with self.subTest(debug=debug):
                self.gh.clear_faults()
                self.redirect_with_query()
                self.gh.add_fault(path_regex=r"/releases$", query_regex="token=",
                                  action="status", code=404, times=None)
                res = self.check(source=self.source(debug=debug),
                                 env={"TMPDIR": self.mkdir("d%d" % debug)})
                self.assertNotEqual(res.rc, 0, res)
                self.assertNotIn(QUERY_SECRET, res.stderr)
                self.assertNotIn("token=", res.stderr)

    def test_not_found_names_the_listing_url_without_its_query(self):
        """Errors written with the request URL (listing pages carry
        ?per_page=...) show it without the query."""
        res = self.check(source=self.source(repository="no-such-repo"))
        self.assertOneError(res, "HTTP 404", "/repos/%s/no-such-repo/releases" % OWNER)
        self.assertNotIn("?", res.errors[0])
        self.assertNotIn("per_page", res.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
