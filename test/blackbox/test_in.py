#!/usr/bin/env python3
"""test_in.py - black-box tests of the in executable against the fake GitHub
(test/fakes/fake_github.py): release lookup, asset selection, verified and
resumable downloads through the asset host's 302 (never with the token),
DEST's files and their contents, name collisions, concurrency, progress
lines, and bad input. Run: GRM_BIN_DIR=<build dir> python3 test_in.py"""

import hashlib
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bbutil import (META_FILES, OWNER, REPO, TOKEN, GitHubCase, max_overlap,  # noqa: E402
                    read_text, sha256_file, tree)

SIZE_ONE = 1000


class InCase(GitHubCase):
    def setUp(self):
        super().setUp()
        self.dest = self.mkdir("dest")

    def path(self, *parts):
        return os.path.join(self.dest, *parts)

    def assertFiles(self, assets, asset_dir=False, extra=(), absent=()):
        """DEST holds exactly the metadata files (but `absent`) and these
        assets, each with the fake's bytes."""
        prefix = "assets/" if asset_dir else ""
        want = ((set(META_FILES) - set(absent)) | {prefix + a.name for a in assets}
                | set(extra))
        if asset_dir:
            want.add("assets/")
        self.assertEqual(set(tree(self.dest)), want)
        for a in assets:
            self.assertEqual(sha256_file(self.path(prefix + a.name)), a.sha256, a.name)

    def assertSumsVerify(self):
        p = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=self.dest,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout

    def manifest(self):
        with open(self.path("release.json")) as fp:
            return json.load(fp)

    def downloads(self):
        """Asset-host requests for release assets (not archives)."""
        return [e for e in self.asset_log() if e["path"].startswith("/download/")]

    def get_beside_a_good_asset(self, tag, name):
        """With the fake's log cleared, `in` of a new release `tag` holding
        ok.bin and an asset called `name` (10 bytes each)."""
        self.gh.clear_log()
        r = self.rel(tag)
        self.gh.add_asset(r, "ok.bin", size=10)
        self.gh.add_asset(r, name, size=10)
        return self.get(self.version(r))


class TestSelection(InCase):
    def setUp(self):
        super().setUp()
        self.r = self.rel("v1.2.3")
        names = ("app_linux_amd64.tar.gz", "app_darwin_amd64.tar.gz", "app_linux_amd64.tar.gz.sig",
                 "checksums.txt", "README")
        self.a = {n: self.gh.add_asset(self.r, n, size=SIZE_ONE + i) for i, n in enumerate(names)}

    def pick(self, *names):
        return [self.a[n] for n in names]

    def test_all_assets_without_globs(self):
        self.get_ok(self.version(self.r))
        self.assertFiles(self.a.values())

    def test_source_globs(self):
        src = self.source(globs=["*_linux_amd64.tar.gz", "*checksums.txt"])
        self.get_ok(self.version(self.r), source=src)
        self.assertFiles(self.pick("app_linux_amd64.tar.gz", "checksums.txt"))
        self.assertEqual(len(self.downloads()), 2)

    def test_params_globs_override_source_globs(self):
        src = self.source(globs=["*_linux_amd64.tar.gz"])
        self.get_ok(self.version(self.r), {"globs": ["*.sig", "README"]}, src)
        self.assertFiles(self.pick("app_linux_amd64.tar.gz.sig", "README"))

    def test_bang_excludes(self):
        cases = [
            (["app_*", "!*darwin*"], ["app_linux_amd64.tar.gz", "app_linux_amd64.tar.gz.sig"]),
            (["!*.sig", "!README"], ["app_linux_amd64.tar.gz", "app_darwin_amd64.tar.gz",
                                     "checksums.txt"]),
            (["*", "!*"], []),
        ]
        for globs, want in cases:
            with self.subTest(globs=globs):
                dest = self.mkdir("dest-%d" % len(os.listdir(self.scratch)))
                self.get_ok(self.version(self.r), {"globs": globs}, dest=dest)
                self.dest = dest
                self.assertFiles(self.pick(*want))

    def test_skips_assets_not_uploaded(self):
        r = self.rel("v2.0.0")
        ok = self.gh.add_asset(r, "done.bin", size=100)
        for state in ("open", "starter", "new"):
            self.gh.add_asset(r, "%s.bin" % state, size=100, state=state)
        got = self.get_ok(self.version(r))
        self.assertFiles([ok])
        self.assertEqual([e["path"] for e in self.api_log(r"/releases/assets/\d+$")],
                         ["/repos/%s/%s/releases/assets/%d" % (OWNER, REPO, ok.id)])
        self.assertIn({"name": "assets", "value": "1"}, got["metadata"])


