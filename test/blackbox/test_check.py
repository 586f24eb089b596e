#!/usr/bin/env python3
"""test_check.py - black-box tests of the check executable against the fake
GitHub (test/fakes/fake_github.py): which versions it prints, paging, the
ETag cache and what it costs in requests and rate-limit units (read from the
fake's request log), retries and rate limits, bad GitHub answers, secrets,
and bad input. Run: GRM_BIN_DIR=<build dir> python3 test_check.py"""

import calendar
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bbutil import OWNER, REPO, TOKEN, CheckRecovery, GitHubCase, closed_port  # noqa: E402


def write_bytes(path, data):
    with open(path, "wb") as fp:
        fp.write(data)


def tags(versions):
    return [v["tag"] for v in versions]


class TestSelection(GitHubCase):
    """Which releases check prints, and in what order."""

    def releases(self, *tag_list, **kw):
        return {t: self.rel(t, **kw) for t in tag_list}

    def test_no_version_prints_only_latest(self):
        r = self.releases("v1.0.0", "v1.1.0", "v2.0.0")
        self.assertEqual(self.check_ok(), [self.version(r["v2.0.0"])])

    def test_null_version_prints_only_latest(self):
        r = self.releases("v1.0.0", "v2.0.0")
        self.assertEqual(self.check_ok(version=None), [self.version(r["v2.0.0"])])
        res = self.run_cmd("check", {"source": self.source(), "version": None})
        self.assertEqual((res.rc, res.json), (0, [self.version(r["v2.0.0"])]), res)

    def test_version_prints_it_and_newer_oldest_first(self):
        r = self.releases("v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0")
        got = self.check_ok(self.version(r["v1.1.0"]))
        self.assertEqual(got, [self.version(r[t]) for t in ("v1.1.0", "v1.2.0", "v2.0.0")])

    def test_tag_only_version(self):
        r = self.releases("v1.0.0", "v1.1.0", "v2.0.0")
        self.assertEqual(tags(self.check_ok({"tag": "v1.1.0"})), ["v1.1.0", "v2.0.0"])
        self.assertEqual(self.check_ok({"tag": "v1.1.0"})[0], self.version(r["v1.1.0"]))

    def test_nothing_newer_prints_the_given_version(self):
        r = self.releases("v1.0.0", "v2.0.0")
        self.assertEqual(self.check_ok(self.version(r["v2.0.0"])), [self.version(r["v2.0.0"])])

    def test_deleted_version_prints_the_newer_ones(self):
        r = self.releases("v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0")
        gone = self.version(r["v1.1.0"])
        self.gh.delete_release(r["v1.1.0"])
        self.assertEqual(self.check_ok(gone), [self.version(r[t]) for t in ("v1.2.0", "v2.0.0")])
        self.assertEqual(tags(self.check_ok({"tag": "v1.1.0"})), ["v1.2.0", "v2.0.0"])

    def test_deleted_version_uses_the_chosen_ordering(self):
        # published in this order: 1.0.0, 2.0.0, 1.5.0, 1.9.1; then 1.5.0 is deleted
        r = self.releases("v1.0.0", "v2.0.0", "v1.5.0", "v1.9.1")
        gone = self.version(r["v1.5.0"])
        self.gh.delete_release(r["v1.5.0"])
        self.assertEqual(tags(self.check_ok(gone)), ["v1.9.1", "v2.0.0"])
        by_time = self.source(order_by="time")
        self.assertEqual(tags(self.check_ok(gone, by_time)), ["v1.9.1"])

    def test_deleted_latest_prints_the_latest(self):
        r = self.releases("v1.0.0", "v1.2.0", "v2.0.0")
        gone = self.version(r["v2.0.0"])
        self.gh.delete_release(r["v2.0.0"])
        self.assertEqual(self.check_ok(gone), [self.version(r["v1.2.0"])])

    def test_order_by_version_and_time_with_a_backport(self):
        r = self.releases("v1.0.0", "v2.0.0", "v1.9.1")     # 1.9.1 published last
        self.assertEqual(self.check_ok(), [self.version(r["v2.0.0"])])
        by_time = self.source(order_by="time")
        self.assertEqual(self.check_ok(source=by_time), [self.version(r["v1.9.1"])])
        first = self.version(r["v1.0.0"])
        self.assertEqual(tags(self.check_ok(first)), ["v1.0.0", "v1.9.1", "v2.0.0"])
        self.assertEqual(tags(self.check_ok(first, by_time)), ["v1.0.0", "v2.0.0", "v1.9.1"])

    def test_release_pre_release_and_drafts_flags(self):
        old_pre = self.rel("v0.9.0-beta", prerelease=True)
        final = self.rel("v1.0.0")
        pre = self.rel("v1.1.0-rc.1", prerelease=True)
        draft = self.rel("v1.2.0", draft=True)
        self.assertIsNone(draft.published_at)
        cases = [
            ({}, None, [final]),
            ({}, self.version(final), [final]),
            ({"pre_release": True}, None, [pre]),
            ({"pre_release": True}, self.version(final), [final, pre]),
            ({"release": False, "pre_release": True}, self.version(old_pre), [old_pre, pre]),
            ({"drafts": True}, None, [draft]),
            # as in github-release-resource: both false keeps every kind
            ({"release": False, "pre_release": False}, None, [pre]),
        ]
        for flags, version, want in cases:
            with self.subTest(flags=flags, version=version):
                got = self.check_ok(version, self.source(**flags))
                self.assertEqual(got, [self.version(x) for x in want])
        # a draft's timestamp is its created_at: it has no published_at
        self.assertEqual(self.check_ok(source=self.source(drafts=True))[0]["timestamp"],
                         draft.created_at)

    def test_tag_filter_capture_and_skipped_tags(self):
        self.releases("release-1.2.0", "release-1.10.0", "release-1.9.0", "other-9.0.0",
                      "release-banana", "release-2.0")
        self.rel("release-1/2")
        src = self.source(tag_filter="^release-(.*)$")
        # 2.0 reads as 2.0.0; other-9.0.0 does not match; "1/2" is no version;
        # "banana" is one (go-semi-semantic, as in github-release-resource), and
        # a string component ranks above every number
        self.assertEqual(tags(self.check_ok(source=src)), ["release-banana"])
        self.assertEqual(tags(self.check_ok({"tag": "release-1.2.0"}, src)),
                         ["release-1.2.0", "release-1.9.0", "release-1.10.0", "release-2.0",
                          "release-banana"])

    def test_default_tag_filter_skips_non_semver_tags(self):
        # go-semi-semantic: "nightly" is a version above 1.1.0, "build/7" none
        r = self.releases("v1.0.0", "1.1.0", "nightly", "vv9.0.0", "build/7")
        self.assertEqual(tags(self.check_ok()), ["nightly"])
        self.assertEqual(tags(self.check_ok({"tag": "v1.0.0"})), ["v1.0.0", "1.1.0", "nightly"])
        # order_by time has no use for versions: every tag the filter passes counts
        by_time = self.source(order_by="time")
        self.assertEqual(tags(self.check_ok(source=by_time)), ["build/7"])
        self.assertEqual(tags(self.check_ok(self.version(r["1.1.0"]), by_time)),
                         ["1.1.0", "nightly", "build/7"])

    def test_semver_constraint(self):
        self.releases("v1.0.0", "v1.2.0", "v1.5.0", "v2.0.0", "v2.1.0")
        self.rel("v3.0.0-rc.1", prerelease=True)
        cases = [
            (">= 1.2.0, < 2.0.0", None, ["v1.5.0"]),
            (">= 1.2.0, < 2.0.0", {"tag": "v1.2.0"}, ["v1.2.0", "v1.5.0"]),
            (">=1.2.0 <2.0.0", {"tag": "v1.0.0"}, ["v1.2.0", "v1.5.0"]),
            ("~1.2 || ^2.1", {"tag": "v1.0.0"}, ["v1.2.0", "v2.1.0"]),
            ("!= 2.1.0", None, ["v2.0.0"]),
            ("^1", {"tag": "v1.0.0"}, ["v1.0.0", "v1.2.0", "v1.5.0"]),
        ]
        for constraint, version, want in cases:
            with self.subTest(constraint=constraint, version=version):
                got = self.check_ok(version, self.source(semver_constraint=constraint))
                self.assertEqual(tags(got), want)
        # Masterminds v1.5.0: a pre-release satisfies only terms with a pre-release
        src = self.source(semver_constraint=">= 2.0.0", pre_release=True)
        self.assertEqual(tags(self.check_ok({"tag": "v2.0.0"}, src)), ["v2.0.0", "v2.1.0"])
        src = self.source(semver_constraint=">= 2.0.0-0", pre_release=True)
        self.assertEqual(tags(self.check_ok({"tag": "v2.0.0"}, src)),
                         ["v2.0.0", "v2.1.0", "v3.0.0-rc.1"])

    def test_semver_pre_release_precedence(self):
        # semver.org 2.0, item 11, plus rc.2 < rc.10 (numeric identifiers)
        order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                 "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0-rc.2", "1.0.0-rc.10",
                 "1.0.0"]
        publish = [order[i] for i in (9, 8, 2, 0, 7, 5, 1, 6, 4, 3)]   # scrambled in time
        for v in publish:
            self.rel("v" + v, prerelease="-" in v)
        src = self.source(pre_release=True)
        self.assertEqual(tags(self.check_ok({"tag": "v1.0.0-alpha"}, src)),
                         ["v" + v for v in order])
        self.assertEqual(tags(self.check_ok(source=src)), ["v1.0.0"])
        self.assertEqual(tags(self.check_ok({"tag": "v1.0.0-rc.2"}, src)),
                         ["v1.0.0-rc.2", "v1.0.0-rc.10", "v1.0.0"])
        # Masterminds v1.5.0: "< 1.0.0" has no pre-release, so no pre-release passes it
        without_final = self.source(pre_release=True, semver_constraint="< 1.0.0")
        self.assertEqual(tags(self.check_ok(source=without_final)), [])
        without_final = self.source(pre_release=True, semver_constraint="<= 1.0.0-rc.10")
        self.assertEqual(tags(self.check_ok(source=without_final)), ["v1.0.0-rc.10"])


