#!/usr/bin/env python3
"""test_token_origin.py - the GitHub token goes only to the origin (scheme,
host, port) of source.github_api_url, whatever the API's JSON or headers
point at (issue 11, item 7).

A second server on another port (nethelp.Foreign) stands in for a foreign
origin and records whether a request, and an Authorization header, reached
it. The fake GitHub (test/fakes/fake_github.py) is made to answer with asset
`url`s, `tarball_url`/`zipball_url` and `Link: rel="next"` on that origin:
  - asset downloads are built from the asset id on the API origin;
  - archives go through the API origin first (which redirects to its
    download host without the token);
  - a Link to another origin (port, host name or scheme) is refused;
  - a redirect elsewhere never carries the token.
Run: GRM_BIN_DIR=<build dir> python3 test_token_origin.py"""

import hashlib
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bbutil import OWNER, REPO, TOKEN, GitHubCase, sha256_file  # noqa: E402
from nethelp import Foreign  # noqa: E402


class OriginCase(GitHubCase):
    def setUp(self):
        super().setUp()
        self.foreign = Foreign()
        self.addCleanup(self.foreign.stop)

    def assertForeignUntouched(self):
        self.assertEqual(self.foreign.authorizations(), [], "the token reached another origin")

    def release_json(self, rel, **over):
        doc = json.loads(json.dumps(self.gh.release_json(rel)))
        doc.update(over)
        return doc

    def serve_json(self, path_regex, doc, headers=None):
        """Every GET whose path matches answers 200 with doc (and headers)."""
        self.gh.add_fault(path_regex=path_regex, action="status", code=200, body=doc,
                          headers=headers or {}, times=None)


class TestDownloads(OriginCase):
    def test_asset_url_on_another_origin_is_not_used(self):
        """An asset whose url names another origin is still downloaded by id
        from the API origin; the other origin sees nothing."""
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "tool.tgz", size=5000)
        doc = self.release_json(r)
        for asset in doc["assets"]:
            asset["url"] = "%s/steal/%d" % (self.foreign.url, asset["id"])
        self.serve_json(r"/releases/%d$" % r.id, doc)
        self.serve_json(r"/releases/%d/assets$" % r.id, doc["assets"])
        dest = self.mkdir("dest")
        self.get_ok(self.version(r), dest=dest)
        self.assertEqual(sha256_file(os.path.join(dest, "tool.tgz")), a.sha256)
        self.assertEqual(self.foreign.log, [])
        hits = self.api_log(r"/releases/assets/%d$" % a.id)
        self.assertEqual(len(hits), 1, self.gh.log)
        self.assertEqual(hits[0]["headers"].get("authorization"), "Bearer " + TOKEN)

    def test_archive_urls_on_another_origin_are_not_used(self):
        """tarball_url and zipball_url on another origin: the archives are
        fetched through the API origin, which redirects to its download host
        (without the token)."""
        r = self.rel("v1.0.0")
        doc = self.release_json(r, tarball_url=self.foreign.url + "/tarball",
                                zipball_url=self.foreign.url + "/zipball")
        self.serve_json(r"/releases/%d$" % r.id, doc)
        dest = self.mkdir("dest")
        self.get_ok(self.version(r), {"include_source_tarball": True,
                                      "include_source_zip": True}, dest=dest)
        self.assertEqual(self.foreign.log, [])
        for name, kind in (("source.tar.gz", "tarball"), ("source.zip", "zipball")):
            want = hashlib.sha256(self.gh.archive_bytes(OWNER, REPO, "v1.0.0", kind)).hexdigest()
            self.assertEqual(sha256_file(os.path.join(dest, name)), want)
            self.assertEqual(len(self.api_log(r"/%s/v1\.0\.0$" % kind)), 1, self.gh.log)
        for e in self.asset_log():
            self.assertNotIn("authorization", e["headers"])


class TestLinks(OriginCase):
    def link_targets(self):
        port = int(self.gh.api_url.rsplit(":", 1)[1])
        return {
            "port": self.foreign.url + "/repos/%s/%s/releases?page=2" % (OWNER, REPO),
            "host": "http://localhost:%d/repos/%s/%s/releases?page=2" % (port, OWNER, REPO),
            "scheme": "https://127.0.0.1:%d/repos/%s/%s/releases?page=2" % (port, OWNER, REPO),
        }

    def test_release_listing_link_to_another_origin_is_refused(self):
        r = self.rel("v1.0.0")
        for what, target in self.link_targets().items():
            with self.subTest(differs_by=what):
                self.gh.clear_faults()
                self.gh.clear_log()
                self.serve_json(r"/releases$", [self.gh.release_json(r)],
                                {"Link": '<%s>; rel="next"' % target})
                res = self.check(env={"TMPDIR": self.mkdir("cold-" + what)})
                self.assertOneError(res, 'Link rel="next"', target.split("?")[0],
                                    "github_api_url")
                self.assertNotIn("page=2", res.stderr, "a URL's query was printed")
                self.assertForeignUntouched()
                self.assertEqual(len(self.gh.log), 1, self.gh.log)  # nothing followed

    def test_asset_listing_link_to_another_origin_is_refused(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=10)
        target = self.foreign.url + "/repositories/1/releases/%d/assets?page=2" % r.id
        self.serve_json(r"/releases/%d/assets$" % r.id, [self.gh.asset_json(r.assets[0])],
                        {"Link": '<%s>; rel="next"' % target})
        dest = self.mkdir("dest")
        res = self.get(self.version(r), dest=dest)
        self.assertOneError(res, 'Link rel="next"', self.foreign.url)
        self.assertEqual(self.foreign.log, [])
        self.assertEqual(os.listdir(dest), [])

    def test_link_on_the_api_origin_is_followed(self):
        """The rule refuses only other origins: GitHub's own paging works."""
        for i in range(150):
            self.rel("v1.0.%d" % i)
        self.assertEqual(len(self.check_ok()), 1)
        self.assertEqual(len(self.api_log(r"/releases$")), 2)


class TestRedirects(OriginCase):
    def test_api_redirect_to_another_origin_drops_the_token(self):
        """A 302 from the API to another origin: no token there (also for
        a plain-http target)."""
        self.rel("v1.0.0")
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=302,
                          headers={"Location": self.foreign.url + "/releases"}, times=1)
        res = self.check()
        self.assertNotEqual(self.foreign.log, [])
        self.assertForeignUntouched()
        self.assertNotEqual(res.rc, 0)  # the foreign body is not a release list

    def test_asset_redirect_never_carries_the_token(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "x.bin", size=1000)
        dest = self.mkdir("dest")
        self.get_ok(self.version(r), dest=dest)
        self.assertEqual(sha256_file(os.path.join(dest, "x.bin")), a.sha256)
        downloads = self.asset_log()
        self.assertTrue(downloads)
        for e in downloads:
            self.assertNotIn("authorization", e["headers"])
        self.assertTrue(all(re.search(r"/releases/assets/\d+$", e["path"])
                            for e in self.api_log(r"/assets/")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