class TestContent(InCase):
    def test_assets_beyond_the_first_page(self):
        r = self.rel("v1.0.0")
        assets = [self.gh.add_asset(r, "part-%03d.bin" % i, size=200 + i) for i in range(105)]
        self.get_ok(self.version(r), {"concurrency": 8})
        self.assertFiles(assets)
        pages = self.api_log(r"/releases/%d/assets$" % r.id)
        self.assertEqual([e["query"].get("page") for e in pages], [None, "2"])
        self.assertEqual(len(self.manifest()["files"]), 105)
        self.assertSumsVerify()

    def test_sha256sums_verify_in_dest(self):
        r = self.rel("v1.0.0")
        assets = [self.gh.add_asset(r, n, size=s) for n, s in
                  (("a.tar.gz", 70000), ("b c.zip", 3), ("empty", 0))]
        self.get_ok(self.version(r))
        self.assertFiles(assets)
        out = self.assertSumsVerify()
        self.assertEqual(sorted(out.splitlines()), ["a.tar.gz: OK", "b c.zip: OK", "empty: OK"])
        self.assertEqual(read_text(self.path("SHA256SUMS")),
                         "".join("%s  %s\n" % (a.sha256, a.name) for a in assets))

    def test_release_json(self):
        r = self.rel("v1.2.3", name="Widget 1.2.3", prerelease=True)
        a = self.gh.add_asset(r, "widget.tar.gz", size=4321, content_type="application/gzip")
        b = self.gh.add_asset(r, "notes.txt", content=b"hello\n", content_type="text/plain")
        self.get_ok(self.version(r), {"include_source_tarball": True},
                    self.source(pre_release=True))
        tarball = self.gh.archive_bytes(OWNER, REPO, "v1.2.3", "tarball")
        self.assertEqual(self.manifest(), {
            "owner": OWNER, "repository": REPO, "tag": "v1.2.3", "id": str(r.id),
            "name": "Widget 1.2.3", "version": "1.2.3", "prerelease": True, "draft": False,
            "published_at": r.published_at, "timestamp": r.published_at,
            "url": "https://github.com/%s/%s/releases/tag/v1.2.3" % (OWNER, REPO),
            "commit_sha": r.commit_sha,
            "files": [
                {"name": "widget.tar.gz", "path": "widget.tar.gz", "size": 4321,
                 "sha256": a.sha256, "content_type": "application/gzip", "kind": "asset"},
                {"name": "notes.txt", "path": "notes.txt", "size": 6, "sha256": b.sha256,
                 "content_type": "text/plain", "kind": "asset"},
                {"name": "source.tar.gz", "path": "source.tar.gz", "size": len(tarball),
                 "sha256": hashlib.sha256(tarball).hexdigest(),
                 "content_type": "application/gzip", "kind": "source"},
            ]})

    def test_null_content_type(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=10, content_type=None)
        self.get_ok(self.version(r))
        self.assertFiles([a])
        self.assertEqual(self.manifest()["files"][0]["content_type"], "application/octet-stream")

    def test_metadata_files_and_response(self):
        r = self.rel("v1.2.3", name="One Two Three", body="Notes\n\n* fixed it\n",
                     annotated=True)
        a = self.gh.add_asset(r, "x.bin", size=1500)
        self.assertNotEqual(r.tag_sha, r.commit_sha)
        got = self.get_ok(self.version(r))
        self.assertEqual({f: read_text(self.path(f)) for f in META_FILES[:6]}, {
            "tag": "v1.2.3", "version": "1.2.3", "commit_sha": r.commit_sha,
            "body": "Notes\n\n* fixed it\n",
            "url": "https://github.com/%s/%s/releases/tag/v1.2.3" % (OWNER, REPO),
            "timestamp": r.published_at})
        self.assertEqual(len(self.api_log(r"/git/tags/%s$" % r.tag_sha)), 1)
        url = "https://github.com/%s/%s/releases/tag/v1.2.3" % (OWNER, REPO)
        self.assertEqual(got, {"version": self.version(r), "metadata": [
            {"name": "name", "value": "One Two Three", "url": url},
            {"name": "url", "value": url},
            {"name": "body", "value": "Notes\n\n* fixed it\n", "markdown": True},
            {"name": "tag", "value": "v1.2.3"},
            {"name": "commit_sha", "value": r.commit_sha},
            {"name": "published_at", "value": r.published_at},
            {"name": "assets", "value": "1"},
            {"name": "bytes", "value": "1500"}]})
        self.assertFiles([a])

    def test_lightweight_tag_and_tag_filter_version(self):
        r = self.rel("release-2.0", commit_sha="ab" * 20)
        self.get_ok(self.version(r), source=self.source(tag_filter="^release-(.*)$"))
        self.assertEqual(read_text(self.path("commit_sha")), "ab" * 20)
        self.assertEqual(read_text(self.path("version")), "2.0")
        self.assertEqual(self.api_log(r"/git/tags/"), [])

    def test_tag_with_slash_and_plus(self):
        r = self.rel("release/1.0+build.5", annotated=True)
        a = self.gh.add_asset(r, "a.bin", size=10)
        got = self.get_ok({"tag": "release/1.0+build.5"}, {"include_source_zip": True},
                          self.source(tag_filter="^release/(.*)$"))
        self.assertEqual(got["version"], self.version(r))
        self.assertEqual(read_text(self.path("version")), "1.0+build.5")
        self.assertEqual(read_text(self.path("commit_sha")), r.commit_sha)
        with open(self.path("source.zip"), "rb") as fp:
            self.assertEqual(fp.read(), self.gh.archive_bytes(OWNER, REPO, r.tag, "zipball"))
        self.assertFiles([a], extra=["source.zip"])

    def test_null_name_body_and_published_at(self):
        r = self.rel("v1.0.0", name=None, body=None, published_at=None)
        got = self.get_ok({"tag": "v1.0.0"})
        self.assertFiles([], absent=["body"])
        self.assertEqual(read_text(self.path("timestamp")), r.created_at)
        m = self.manifest()
        self.assertEqual((m["name"], m["published_at"], m["timestamp"]),
                         (None, None, r.created_at))
        self.assertEqual(got["version"], {"tag": "v1.0.0", "id": str(r.id),
                                          "timestamp": r.created_at})
        self.assertEqual([x["name"] for x in got["metadata"]],
                         ["url", "tag", "commit_sha", "assets", "bytes"])

    def test_asset_dir(self):
        r = self.rel("v1.0.0")
        assets = [self.gh.add_asset(r, n, size=300) for n in ("a.bin", "b.bin")]
        self.get_ok(self.version(r), {"include_source_zip": True},
                    self.source(asset_dir=True))
        self.assertFiles(assets, asset_dir=True, extra=["assets/source.zip"])
        self.assertEqual([(f["name"], f["path"]) for f in self.manifest()["files"]],
                         [("a.bin", "assets/a.bin"), ("b.bin", "assets/b.bin"),
                          ("source.zip", "assets/source.zip")])
        self.assertEqual(sorted(self.assertSumsVerify().splitlines()),
                         ["assets/a.bin: OK", "assets/b.bin: OK", "assets/source.zip: OK"])

    def test_source_archives(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=10)
        self.get_ok(self.version(r), {"include_source_tarball": True, "include_source_zip": True})
        with open(self.path("source.tar.gz"), "rb") as fp:
            self.assertEqual(fp.read(), self.gh.archive_bytes(OWNER, REPO, "v1.0.0", "tarball"))
        with open(self.path("source.zip"), "rb") as fp:
            self.assertEqual(fp.read(), self.gh.archive_bytes(OWNER, REPO, "v1.0.0", "zipball"))
        self.assertFiles([a], extra=["source.tar.gz", "source.zip"])
        self.assertSumsVerify()
        self.assertEqual(sorted(e["path"] for e in self.asset_log() if "/archive/" in e["path"]),
                         ["/archive/%s/%s/v1.0.0.tar.gz" % (OWNER, REPO),
                          "/archive/%s/%s/v1.0.0.zip" % (OWNER, REPO)])

    def test_skip_download(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=10)
        got = self.get_ok(self.version(r), {"skip_download": True, "include_source_zip": True})
        self.assertEqual(sorted(tree(self.dest)), sorted(META_FILES))
        self.assertEqual(self.manifest()["files"], [])
        self.assertEqual(read_text(self.path("SHA256SUMS")), "")
        self.assertEqual(read_text(self.path("tag")), "v1.0.0")
        self.assertEqual(self.asset_log(), [])
        self.assertEqual(self.api_log(r"/releases/assets/|/zipball/"), [])
        md = {x["name"]: x["value"] for x in got["metadata"]}
        self.assertEqual((md["assets"], md["bytes"]), ("0", "0"))

    def test_anonymous(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=10)
        self.get_ok(self.version(r), source=self.source(access_token=None))
        self.assertFiles([a])
        self.assertFalse(any("authorization" in e["headers"] for e in self.gh.log))