class TestPagination(GitHubCase):
    def list_requests(self):
        return self.api_log(r"/releases$")

    def test_follows_link_across_pages(self):
        top = self.rel("v9.0.0")                        # oldest: on page 3
        for i in range(249):
            self.rel("v1.0.%d" % i)
        self.assertEqual(self.check_ok(), [self.version(top)])
        reqs = self.list_requests()
        self.assertEqual(len(reqs), 3, reqs)
        self.assertEqual([r["query"].get("per_page") for r in reqs], ["100"] * 3)
        self.assertEqual([r["query"].get("page") for r in reqs], [None, "2", "3"])
        self.assertTrue(all(r["status"] == 200 for r in reqs))

    def test_version_on_a_later_page(self):
        self.rel("v9.0.0")
        for i in range(249):
            self.rel("v1.0.%d" % i)
        got = self.check_ok({"tag": "v1.0.5"})
        self.assertEqual(tags(got), ["v1.0.%d" % i for i in range(5, 249)] + ["v9.0.0"])

    def test_thousand_result_limit_is_the_end_with_a_warning(self):
        for i in range(1005):
            self.rel("v1.0.%d" % i)
        res = self.check()
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(tags(res.json), ["v1.0.1004"])
        reqs = self.list_requests()
        self.assertEqual(len(reqs), 11)
        self.assertEqual([r["status"] for r in reqs], [200] * 10 + [422])
        self.assertEqual(len(res.warnings), 1, res)
        self.assertIn("1000", res.warnings[0])
        self.assertEqual(res.errors, [])
        # the 5 oldest are beyond GitHub's reach: a version among them is "gone"
        got = self.check_ok({"tag": "v1.0.2"})
        self.assertEqual(len(got), 1000)
        self.assertEqual((got[0]["tag"], got[-1]["tag"]), ("v1.0.5", "v1.0.1004"))


