#!/usr/bin/python3
"""test_hostile.py - hostile data from the network: every case is refused or
bounded, with one clear error line, and nothing is written where it must not
be.

  - asset names with '/', '..', a leading '-', NUL, newlines, escape
    sequences or very long names (in refuses them before downloading);
  - tag names of the same kinds (check and in treat them as data: JSON-escaped
    on stdout, written into the tag file, URL-escaped; out refuses those that
    would make an unsafe S3 key);
  - symlinks planted in DEST, named like an asset, a metadata file, a
    temporary file or assets/, pointing outside: the targets stay untouched;
  - a release with a million assets in one body, or a 100 MB body, a release
    listing of a million releases, and asset pages that never end: refused
    with a clear message, in bounded time and memory (peak RSS measured);
  - S3 listings that never end (the same continuation token again, or a
    cycle of tokens), a listing too large, an XML entity bomb: refused.

The fake GitHub (test/fakes/fake_github.py) serves most of it; where it has
no knob, a route of one FakeGitHub instance is replaced by a generator. S3
answers come from RGW (test/s3) through a fault proxy whose ListObjectsV2
answers the test writes. Run: GRM_BIN_DIR=<build dir> /usr/bin/python3
test_hostile.py"""

import json
import os
import re
import stat
import subprocess
import sys
import time
import unittest
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bbutil import (FAST_ENV, META_FILES, OWNER, PASS_ENV, REPO, SANITIZER_MARKERS,  # noqa: E402
                    GitHubCase, Result, binary, read_text, sha256_file, tree)
import fake_github  # noqa: E402  (bbutil put test/fakes on sys.path)
from test_out import OutCase, Proxy  # noqa: E402
from nethelp import Foreign  # noqa: E402

MIB = 1024 * 1024
RSS_LIMIT_MIB = 150          # release build; the sanitizer build is not measured


# Fork and exec argv[2:], then write {"rc", "maxrss_kib"} of that child to argv[1].
MEASURE = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fp:
    json.dump({"rc": os.waitstatus_to_exitcode(status), "maxrss_kib": usage.ru_maxrss}, fp)
"""


def sanitized_build():
    with open(binary("in"), "rb") as fp:
        return b"__asan_init" in fp.read()


def json_stream(prefix, item, n, suffix, sep=b","):
    """(length, chunk factory) of prefix + n items (item(i) -> bytes, all of
    the same length) joined by sep + suffix, generated on the fly."""
    size = len(item(0))
    length = len(prefix) + n * size + max(n - 1, 0) * len(sep) + len(suffix)

    def chunks():
        yield prefix
        batch = []
        for i in range(n):
            batch.append(item(i))
            if len(batch) == 1024:
                yield sep.join(batch) + (sep if i < n - 1 else b"")
                batch = []
        if batch:
            yield sep.join(batch)
        yield suffix
    return length, chunks


def streamed(length, chunks):
    return fake_github._Resp(200, [("Content-Type", "application/json; charset=utf-8")],
                             chunks=chunks, length=length)


class HostileCase(GitHubCase):
    def setUp(self):
        super().setUp()
        self.dest = self.mkdir("dest")
        self.outside = self.mkdir("outside")

    def run_measured(self, name, request, args=(), env=None):
        """Run like bbutil.run; also returns the child's peak RSS in MiB. A
        small Python process forks and execs the executable and reads its
        rusage: a child forked from this (large) test process would count
        the parent's pages in its peak."""
        e = {"PATH": "/usr/bin:/bin", "LANG": "C", "TMPDIR": self.tmpdir, "HOME": self.tmpdir}
        e.update(FAST_ENV)
        e.update({k: os.environ[k] for k in PASS_ENV if k in os.environ})
        e.update(env or {})
        report = os.path.join(self.scratch, "rusage.json")
        t0 = time.monotonic()
        p = subprocess.run([sys.executable, "-c", MEASURE, report, binary(name)] + list(args),
                           input=json.dumps(request).encode(), capture_output=True, env=e,
                           timeout=300)
        with open(report) as fp:
            got = json.load(fp)
        res = Result([name], got["rc"], p.stdout.decode("utf-8", "replace"),
                     p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, res.stderr, res)
        return res, got["maxrss_kib"] / 1024.0

    def assertBoundedRSS(self, rss_mib, res):
        if not sanitized_build():
            self.assertLess(rss_mib, RSS_LIMIT_MIB, res)

    def assertNothingInDest(self, dest=None):
        self.assertEqual(tree(dest or self.dest), [])