class TestLookup(InCase):
    def test_by_id(self):
        r = self.rel("v1.0.0")
        self.get_ok(self.version(r))
        self.assertEqual(len(self.api_log(r"/releases/%d$" % r.id)), 1)
        self.assertEqual(self.api_log(r"/releases/tags/"), [])

    def test_by_tag_when_id_absent(self):
        r = self.rel("v1.0.0")
        got = self.get_ok({"tag": "v1.0.0"})
        self.assertEqual(got["version"], self.version(r))
        self.assertEqual(len(self.api_log(r"/releases/tags/v1\.0\.0$")), 1)
        self.assertEqual(self.api_log(r"/releases/\d+$"), [])

    def test_falls_back_to_tag_when_id_is_gone(self):
        old = self.rel("v1.0.0")
        stale = self.version(old)
        self.gh.delete_release(old)
        new = self.rel("v1.0.0")                      # recreated: same tag, new id
        self.gh.add_asset(new, "a.bin", size=10)
        got = self.get_ok(stale)
        self.assertEqual(got["version"], self.version(new))
        self.assertEqual(read_text(self.path("release.json")).count(str(new.id)), 1)
        self.assertEqual([e["status"] for e in self.api_log(r"/releases/(\d+|tags/v1\.0\.0)$")],
                         [404, 200])

    def test_draft_by_id(self):
        d = self.rel("v3.0.0", draft=True, body="draft notes")
        a = self.gh.add_asset(d, "d.bin", size=100)
        got = self.get_ok(self.version(d), source=self.source(drafts=True))
        self.assertEqual(got["version"], {"tag": "v3.0.0", "id": str(d.id),
                                          "timestamp": d.created_at})
        self.assertFiles([a], absent=["commit_sha"])      # a draft's tag may not exist yet
        self.assertTrue(self.manifest()["draft"])
        self.assertEqual(read_text(self.path("body")), "draft notes")
        self.assertEqual(self.api_log(r"/git/"), [])

    def test_draft_by_tag_only(self):
        d = self.rel("v3.0.0", draft=True)
        a = self.gh.add_asset(d, "d.bin", size=100)
        self.get_ok({"tag": "v3.0.0"}, source=self.source(drafts=True))
        self.assertFiles([a], absent=["commit_sha"])
        self.assertEqual([e["status"] for e in self.api_log(r"/releases/tags/")], [404])

    def test_deleted_release_is_a_clear_error(self):
        r = self.rel("v1.0.0")
        v = self.version(r)
        self.gh.delete_release(r)
        for version in (v, {"tag": "v1.0.0"}):
            with self.subTest(version=version):
                res = self.get(version)
                self.assertOneError(res, '"v1.0.0"', "%s/%s" % (OWNER, REPO), "deleted")
                self.assertEqual(tree(self.dest), [])