class TestCache(GitHubCase):
    """The release-list cache under $TMPDIR/github-release-mirror/."""

    def cache_dir(self, tmpdir=None):
        return os.path.join(tmpdir or self.tmpdir, "github-release-mirror")

    def cache_files(self):
        d = self.cache_dir()
        return [os.path.join(d, f) for f in os.listdir(d)] if os.path.isdir(d) else []

    def many(self, n=150):
        return [self.rel("v1.0.%d" % i) for i in range(n)]

    def test_warm_cache_costs_one_request_and_no_units(self):
        rels = self.many()
        first = self.check_ok()
        self.assertEqual(len(self.api_log()), 2)          # cold: both pages
        self.assertTrue(self.cache_files())
        units = self.gh.rate_limit["remaining"]
        self.gh.clear_log()
        self.assertEqual(self.check_ok(), first)
        log = self.gh.log
        self.assertEqual(len(log), 1, log)
        self.assertEqual((log[0]["status"], log[0]["counted"]), (304, False))
        self.assertIn("if-none-match", log[0]["headers"])
        self.assertEqual(self.gh.rate_limit["remaining"], units)
        # and with a version: still one free request, the answer from the cache
        self.gh.clear_log()
        got = self.check_ok({"tag": "v1.0.10"})
        self.assertEqual(got, [self.version(r) for r in rels[10:]])
        self.assertEqual([(e["status"], e["counted"]) for e in self.gh.log], [(304, False)])

    def test_one_new_release_with_a_warm_cache(self):
        rels = self.many()
        self.check_ok()
        new = self.rel("v1.1.0")
        self.gh.clear_log()
        units = self.gh.rate_limit["remaining"]
        got = self.check_ok({"tag": "v1.0.10"})     # the answer reaches into page 2
        self.assertEqual(got, [self.version(r) for r in rels[10:]] + [self.version(new)])
        log = self.gh.log
        self.assertEqual(len(log), 1, log)
        self.assertEqual(log[0]["status"], 200)
        self.assertLessEqual(units - self.gh.rate_limit["remaining"], 1)
        self.gh.clear_log()
        self.assertEqual(self.check_ok(self.version(rels[-1])),
                         [self.version(rels[-1]), self.version(new)])
        self.assertEqual([(e["status"], e["counted"]) for e in self.gh.log], [(304, False)])

    def rewrite_cache(self, edit):
        """Rewrite each cache file line by line (lib/github/listing.c: one record a
        line, tab-separated fields); edit(fields) returns the new fields."""
        for path in self.cache_files():
            with open(path) as fp:
                lines = fp.read().splitlines()
            self.assertEqual(lines[0], "grm-release-cache 2")
            with open(path, "w") as fp:
                fp.write("".join("\t".join(edit(ln.split("\t"))) + "\n" for ln in lines))

    def age_cache(self):
        """Make the cache look more than a day old (listing.h: full refresh)."""
        self.rewrite_cache(lambda f: ["full_at", "0"] if f[0] == "full_at" else f)

    def test_day_old_cache_is_refreshed_with_conditional_requests(self):
        rels = self.many()
        self.check_ok()
        self.age_cache()
        self.gh.clear_log()
        self.assertEqual(self.check_ok({"tag": "v1.0.10"}), [self.version(r) for r in rels[10:]])
        self.assertEqual([(e["status"], e["counted"]) for e in self.gh.log],
                         [(200, True), (304, False)])
        self.gh.clear_log()                  # refreshed: warm again
        self.check_ok()
        self.assertEqual([e["status"] for e in self.gh.log], [304])

    def test_day_old_cache_sees_a_deletion_on_a_later_page(self):
        rels = self.many()
        self.check_ok()
        self.gh.delete_release(rels[20])     # page 2; page 1 is unchanged
        self.age_cache()
        got = self.check_ok({"tag": "v1.0.10"})
        self.assertEqual(got, [self.version(r) for r in rels[10:] if r is not rels[20]])

    def test_more_than_a_page_of_new_releases_with_a_warm_cache(self):
        rels = self.many()
        self.check_ok()
        rels += [self.rel("v1.1.%d" % i) for i in range(120)]
        got = self.check_ok({"tag": "v1.0.140"})
        self.assertEqual(got, [self.version(r) for r in rels[140:]])

    def test_release_deleted_from_page_one_with_a_warm_cache(self):
        rels = self.many()
        self.check_ok()
        self.gh.delete_release(rels[120])
        got = self.check_ok({"tag": "v1.0.10"})
        want = [self.version(r) for r in rels[10:] if r is not rels[120]]
        self.assertEqual(got, want)

    def corrupt_and_check(self, write, n=150):
        rels = self.many(n)
        self.check_ok()
        files = self.cache_files()
        self.assertTrue(files)
        for f in files:
            write(f)
        new = self.rel("v1.1.0")
        got = self.check_ok({"tag": "v1.0.10"})
        self.assertEqual(got, [self.version(r) for r in rels[10:]] + [self.version(new)])
        # the cache is rewritten: the next check is warm again
        self.gh.clear_log()
        self.assertEqual(tags(self.check_ok()), ["v1.1.0"])
        self.assertEqual([e["status"] for e in self.gh.log], [304])

    def test_corrupt_cache_garbage(self):
        self.corrupt_and_check(lambda p: write_bytes(p, os.urandom(3000) + b"\x00garbage{["))

    def test_corrupt_cache_truncated(self):
        def write(path):
            with open(path, "rb+") as fp:
                fp.truncate(os.path.getsize(path) // 2)
        self.corrupt_and_check(write)

    def test_corrupt_cache_empty_and_wrong_shape(self):
        head = b"grm-release-cache 2\nfull_at\t%d\n" % int(time.time())
        url = b"%s/repos/%s/%s/releases?per_page=100" % (self.gh.api_url.encode(),
                                                          OWNER.encode(), REPO.encode())
        for body in (b"", b"{}", b"[]", b'{"v":1,"pages":"x","tail":[]}',
                     b"grm-release-cache 1\n", head, head + b"tail\n" + b"page\t" + url + b"\t\n",
                     head + b"page\t" + url + b"\t\"e\"\n",  # no tail line
                     head + b"page\t\t\"e\"\ntail\n",
                     head + b"r\t1\t-\t\t\tv1\npage\t" + url + b"\t\ntail\n"):
            with self.subTest(body=body):
                self.setUp()
                self.corrupt_and_check(lambda p, b=body: write_bytes(p, b), n=30)

    def test_corrupt_cache_with_matching_etag(self):
        """A cache file with the right URL and ETag but mangled releases: the
        304 must not make check fail or lie."""
        rels = self.many(3)
        self.check_ok()
        for mangle in (lambda f: ["r", "x"] + f[2:],           # id not a number
                       lambda f: f[:5] + [""],                  # no tag
                       lambda f: f[:4],                         # fields missing
                       lambda f: ["q"] + f[1:]):                # unknown record
            with self.subTest():
                self.check_ok()                                 # a good cache again
                first = [True]

                def edit(f, mangle=mangle):
                    if f[0] == "r" and first[0]:
                        first[0] = False
                        return mangle(f)
                    return f
                self.rewrite_cache(edit)
                self.gh.clear_log()
                self.assertEqual(self.check_ok({"tag": "v1.0.0"}),
                                 [self.version(r) for r in rels])
                self.assertNotIn(304, [e["status"] for e in self.gh.log])

    def test_no_writable_cache_directory(self):
        rels = self.many()
        want = [self.version(r) for r in rels[10:]]
        blocker = os.path.join(self.scratch, "a-file")
        with open(blocker, "w") as fp:
            fp.write("not a directory\n")
        # TMPDIR is a regular file; then the cache directory's name is taken by a file
        for tmpdir in (blocker, self.tmpdir):
            if tmpdir == self.tmpdir:
                with open(self.cache_dir(), "w") as fp:
                    fp.write("in the way\n")
            with self.subTest(tmpdir=tmpdir):
                for _ in range(2):
                    self.gh.clear_log()
                    res = self.check({"tag": "v1.0.10"}, tmpdir=tmpdir)
                    self.assertEqual((res.rc, res.errors), (0, []), res)
                    self.assertEqual(res.json, want)
                    self.assertEqual([e["status"] for e in self.gh.log], [200, 200])
        self.assertEqual(os.listdir(self.tmpdir), ["github-release-mirror"])

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run as another user")
    def test_read_only_cache_directory(self):
        rels = self.many()
        os.chmod(self.scratch, 0o755)
        os.chmod(self.tmpdir, 0o555)                     # root's, read-only for nobody
        for _ in range(2):
            self.gh.clear_log()
            res = self.check({"tag": "v1.0.140"}, user=65534)
            self.assertEqual((res.rc, res.errors), (0, []), res)
            self.assertEqual(res.json, [self.version(r) for r in rels[140:]])
            self.assertEqual(len(self.gh.log), 2)
        self.assertEqual(os.listdir(self.tmpdir), [])

    def test_cache_is_per_repository(self):
        a = self.rel("v1.0.0")
        b = self.gh.add_release(OWNER, "other", "v5.0.0")
        self.assertEqual(self.check_ok(), [self.version(a)])
        self.assertEqual(self.check_ok(source=self.source(repository="other")),
                         [self.version(b)])
        self.assertEqual(self.check_ok(), [self.version(a)])
        self.assertEqual(len(self.cache_files()), 2)

    def test_cache_holds_no_token(self):
        self.many(3)
        self.check_ok()
        for path in self.cache_files():
            with open(path, "rb") as fp:
                self.assertNotIn(TOKEN.encode(), fp.read())


class TestHTTP(CheckRecovery, GitHubCase):
    """Retries, rate limits and bad answers on the listing request."""

    def test_429_with_retry_after_waits_and_recovers(self):
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=429,
                          headers={"retry-after": "1"})
        res = self.check_recovers_after_a_wait()
        self.assertEqual(len(res.warnings), 1, res)
        self.assertIn("429", res.warnings[0])

    def test_403_with_retry_after_waits_and_recovers(self):
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=403,
                          headers={"retry-after": "1"},
                          body={"message": "You have exceeded a secondary rate limit."})
        self.check_recovers_after_a_wait()

    def test_exhausted_rate_limit_waits_for_the_reset(self):
        reset = int(time.time()) + 2
        self.gh.rate_limit = {"limit": 60, "remaining": 0, "reset": reset}
        res = self.check()
        self.assertCheckRecovered(res, 2)
        log = self.list_log()
        self.assertEqual((log[0]["status"], log[1]["status"]), (403, 200))
        self.assertGreaterEqual(log[1]["time"], reset)
        self.assertLess(res.elapsed, 10)

    def test_rate_limited_fault_waits_for_the_reset(self):
        self.gh.add_fault(path_regex=r"/releases$", action="rate_limited", reset_in=1)
        self.check_recovers_after_a_wait()

    def test_reset_beyond_max_rate_limit_wait_fails_fast(self):
        reset = int(time.time()) + 3600
        self.gh.rate_limit = {"limit": 60, "remaining": 0, "reset": reset}
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(reset))
        for wait in (None, 30):
            with self.subTest(max_rate_limit_wait=wait):
                self.gh.clear_log()
                res = self.check(source=self.source(max_rate_limit_wait=wait))
                self.assertOneError(res, when, "0 of 60")
                self.assertLess(res.elapsed, 5)
                self.assertEqual(len(self.gh.log), 1)

    def test_reset_beyond_a_small_max_rate_limit_wait(self):
        self.gh.add_fault(path_regex=r"/releases$", action="rate_limited", reset_in=20)
        res = self.check(source=self.source(max_rate_limit_wait=2))
        reset = int(self.list_log()[0]["time"] + 20)
        self.assertFailsClearly(res, "rate limit")
        m = re.search(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", res.errors[0])
        self.assertIsNotNone(m, res)
        at = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ"))
        self.assertLessEqual(abs(at - reset), 1)
        self.assertLess(res.elapsed, 5)

    def test_retry_after_beyond_max_rate_limit_wait_fails_fast(self):
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=429,
                          headers={"retry-after": "120"})
        res = self.check()
        self.assertFailsClearly(res, "429", "120")
        self.assertLess(res.elapsed, 5)
        self.assertEqual(len(self.list_log()), 1)

    def test_429_without_headers_backs_off_and_recovers(self):
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=429)
        self.assertCheckRecovered(self.check(), 2)

    def test_403_forbidden_is_not_retried(self):
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=403, times=None,
                          body={"message": "Resource not accessible by integration"})
        res = self.check()
        self.assertOneError(res, "403", "Resource not accessible by integration")
        self.assertEqual(len(self.list_log()), 1)

    def test_5xx_twice_then_ok(self):
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=502, times=2)
        res = self.check()
        self.assertCheckRecovered(res, 3)
        self.assertEqual([e["status"] for e in self.list_log()], [502, 502, 200])
        self.assertEqual(len(res.warnings), 2, res)

    def test_5xx_forever_gives_up_after_bounded_attempts(self):
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=500, times=None)
        res = self.check(env={"GRM_MAX_ATTEMPTS": "3"})
        self.assertFailsClearly(res, "500", "/repos/%s/%s/releases" % (OWNER, REPO))
        self.assertEqual(len(self.list_log()), 3)

    def test_connection_refused_bounded_retries_then_one_error(self):
        url = "http://127.0.0.1:%d" % closed_port()
        res = self.check(source=self.source(github_api_url=url))
        self.assertFailsClearly(res, "127.0.0.1")
        self.assertEqual(len(res.warnings), 4, res)        # 5 attempts by default
        self.assertLess(res.elapsed, 15)
        res = self.check(source=self.source(github_api_url=url), env={"GRM_MAX_ATTEMPTS": "2"})
        self.assertFailsClearly(res, "127.0.0.1")
        self.assertEqual(len(res.warnings), 1, res)

    def test_connection_reset_then_ok(self):
        self.gh.add_fault(path_regex=r"/releases$", action="refuse", times=2)
        self.assertCheckRecovered(self.check(), 3)

    def test_invalid_json_is_a_clear_error(self):
        self.gh.add_fault(path_regex=r"/releases$", action="invalid_json", times=None)
        res = self.check()
        self.assertOneError(res, "invalid JSON", "/releases")

    def test_wrong_shape_is_a_clear_error(self):
        self.gh.add_fault(path_regex=r"/releases$", action="wrong_shape", times=None)
        self.assertOneError(self.check(), "unexpected JSON", "assets")
        self.gh.clear_faults()
        self.gh.add_fault(path_regex=r"/releases$", action="wrong_shape", times=None,
                          json={"message": "not a list"})
        self.assertOneError(self.check(), "unexpected JSON", "/releases")
        self.gh.clear_faults()
        self.gh.add_fault(path_regex=r"/releases$", action="wrong_shape", times=None,
                          json=[{"id": 1, "tag_name": 7, "draft": False}])
        self.assertOneError(self.check(), "unexpected JSON", "tag_name")

    def test_unknown_repository(self):
        res = self.check(source=self.source(repository="nope"))
        self.assertOneError(res, "404", "%s/nope" % OWNER)

    def test_bad_credentials_do_not_leak(self):
        wrong = "ghp_WrongToken_ShouldNeverBePrinted42"
        res = self.check(source=self.source(access_token=wrong, debug=True))
        self.assertFailsClearly(res, "401")
        self.assertNotIn(wrong, res.stdout + res.stderr)
        self.assertEqual(self.gh.log[0]["headers"]["authorization"], "Bearer " + wrong)

    def test_token_never_printed_and_debug_redacts_authorization(self):
        src = self.source(debug=True)
        runs = [self.check(source=src), self.check(source=src),
                self.check(self.version(self.r1), src)]
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=500, times=None)
        runs.append(self.check(source=src, env={"TMPDIR": self.mkdir("cold"),
                                               "GRM_MAX_ATTEMPTS": "2"}))
        for res in runs:
            self.assertNotIn(TOKEN, res.stdout + res.stderr)
            self.assertNotIn(TOKEN[4:20], res.stdout + res.stderr)
            self.assertIn("debug: > Authorization: ***", res.lines, res)
            self.assertTrue(any(re.match(r"debug: > GET http://127\.0\.0\.1:\d+/repos/%s/%s/"
                                         r"releases$" % (OWNER, REPO), ln)  # no query
                                for ln in res.lines), res)
        self.assertEqual(runs[0].rc, 0)
        self.assertNotEqual(runs[-1].rc, 0)
        for e in self.gh.log:
            self.assertEqual(e["headers"]["authorization"], "Bearer " + TOKEN)
        # without debug there are no debug lines
        res = self.check()
        self.assertFalse([ln for ln in res.lines if ln.startswith("debug:")], res)

    def test_token_redacted_wherever_it_appears(self):
        # a token that ends up in a URL (here a path prefix) is still masked
        res = self.check(source=self.source(github_api_url=self.gh.api_url + "/" + TOKEN))
        self.assertOneError(res, "404", "/***/repos/")
        self.assertEqual(self.gh.log[0]["path"], "/%s/repos/%s/%s/releases" % (TOKEN, OWNER, REPO))

    def test_request_headers(self):
        self.check_ok()
        self.check_ok(source=self.source(access_token=None))
        log = self.gh.log
        self.assertEqual(len(log), 2)
        for e in log:
            h = e["headers"]
            self.assertEqual(h["accept"], "application/vnd.github+json")
            self.assertEqual(h["x-github-api-version"], "2022-11-28")
            self.assertRegex(h["user-agent"], r"^github-release-mirror/\d+\.\d+\.\d+")
        self.assertEqual(log[0]["headers"]["authorization"], "Bearer " + TOKEN)
        self.assertNotIn("authorization", log[1]["headers"])