class TestAssetNames(HostileCase):
    BAD = [
        ("evil/../../x.sh", "holds '/'"),
        ("a/b", "holds '/'"),
        ("..", "holds '..'"),
        ("x..y", "holds '..'"),
        (".", "is '.'"),
        ("-rf", "starts with '-'"),
        ("--output=x", "starts with '-'"),
        ("two\nlines.txt", "control character"),
        ("cr\r.txt", "control character"),
        ("\x1b[31mred.txt", "control character"),
        ("tab\t.txt", "control character"),
        ("x" * 256, "longer than 255 bytes"),
        ("y" * 100000, "longer than 255 bytes"),
    ]

    def test_unsafe_names_are_refused_before_any_download(self):
        for i, (name, why) in enumerate(self.BAD):
            with self.subTest(name=name[:40]):
                self.gh.clear_log()
                r = self.rel("v1.0.%d" % i)
                self.gh.add_asset(r, "fine.bin", size=10)
                self.gh.add_asset(r, name, size=10)
                res = self.get(self.version(r))
                shown = name[:200].replace("\n", "?").replace("\r", "?").replace(
                    "\x1b", "?").replace("\t", "?")
                self.assertOneError(res, 'unsafe asset name "%s' % shown, why)
                self.assertLess(len(res.errors[0]), 1100)        # bounded
                self.assertNotIn("\x1b", res.stderr)
                self.assertNothingInDest()
                self.assertEqual(self.asset_log(), [])
                self.assertEqual(os.listdir(self.outside), [])

    def test_unsafe_name_not_selected_is_ignored(self):
        r = self.rel("v1.0.0")
        ok = self.gh.add_asset(r, "fine.bin", size=10)
        self.gh.add_asset(r, "../evil.sh", size=10)
        self.get_ok(self.version(r), {"globs": ["*.bin"]})
        self.assertEqual(set(tree(self.dest)), set(META_FILES) | {"fine.bin"})
        self.assertEqual(sha256_file(os.path.join(self.dest, "fine.bin")), ok.sha256)

    def test_nul_in_a_name_is_refused(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a\x00b.bin", size=10)   # JSON "a\u0000b.bin"
        res = self.get(self.version(r))
        self.assertOneError(res, "invalid JSON from GitHub", "\\u0000")
        self.assertNothingInDest()
        self.assertEqual(self.asset_log(), [])

    def test_asset_dir_does_not_change_the_rules(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "../up.bin", size=10)
        res = self.get(self.version(r), source=self.source(asset_dir=True))
        self.assertOneError(res, '"../up.bin"', "holds '/'")
        self.assertNothingInDest()
        self.assertFalse(os.path.exists(os.path.join(self.scratch, "up.bin")))


class TestTagNames(HostileCase):
    TAGS = ["release/1.0", "a/../../evil", "-rf", "--help", "v1\nx", "v1\x1b[2J",
            "t" * 2000]

    def test_check_and_in_treat_tags_as_data(self):
        src = self.source(tag_filter="(.*)", order_by="time")
        for i, tag in enumerate(self.TAGS):
            with self.subTest(tag=tag[:40]):
                r = self.rel(tag)
                a = self.gh.add_asset(r, "a.bin", size=10)
                got = self.check_ok(source=src, tmpdir=self.mkdir("t%d" % i))
                self.assertEqual(got, [self.version(r)])     # valid JSON, exact tag
                dest = self.mkdir("d%d" % i)
                res = self.get(self.version(r), source=src, dest=dest)
                self.assertEqual((res.rc, res.errors), (0, []), res)
                self.assertEqual(res.json["version"], self.version(r))
                self.assertEqual(read_text(os.path.join(dest, "tag")), tag)
                self.assertEqual(set(tree(dest)), set(META_FILES) | {"a.bin"})
                self.assertEqual(sha256_file(os.path.join(dest, "a.bin")), a.sha256)
                self.assertEqual(os.listdir(self.outside), [])
                self.assertFalse(os.path.exists(os.path.join(self.scratch, "evil")))

    def test_nul_in_a_tag_is_refused(self):
        self.rel("v1.0.0")
        r = self.rel("v2\x000")
        res = self.check()
        self.assertOneError(res, "invalid JSON from GitHub", "\\u0000")
        res = self.get({"tag": "v2", "id": str(r.id)})
        self.assertOneError(res, "invalid JSON from GitHub", "\\u0000")
        self.assertNothingInDest()


class TestSymlinksInDest(HostileCase):
    def plant(self, name, target):
        os.symlink(target, os.path.join(self.dest, name))

    def precious(self, name):
        path = os.path.join(self.outside, name)
        with open(path, "w") as fp:
            fp.write("precious " + name)
        os.utime(path, (1000000000, 1000000000))
        return path

    def assertUntouched(self, path):
        self.assertEqual(read_text(path), "precious " + os.path.basename(path))
        self.assertEqual(os.stat(path).st_mtime, 1000000000)

    def test_symlinks_named_like_files_are_replaced_not_followed(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=5000)
        targets = {}
        for name in ("a.bin", "tag", "body", "release.json"):
            targets[name] = self.precious(name)
            self.plant(name, targets[name])
        dangling = os.path.join(self.outside, "created-through-a-link")
        self.plant("SHA256SUMS", dangling)
        leftover = self.precious("leftover")
        self.plant(".grm-part-0-2147483646", leftover)    # a dead pid's temp name
        self.plant(".grm-meta-2147483646.tmp", leftover)
        res = self.get(self.version(r))
        self.assertEqual((res.rc, res.errors), (0, []), res)
        for path in targets.values():
            self.assertUntouched(path)
        self.assertUntouched(leftover)
        self.assertFalse(os.path.lexists(dangling))
        self.assertEqual(sorted(os.listdir(self.outside)), sorted(
            list(targets) + ["leftover"]))
        self.assertEqual(set(tree(self.dest)), set(META_FILES) | {"a.bin"})
        for name in META_FILES + ("a.bin",):
            st = os.lstat(os.path.join(self.dest, name))
            self.assertTrue(stat.S_ISREG(st.st_mode), name)
        self.assertEqual(sha256_file(os.path.join(self.dest, "a.bin")), a.sha256)
        self.assertEqual(read_text(os.path.join(self.dest, "tag")), "v1.0.0")

    def test_assets_dir_symlink_is_refused(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=5000)
        self.plant("assets", self.outside)
        res = self.get(self.version(r), source=self.source(asset_dir=True))
        self.assertOneError(res, '"assets"')
        self.assertEqual(os.listdir(self.outside), [])
        self.assertEqual(os.listdir(self.dest), ["assets"])  # the link, still a link
        self.assertTrue(os.path.islink(os.path.join(self.dest, "assets")))
        self.assertEqual(self.asset_log(), [])


class TestHugeGitHubAnswers(HostileCase):
    def asset_item(self, rel):
        base = "%s/repos/%s/%s/releases/assets/" % (self.gh.api_url, OWNER, REPO)

        def item(i):
            return ('{"id":%d,"name":"a%07d.bin","state":"uploaded","size":1,'
                    '"content_type":null,"url":"%s%d"}' % (300000000 + i, i, base,
                                                          300000000 + i)).encode()
        return item

    def release_prefix(self, rel, **extra):
        doc = self.gh.release_json(rel)
        del doc["assets"]
        doc.update(extra)
        return json.dumps(doc)[:-1].encode() + b',"assets":['

    def get_streamed(self, rel, length, chunks):
        """`in` of rel while the fake answers its release request with a
        streamed body of length bytes: (Result, peak RSS in MiB)."""
        self.gh._r_release = lambda req, repo, auth, id: streamed(length, chunks)
        return self.run_measured("in", {"source": self.source(), "version": self.version(rel)},
                                 [self.dest])

    def check_streamed(self, length, chunks):
        """check while the fake answers the release listing with a streamed
        body of length bytes: (Result, peak RSS in MiB)."""
        self.gh._r_list = lambda req, repo, auth: streamed(length, chunks)
        return self.run_measured("check", {"source": self.source()})

    def test_a_million_assets_in_one_release_body(self):
        r = self.rel("v1.0.0")
        length, chunks = json_stream(self.release_prefix(r), self.asset_item(r), 1000000, b"]}")
        self.assertGreater(length, 100 * MIB)
        res, rss = self.get_streamed(r, length, chunks)
        self.assertOneError(res, "larger than 33554432 bytes", "/releases/%d" % r.id)
        self.assertLess(res.elapsed, 60)
        self.assertBoundedRSS(rss, res)
        self.assertNothingInDest()

    def test_the_largest_release_body_below_the_cap(self):
        # 200,000 assets in 31 MiB: parsed whole (JSON tree and structs), so
        # memory is about 8 times the 32 MiB cap at worst: bounded.
        r = self.rel("v1.0.0")
        length, chunks = json_stream(self.release_prefix(r), self.asset_item(r), 200000, b"]}")
        self.assertLess(length, 32 * MIB)
        res, rss = self.get_streamed(r, length, chunks)
        self.assertEqual((res.rc, res.errors), (0, []), res)   # the asset pages are empty
        if not sanitized_build():
            self.assertLess(rss, 400, res)

    def test_a_100_mb_body(self):
        r = self.rel("v1.0.0")
        prefix = json.dumps(dict(self.gh.release_json(r), assets=[]))[:-1].encode() + \
            b',"huge":"'
        length, chunks = json_stream(prefix, lambda i: b"x" * 65536, 1600, b'"}', sep=b"")
        self.assertGreaterEqual(length, 100 * MIB)
        res, rss = self.get_streamed(r, length, chunks)
        self.assertOneError(res, "larger than 33554432 bytes")
        self.assertBoundedRSS(rss, res)
        self.assertNothingInDest()
        # The listing that check reads: the same bound.
        res, rss = self.check_streamed(length, chunks)
        self.assertOneError(res, "larger than 33554432 bytes", "/releases")
        self.assertBoundedRSS(rss, res)

    def test_a_million_releases_in_one_listing_page(self):
        r = self.rel("v1.0.0")
        one = json.dumps(self.gh.release_json(r)).encode()

        def item(i):
            return one
        length, chunks = json_stream(b"[", item, 1000000, b"]")
        res, rss = self.check_streamed(length, chunks)
        self.assertOneError(res, "larger than 33554432 bytes", "/releases")
        self.assertBoundedRSS(rss, res)

    def test_asset_pages_that_never_end(self):
        r = self.rel("v1.0.0")
        item = self.asset_item(r)
        served = []

        def pages(req, repo, auth, id):  # noqa: A002
            page = int(req.query.get("page", "1"))
            served.append(page)
            body = b"[" + b",".join(item(page * 100 + i) for i in range(100)) + b"]"
            link = '<%s/repos/%s/%s/releases/%s/assets?per_page=100&page=%d>; rel="next"' % (
                self.gh.api_url, OWNER, REPO, id, page + 1)
            return fake_github._Resp(200, [("Content-Type", "application/json"),
                                           ("Link", link)], body)
        self.gh._r_assets = pages
        res, rss = self.run_measured("in", {"source": self.source(),
                                            "version": self.version(r)}, [self.dest])
        self.assertOneError(res, "more than 100 pages of assets")
        self.assertEqual(len(served), 100)
        self.assertBoundedRSS(rss, res)
        self.assertNothingInDest()
        self.assertEqual(self.asset_log(), [])

    def test_release_listing_that_never_ends(self):
        rels = [self.rel("v1.0.%d" % i) for i in range(3)]
        served = []

        def pages(req, repo, auth):
            page = int(req.query.get("page", "1"))
            served.append(page)
            link = '<%s/repos/%s/%s/releases?per_page=100&page=%d>; rel="next"' % (
                self.gh.api_url, OWNER, REPO, page + 1)
            return fake_github._json_resp(200, [self.gh.release_json(x) for x in rels],
                                          [("Link", link)])
        self.gh._r_list = pages
        res = self.check({"tag": "v0.0.1"})
        self.assertOneError(res, "more than 20 pages of releases")
        self.assertEqual(served, list(range(1, 21)))
        self.assertLess(res.elapsed, 30)


class ListingProxy(Proxy):
    """The fault proxy, except that ListObjectsV2 is answered by
    `self.listing(query) -> bytes` (when set) instead of RGW."""

    listing = None

    def _one(self, client, rfile, head, up):
        target = urlsplit(head.start[1])
        if (self.listing is None or head.start[0].upper() != "GET"
                or "list-type=2" not in target.query):
            return super()._one(client, rfile, head, up)
        body = self.listing(target.query)
        self._record({"time": time.time(), "method": "GET", "path": target.path,
                      "query": target.query, "headers": {}, "content_length": None,
                      "body_bytes": 0, "status": 200, "fault": "listing",
                      "error_code": None})
        client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                       b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return True, up


def list_result(prefix, entries, token=None, delimiter="/"):
    """A ListBucketResult: CommonPrefixes `entries`, truncated when token."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n'
             '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
             '<Name>b</Name><Prefix>%s</Prefix><MaxKeys>1000</MaxKeys>'
             '<Delimiter>%s</Delimiter><KeyCount>%d</KeyCount>'
             '<IsTruncated>%s</IsTruncated>' % (prefix, delimiter, len(entries),
                                                "true" if token else "false")]
    if token:
        parts.append("<NextContinuationToken>%s</NextContinuationToken>" % token)
    parts += ["<CommonPrefixes><Prefix>%s</Prefix></CommonPrefixes>" % e for e in entries]
    parts.append("</ListBucketResult>")
    return "".join(parts).encode()


class TestS3Listings(OutCase):
    def setUp(self):
        super().setUp()
        self.proxy.stop()
        self.proxy = ListingProxy(self.s3["endpoint"]).start()
        self.addCleanup(self.proxy.stop)
        r = self.rel("v1.0.0")
        self.asset = self.gh.add_asset(r, "a.bin", size=1000)
        self.name, _ = self.fetch(r)
        self.prefix = "%s/%s/" % (OWNER, REPO)

    def lists(self):
        return [e for e in self.proxy.requests(method="GET") if "list-type=2" in e["query"]]

    def keep(self):
        return self.out(self.name, params={"keep_versions": 1})

    def assertMirroredThenRefused(self, res, *needles):
        """The release is mirrored whole; retention fails with one line."""
        self.assertFailsClearly(res, "keep_versions", "ListObjectsV2", *needles)
        pre = self.prefix + "v1.0.0/"
        self.assertEqual(self.keys(), sorted([pre + "a.bin", pre + "release.json",
                                              pre + "SHA256SUMS", self.prefix + "latest.json"]))
        self.assertEqual(self.s3r.sha256(self.bucket, pre + "a.bin"), self.asset.sha256)
        self.assertNoUploads()

    def token_cycle(self, tokens):
        def listing(q):
            token = parse_qs(q).get("continuation-token", [None])[0]
            nxt = tokens[(tokens.index(token) + 1) % len(tokens)] if token in tokens \
                else tokens[0]
            return list_result(self.prefix, [self.prefix + "v0.%d/" % len(self.lists())], nxt)
        return listing

    def test_the_same_continuation_token_again(self):
        self.proxy.listing = self.token_cycle(["T0ken"])
        res = self.keep()
        self.assertMirroredThenRefused(res, "repeated a continuation token")
        self.assertEqual(len(self.lists()), 2)

    def test_a_cycle_of_continuation_tokens(self):
        for n in (2, 3, 7):
            with self.subTest(cycle=n):
                self.proxy.clear()
                self.bucket = self.new_bucket()
                self.proxy.listing = self.token_cycle(["tok-%d" % i for i in range(n)])
                res = self.keep()
                self.assertMirroredThenRefused(res, "repeated a continuation token")
                self.assertLessEqual(len(self.lists()), 4 * n + 2)

    def test_truncated_without_a_token(self):
        self.proxy.listing = lambda q: list_result(self.prefix, [], None).replace(
            b"<IsTruncated>false", b"<IsTruncated>true")
        res = self.keep()
        self.assertMirroredThenRefused(res, "without a continuation token")
        self.assertEqual(len(self.lists()), 1)

    def test_a_listing_too_large(self):
        big = list_result(self.prefix, ["%sv%07d/" % (self.prefix, i) for i in range(200000)])
        self.assertGreater(len(big), 8 * MIB)
        self.proxy.listing = lambda q: big
        res = self.keep()
        self.assertMirroredThenRefused(res, "larger than 8388608 bytes")

    def test_too_many_entries_in_one_listing(self):
        many = list_result(self.prefix, ["p/%d/" % i for i in range(100001)])
        self.assertLess(len(many), 8 * MIB)
        self.proxy.listing = lambda q: many
        res = self.keep()
        self.assertMirroredThenRefused(res, "more than 100000 entries")

    def test_an_entity_bomb(self):
        lol = ['<!ENTITY l0 "lollollollollollollollollollol">']
        lol += ['<!ENTITY l%d "%s">' % (i, ("&l%d;" % (i - 1)) * 10) for i in range(1, 10)]
        bomb = ('<?xml version="1.0"?>\n<!DOCTYPE ListBucketResult [%s]>'
                '<ListBucketResult><Name>b</Name><Prefix>&l9;</Prefix>'
                '<IsTruncated>false</IsTruncated></ListBucketResult>' % "".join(lol)).encode()
        self.proxy.listing = lambda q: bomb
        t0 = time.monotonic()
        res = self.keep()
        self.assertLess(time.monotonic() - t0, 30)
        self.assertMirroredThenRefused(res)
        self.assertTrue(re.search(r"entit|DOCTYPE|DTD|amplification", res.errors[0],
                                  re.I), res)


class TestUnsafeKeys(OutCase):
    """Tags and asset names that make S3 keys resolve elsewhere are refused
    before anything is sent; odd but safe ones are encoded (test_out.py
    covers percent-encoding of asset names)."""

    def test_dot_segments_and_control_characters(self):
        for i, (tag, why) in enumerate((("a/../../evil", '".."'), (".", '"."'),
                                        ("v1/./x", '"."'), ("v1\nx", "control character"),
                                        ("v1\x7f", "control character"))):
            with self.subTest(tag=tag):
                self.proxy.clear()
                r = self.rel(tag)
                self.gh.add_asset(r, "a.bin", size=100)
                src = self.src(tag_filter="(.*)")
                name, _ = self.fetch(r, src, name="r%d" % i)
                res = self.out(name, src)
                self.assertOneError(res, "refusing key", why)
                self.assertNotIn("\n", res.errors[0])
                self.assertEqual(self.proxy.requests(), [])
                self.assertEqual(self.keys(), [])

    def test_unsafe_asset_name_in_a_tampered_release_json(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=100)
        name, _ = self.fetch(r)
        path = os.path.join(self.sources, name, "release.json")
        doc = json.loads(read_text(path))
        doc["files"][0]["name"] = "../../../latest.json"
        with open(path, "w") as fp:
            json.dump(doc, fp)
        res = self.out(name)
        self.assertOneError(res, "refusing key", '".."')
        self.assertEqual(self.proxy.requests(), [])

    def test_safe_odd_tags_are_mirrored(self):
        for i, tag in enumerate(("-rf", "release/1.0", "v1/..x/.y", "ünï €")):
            with self.subTest(tag=tag):
                r = self.rel(tag)
                a = self.gh.add_asset(r, "a.bin", size=100)
                src = self.src(tag_filter="(.*)")
                name, _ = self.fetch(r, src, name="s%d" % i)
                got = self.out_ok(name, src)
                self.assertEqual(got["version"]["tag"], tag)
                key = "%s/%s/%s/a.bin" % (OWNER, REPO, tag)
                self.assertEqual(self.s3r.sha256(self.bucket, key), a.sha256)


class TestHostileOrigins(HostileCase):
    """URLs and echoes a hostile API may send (issue 11; in depth:
    test_token_origin.py, test_redaction.py)."""

    def test_asset_and_archive_urls_pointing_elsewhere_get_no_request(self):
        foreign = Foreign()
        self.addCleanup(foreign.stop)
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=2000)
        doc = json.loads(json.dumps(self.gh.release_json(r)))
        doc["assets"][0]["url"] = foreign.url + "/a.bin"
        doc["tarball_url"] = "http://localhost:%d/tarball" % int(foreign.url.rsplit(":", 1)[1])
        for path, body in ((r"/releases/%d$" % r.id, doc),
                           (r"/releases/%d/assets$" % r.id, doc["assets"])):
            self.gh.add_fault(path_regex=path, action="status", code=200, body=body,
                              times=None)
        dest = self.mkdir("dest")
        self.get_ok(self.version(r), {"include_source_tarball": True}, dest=dest)
        self.assertEqual(sha256_file(os.path.join(dest, "a.bin")), a.sha256)
        self.assertEqual(foreign.log, [])

    def test_error_echoing_the_token_after_padding(self):
        """The 1024-byte cut of the message falls inside the token for some
        of these paddings."""
        self.rel("v1.0.0")
        token = self.source()["access_token"]
        for pad in range(900, 960, 4):
            self.gh.clear_faults()
            self.gh.add_fault(path_regex=r"/releases$", action="status", code=401, times=None,
                              body={"message": "z" * pad + token})
            res = self.check(env={"TMPDIR": self.mkdir("p%d" % pad)})
            self.assertNotEqual(res.rc, 0, res)
            for i in range(len(token) - 7):
                self.assertNotIn(token[i:i + 8], res.stderr)


class TestReservedNames(OutCase):
    """Names an asset (or a planted file) can take that must not reach the
    resource's own files: temporary files of `in`, latest.json of `out`."""

    def test_planted_temp_dir_link_is_not_followed(self):
        outside = self.mkdir("outside")
        with open(os.path.join(outside, "precious"), "w") as fp:
            fp.write("precious")
        dest = self.mkdir("dest")
        os.symlink(outside, os.path.join(dest, ".grm-tmp-2147483646-abcdef"))  # a dead pid's
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=5000)
        self.get_ok(self.version(r), dest=dest)
        self.assertEqual(os.listdir(outside), ["precious"])
        self.assertEqual(read_text(os.path.join(outside, "precious")), "precious")
        self.assertFalse(os.path.lexists(os.path.join(dest, ".grm-tmp-2147483646-abcdef")))
        self.assertEqual(sha256_file(os.path.join(dest, "a.bin")), a.sha256)

    def test_malformed_digest_is_refused(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=100, digest="sha256:" + "0" * 63 + "\n")
        res = self.get(self.version(r), dest=self.mkdir("dest"))
        self.assertFailsClearly(res, '"a.bin"', "malformed digest")
        self.assertNotIn("\n", res.errors[0])

    def test_asset_named_latest_json_is_refused_by_out(self):
        src = self.src(self.mirror(key_template="{owner}/{repository}/{asset}"))
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "latest.json", content=b'{"tag": "v9.9.9"}')
        name, _ = self.fetch(r, src)
        res = self.out(name, src)
        self.assertOneError(res, '"latest.json"', "key_template")
        self.assertEqual(self.proxy.requests(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