class TestTransfer(InCase):
    def test_redirect_to_asset_host_without_the_token(self):
        r = self.rel("v1.0.0")
        assets = [self.gh.add_asset(r, n, size=5000) for n in ("a.bin", "b.bin")]
        self.get_ok(self.version(r), {"include_source_tarball": True},
                    self.source(debug=True))
        self.assertFiles(assets, extra=["source.tar.gz"])
        api = self.api_log()
        for e in api:
            self.assertEqual(e["headers"].get("authorization"), "Bearer " + TOKEN, e["path"])
        redirects = self.api_log(r"/releases/assets/\d+$")
        self.assertEqual([(e["status"], e["headers"]["accept"]) for e in redirects],
                         [(302, "application/octet-stream")] * 2)
        hosted = self.asset_log()
        self.assertEqual(len(hosted), 3)
        for e in hosted:
            self.assertNotIn("authorization", e["headers"], e["path"])
            self.assertFalse(e["authorization_rejected"])
            self.assertEqual(e["status"], 200)

    def test_digest_mismatch_fails_and_leaves_no_file(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=300000)
        self.gh.add_fault(listener="asset", action="corrupt_byte", times=None, offset=123456)
        res = self.get(self.version(r))
        self.assertFailsClearly(res, "a.bin", "sha256")
        self.assertEqual(tree(self.dest), [])

    def test_wrong_digest_from_github_fails(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=5000, digest="sha256:" + "0" * 64)
        self.gh.add_asset(r, "ok.bin", size=10)
        res = self.get(self.version(r), {"concurrency": 1})
        self.assertFailsClearly(res, "a.bin", "0" * 64)
        self.assertNotIn("a.bin", tree(self.dest))
        self.assertFalse([f for f in tree(self.dest) if f.startswith(".")], tree(self.dest))
        self.assertFalse(set(tree(self.dest)) & set(META_FILES))

    def test_a_failed_get_leaves_no_completed_asset_under_its_name(self):
        # ok.bin is downloaded and verified before bad.bin fails: it must not
        # be left in the destination either
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "ok.bin", size=10)
        self.gh.add_asset(r, "bad.bin", size=5000, digest="sha256:" + "0" * 64)
        res = self.get(self.version(r), {"concurrency": 1})
        self.assertFailsClearly(res, "bad.bin", "0" * 64)
        hosted = [e["path"] for e in self.asset_log()]
        self.assertEqual(len(hosted), 2, hosted)  # both were fetched, ok.bin first
        self.assertEqual(tree(self.dest), [])

    def test_no_digest_still_downloads(self):
        r = self.rel("v1.0.0")
        assets = [self.gh.add_asset(r, "absent.bin", size=3000, digest=False),
                  self.gh.add_asset(r, "null.bin", size=3000, digest=None),
                  self.gh.add_asset(r, "md5.bin", size=3000, digest="md5:abc")]
        self.get_ok(self.version(r))
        self.assertFiles(assets)
        self.assertEqual([f["sha256"] for f in self.manifest()["files"]],
                         [a.sha256 for a in assets])

    def test_size_mismatch_fails(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "short.bin", size=2000, content=b"x" * 1000)
        res = self.get(self.version(r))
        self.assertFailsClearly(res, "short.bin")
        self.assertEqual(tree(self.dest), [])
        r2 = self.rel("v2.0.0")
        self.gh.add_asset(r2, "long.bin", size=500, content=b"y" * 1000)
        res = self.get(self.version(r2))
        self.assertFailsClearly(res, "long.bin", "500")
        self.assertEqual(tree(self.dest), [])

    def test_reset_mid_body_resumes_with_range(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "big.bin", size=4 << 20)
        self.gh.add_fault(listener="asset", action="reset_mid_body", fraction=0.5)
        res = self.get(self.version(r))
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertFiles([a])
        hits = self.downloads()
        self.assertEqual([e["status"] for e in hits], [200, 206])
        self.assertNotIn("range", hits[0]["headers"])
        m = re.fullmatch(r"bytes=(\d+)-", hits[1]["headers"].get("range", ""))
        self.assertIsNotNone(m, hits[1]["headers"])
        start = int(m.group(1))
        self.assertTrue(0 < start <= 2 << 20, start)
        self.assertEqual(hits[1]["bytes_sent"], (4 << 20) - start)
        self.assertIn("resuming at byte %d" % start, res.stderr)

    def test_reset_then_5xx_still_resumes(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "big.bin", size=2 << 20)
        self.gh.add_fault(listener="asset", action="reset_mid_body", fraction=0.5)
        self.gh.add_fault(listener="asset", action="status", code=503)
        self.get_ok(self.version(r))
        self.assertFiles([a])
        hits = self.downloads()
        self.assertEqual([e["status"] for e in hits], [200, 503, 206])
        self.assertRegex(hits[2]["headers"].get("range", ""), r"^bytes=[1-9]\d*-$")

    def test_stall_is_cut_and_resumed(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "slow.bin", size=1 << 20)
        # curl judges speed over a ~5 s window, so the cut comes ~5 + 2 s in;
        # waiting out the stall would take 20 s
        self.gh.add_fault(listener="asset", action="stall", fraction=0.5, seconds=20)
        res = self.get(self.version(r), env={"GRM_LOW_SPEED_TIME": "2"})
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertLess(res.elapsed, 15)
        self.assertEqual(len(res.warnings), 1, res)
        self.assertFiles([a])
        hits = self.downloads()
        self.assertEqual(len(hits), 2)
        self.assertRegex(hits[1]["headers"].get("range", ""), r"^bytes=[1-9]\d*-$")

    def test_5xx_on_the_asset_host_is_retried(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=5000)
        self.gh.add_fault(listener="asset", action="status", code=503, times=2)
        self.get_ok(self.version(r))
        self.assertFiles([a])
        self.assertEqual([e["status"] for e in self.downloads()], [503, 503, 200])

    def test_5xx_on_the_api_is_retried(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=5000)
        self.gh.add_fault(path_regex=r"/releases/assets/\d+$", action="status", code=502)
        self.gh.add_fault(path_regex=r"/releases/\d+$", action="status", code=500)
        self.get_ok(self.version(r))
        self.assertFiles([a])

    def test_concurrency(self):
        r = self.rel("v1.0.0")
        assets = [self.gh.add_asset(r, "f%d.bin" % i, size=100000) for i in range(6)]
        self.gh.add_fault(listener="asset", action="stall", times=None, fraction=0.5,
                          seconds=0.4)
        for conc, want in ((2, 2), (1, 1), (None, 4)):
            with self.subTest(concurrency=conc):
                self.gh.clear_log()
                self.dest = self.mkdir("dest-%s" % conc)
                self.get_ok(self.version(r), {"concurrency": conc} if conc else None,
                            dest=self.dest)
                self.assertFiles(assets)
                self.assertEqual(len(self.downloads()), 6)
                self.assertEqual(max_overlap(self.downloads(), slack=0.02), want)

    def test_progress_lines_and_summary(self):
        r = self.rel("v1.0.0")
        size = 64 << 20
        a = self.gh.add_asset(r, "big.bin", size=size)
        a.sha256                                      # computed before the clock runs
        self.gh.add_fault(listener="asset", action="stall", fraction=0.25, seconds=5.5)
        res = self.get(self.version(r))
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertNotIn("\r", res.stderr)
        progress = [re.fullmatch(r"big\.bin: (\d+) of %d bytes \((\d+)%%\) at [\d.]+ MiB/s"
                                 % size, ln) for ln in res.lines]
        progress = [m for m in progress if m]
        self.assertGreaterEqual(len(progress), 1, res)
        for m in progress:
            done, pct = int(m.group(1)), int(m.group(2))
            self.assertEqual(pct, done * 100 // size)
            self.assertGreaterEqual(done, size // 4)
        self.assertRegex(res.lines[-1], r"^downloaded 1 file, %d bytes in [\d.]+ s "
                                        r"\([\d.]+ MiB/s\)$" % size)
        self.assertFiles([a])


class TestCollisions(InCase):
    def test_asset_named_like_a_metadata_file_fails_before_downloading(self):
        for i, name in enumerate(META_FILES):
            with self.subTest(name=name):
                res = self.get_beside_a_good_asset("v1.0.%d" % i, name)
                self.assertOneError(res, '"%s"' % name, "asset_dir: true")
                self.assertEqual(tree(self.dest), [])
                self.assertEqual(self.asset_log(), [])
                self.assertEqual(self.api_log(r"/releases/assets/"), [])

    def test_asset_named_like_a_source_archive(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "source.tar.gz", size=10)
        for asset_dir in (False, True):             # the archive goes under assets/ too
            res = self.get(self.version(r), {"include_source_tarball": True},
                           self.source(asset_dir=asset_dir))
            self.assertOneError(res, '"source.tar.gz"', "include_source_tarball",
                                '"!source.tar.gz"')
            self.assertEqual(self.asset_log(), [])
        self.get_ok(self.version(r))                   # no archive asked for: no clash
        self.assertFiles([a])

    def test_asset_dir_true_avoids_collisions(self):
        r = self.rel("v1.0.0")
        assets = [self.gh.add_asset(r, n, size=64) for n in ("SHA256SUMS", "release.json", "tag")]
        self.get_ok(self.version(r), source=self.source(asset_dir=True))
        self.assertFiles(assets, asset_dir=True)
        self.assertEqual(read_text(self.path("tag")), "v1.0.0")
        self.assertEqual(self.manifest()["tag"], "v1.0.0")
        self.assertEqual(sorted(self.assertSumsVerify().splitlines()),
                         ["assets/SHA256SUMS: OK", "assets/release.json: OK", "assets/tag: OK"])


class TestBadInput(InCase):
    def setUp(self):
        super().setUp()
        self.r = self.rel("v1.0.0")
        self.gh.add_asset(self.r, "a.bin", size=10)
        with open(self.path("keep.txt"), "w") as fp:
            fp.write("already here\n")
        self.before = tree(self.dest)

    def assertUntouched(self):
        self.assertEqual(tree(self.dest), self.before)
        self.assertEqual(read_text(self.path("keep.txt")), "already here\n")

    def test_bad_requests(self):
        src, v = self.source(), self.version(self.r)
        cases = [
            ("{not json", "invalid request"),
            ("", "empty"),
            ({"source": {k: x for k, x in src.items() if k != "owner"}, "version": v}, "owner"),
            ({"source": {k: x for k, x in src.items() if k != "repository"}, "version": v},
             "repository"),
            ({"source": dict(src, pre_release="yes"), "version": v}, "source.pre_release"),
            ({"source": dict(src, acces_token=TOKEN), "version": v}, "acces_token"),
            ({"source": dict(src, tag_filter="([a-"), "version": v}, "source.tag_filter"),
            ({"source": dict(src, semver_constraint="~> x.y"), "version": v},
             "source.semver_constraint"),
            ({"source": dict(src, github_api_url="http//missing-colon"), "version": v},
             "source.github_api_url"),
            ({"source": src}, "version"),
            ({"source": src, "version": v, "params": {"concurrency": 0}}, "params.concurrency"),
            ({"source": src, "version": v, "params": {"glob": ["*"]}}, "glob"),
            ({"source": src, "version": v, "params": {"globs": "*"}}, "params.globs"),
            ({"source": src, "version": v, "params": {"skip_download": "true"}},
             "params.skip_download"),
            ({"source": src, "version": v, "params": []}, "params"),
            ({"source": src, "version": dict(v, id="12ab")}, "version.id"),
            ({"source": src, "version": {}}, "tag"),  # an id alone will do (issue 12)
        ]
        for req, needle in cases:
            with self.subTest(req=req):
                res = self.run_cmd("in", req, [self.dest])
                self.assertOneError(res, needle)
                self.assertUntouched()
        self.assertEqual(self.gh.log, [])

    def test_no_destination_argument(self):
        res = self.run_cmd("in", {"source": self.source(), "version": self.version(self.r)})
        self.assertOneError(res)
        self.assertEqual(self.gh.log, [])

    def test_dest_missing(self):
        missing = os.path.join(self.scratch, "no", "such", "dir")
        res = self.get(self.version(self.r), dest=missing)
        self.assertOneError(res, missing)
        self.assertFalse(os.path.exists(missing))
        self.assertEqual(self.gh.log, [])

    def test_dest_is_a_file(self):
        path = self.path("keep.txt")
        res = self.get(self.version(self.r), dest=path)
        self.assertOneError(res, path)
        self.assertUntouched()
        self.assertEqual(self.gh.log, [])

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run as another user")
    def test_dest_not_writable(self):
        os.chmod(self.scratch, 0o755)
        os.chmod(self.dest, 0o555)                     # root's: read-only for nobody
        os.chmod(self.tmpdir, 0o777)
        res = self.get(self.version(self.r), user=65534)
        self.assertOneError(res, self.dest, "writable")
        self.assertUntouched()
        self.assertEqual(self.gh.log, [])

    def test_unsafe_asset_names(self):
        for i, name in enumerate(("../evil.sh", "a/b.txt", "..", "x/../../y", "..hidden")):
            with self.subTest(name=name):
                res = self.get_beside_a_good_asset("v2.0.%d" % i, name)
                self.assertOneError(res, '"%s"' % name)
                self.assertUntouched()
                self.assertEqual(self.asset_log(), [])
                self.assertFalse(os.path.exists(os.path.join(self.scratch, "evil.sh")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