class TestSource(GitHubCase):
    def test_mirror_object_is_accepted(self):
        r = self.rel("v1.0.0")
        src = self.source(mirror={"bucket": "b", "region": "eu-west-1",
                                  "access_key_id": "AKIDEXAMPLE",
                                  "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"})
        res = self.check(source=dict(src, debug=True))
        self.assertEqual((res.rc, res.json), (0, [self.version(r)]), res)
        self.assertNotIn("wJalrXUtnFEMI", res.stderr)


class TestBadInput(GitHubCase):
    def test_bad_requests_give_one_error_line(self):
        src = self.source()
        cases = [
            ("{not json", "invalid request"),
            ("", "empty"),
            ("[]", "object"),
            ({"source": dict(src, owner=None)}, "owner"),
            ({"source": {k: v for k, v in src.items() if k != "owner"}}, "owner"),
            ({"source": {k: v for k, v in src.items() if k != "repository"}}, "repository"),
            ({"source": dict(src, pre_release="yes")}, "source.pre_release"),
            ({"source": dict(src, acces_token="x")}, "acces_token"),
            ({"source": dict(src, tag_filter="(")}, "source.tag_filter"),
            ({"source": dict(src, semver_constraint=">= banana")}, "source.semver_constraint"),
            ({"source": dict(src, order_by="size")}, "source.order_by"),
            ({"source": dict(src, github_api_url="not a url")}, "source.github_api_url"),
            ({"source": dict(src, github_api_url="ftp://example.com")},
             "source.github_api_url"),
            ({"source": dict(src, globs="*")}, "source.globs"),
            ({"source": dict(src, mirror="bucket")}, "source.mirror"),
            ({"source": src, "version": {}}, "tag"),  # an id alone will do (issue 12)
            ({"source": src, "version": {"tag": "v1", "idd": "1"}}, "idd"),
            ({"source": src, "version": {"tag": 5}}, "version.tag"),
            ({"source": src, "verison": {"tag": "v1"}}, "verison"),
        ]
        for req, needle in cases:
            with self.subTest(req=req):
                res = self.run_cmd("check", req)
                self.assertOneError(res, needle)
        self.assertEqual(self.gh.log, [])
        self.assertEqual(os.listdir(self.tmpdir), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
