#!/usr/bin/env python3
"""test_fake_github.py - self-test of test/fakes/fake_github.py, the fake
GitHub the black-box suites run check and in against. Speaks raw HTTP with
http.client so every redirect, header and byte is visible."""

import gzip
import hashlib
import http.client
import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest
import zipfile
from urllib.parse import urlsplit

FAKES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes")
sys.path.insert(0, FAKES)
from fake_github import FakeGitHub  # noqa: E402

TOKEN = "ghp_testtoken"
GH_JSON = "application/vnd.github+json"
LINK_RE = re.compile(r'<([^>]+)>; rel="(\w+)"')


def fetch(url, headers=None, method="GET", conn=None):
    """One request; returns (status, headers, body). Header value None drops
    the default (User-Agent, Accept)."""
    u = urlsplit(url)
    c = conn or http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    hdrs = {"User-Agent": "fake-selftest/1", "Accept": GH_JSON}
    hdrs.update(headers or {})
    c.request(method, u.path + ("?" + u.query if u.query else ""),
              headers={k: v for k, v in hdrs.items() if v is not None})
    r = c.getresponse()
    body = r.read()
    if conn is None:
        c.close()
    return r.status, r.headers, body


def links(headers):
    return {rel: url for url, rel in LINK_RE.findall(headers.get("Link") or "")}


def auth(token=TOKEN, scheme="Bearer"):
    return {"Authorization": "%s %s" % (scheme, token)}


class FakeCase(unittest.TestCase):
    token = TOKEN

    def setUp(self):
        self.gh = FakeGitHub(token=self.token).start()

    def tearDown(self):
        self.gh.stop()

    def api(self, path, headers=None, **kw):
        return fetch(self.gh.api_url + path, headers, **kw)

    def api_json(self, path, headers=None):
        status, hdrs, body = self.api(path, headers)
        self.assertEqual(status, 200, body)
        return json.loads(body), hdrs


class TestPagination(FakeCase):
    def test_pages_link_and_order(self):
        for i in range(65):
            self.gh.add_release("o", "r", "v%d" % i)
        page1, hdrs = self.api_json("/repos/o/r/releases", auth())
        self.assertEqual([r["tag_name"] for r in page1], ["v%d" % i for i in range(64, 34, -1)])
        repo_id = self.gh.add_repo("o", "r")
        base = "%s/repositories/%d/releases" % (self.gh.api_url, repo_id)
        self.assertEqual(hdrs["Link"], '<%s?page=2>; rel="next", <%s?page=3>; rel="last"'
                         % (base, base))
        tags, url = [], self.gh.api_url + "/repos/o/r/releases?per_page=30"
        while url:                          # follow Link verbatim
            status, h, body = fetch(url, auth())
            self.assertEqual(status, 200)
            tags += [r["tag_name"] for r in json.loads(body)]
            last_links, url = links(h), links(h).get("next")
        self.assertEqual(tags, ["v%d" % i for i in range(64, -1, -1)])
        self.assertEqual(set(last_links), {"prev", "first"})
        self.assertIn("per_page=30&page=2", last_links["prev"])

    def test_per_page_capped_at_100_and_created_at_order(self):
        for i in range(120):
            self.gh.add_release("o", "r", "v%d" % i)
        old = self.gh.add_release("o", "r", "old", created_at="2000-01-01T00:00:00Z")
        page, _ = self.api_json("/repos/o/r/releases?per_page=500")
        self.assertEqual(len(page), 100)
        page, _ = self.api_json("/repos/o/r/releases?per_page=100&page=2")
        self.assertEqual(page[-1]["id"], old.id)

    def test_repos_link_style(self):
        self.gh.stop()
        self.gh = FakeGitHub(link_style="repos").start()
        for i in range(3):
            self.gh.add_release("o", "r", "v%d" % i)
        _, hdrs = self.api_json("/repos/o/r/releases?per_page=1")
        self.assertEqual(links(hdrs)["next"],
                         self.gh.api_url + "/repos/o/r/releases?per_page=1&page=2")

    def test_thousand_result_cap(self):
        for i in range(1005):
            self.gh.add_release("o", "r", "v%d" % i)
        page10, hdrs = self.api_json("/repos/o/r/releases?per_page=100&page=10")
        self.assertEqual(len(page10), 100)
        self.assertTrue(links(hdrs)["last"].endswith("page=11"))
        status, _, body = fetch(links(hdrs)["next"])
        self.assertEqual(status, 422)
        self.assertEqual(json.loads(body)["message"], "Only the first 1000 results are available.")

    def test_asset_list_paginated(self):
        rel = self.gh.add_release("o", "r", "v1")
        for i in range(35):
            self.gh.add_asset(rel, "a%02d" % i, size=10)
        page, hdrs = self.api_json("/repos/o/r/releases/%d/assets" % rel.id)
        self.assertEqual([a["name"] for a in page], ["a%02d" % i for i in range(30)])
        status, _, body = fetch(links(hdrs)["next"])
        self.assertEqual([a["name"] for a in json.loads(body)], ["a%02d" % i for i in range(30, 35)])
        lst, _ = self.api_json("/repos/o/r/releases")
        self.assertEqual(len(lst[0]["assets"]), 35)


class TestConditionalAndRateLimit(FakeCase):
    def test_etag_304_not_counted(self):
        self.gh.add_release("o", "r", "v1")
        _, hdrs, body = self.api("/repos/o/r/releases")
        etag = hdrs["ETag"]
        self.assertEqual(etag, '"%s"' % hashlib.sha1(body).hexdigest())
        before = self.gh.rate_limit["remaining"]
        for inm in (etag, "W/" + etag, '"other", ' + etag):
            status, h304, body = self.api("/repos/o/r/releases", {"If-None-Match": inm})
            self.assertEqual((status, body), (304, b""))
            self.assertEqual(h304["x-ratelimit-remaining"], str(before))
        self.assertEqual(self.gh.rate_limit["remaining"], before)
        self.assertFalse(self.gh.log[-1]["counted"])
        self.gh.add_release("o", "r", "v2")
        status, _, _ = self.api("/repos/o/r/releases", {"If-None-Match": etag})
        self.assertEqual(status, 200)
        self.assertTrue(self.gh.log[-1]["counted"])
        self.assertEqual(self.gh.rate_limit["remaining"], before - 1)

    def test_headers_exhaustion_and_refill(self):
        self.gh.add_release("o", "r", "v1")
        _, h, _ = self.api("/repos/o/r/releases/latest")
        self.assertEqual((h["x-ratelimit-limit"], h["x-ratelimit-remaining"],
                          h["x-ratelimit-used"], h["x-ratelimit-resource"]),
                         ("5000", "4999", "1", "core"))
        self.gh.rate_limit = {"limit": 60, "remaining": 1, "reset": int(time.time()) + 100}
        self.assertEqual(self.api("/repos/o/r/releases/latest")[0], 200)
        status, h, body = self.api("/repos/o/r/releases/latest")
        self.assertEqual((status, h["x-ratelimit-remaining"]), (403, "0"))
        self.assertIn("rate limit exceeded", json.loads(body)["message"])
        self.assertEqual(int(h["x-ratelimit-reset"]), self.gh.rate_limit["reset"])
        self.gh.rate_limit["reset"] = int(time.time()) - 1      # window over
        status, h, _ = self.api("/repos/o/r/releases/latest")
        self.assertEqual((status, h["x-ratelimit-remaining"]), (200, "59"))


class TestVisibility(FakeCase):
    def setUp(self):
        super().setUp()
        self.pub = self.gh.add_release("o", "r", "v1")
        self.pre = self.gh.add_release("o", "r", "v2-rc1", prerelease=True)
        self.draft = self.gh.add_release("o", "r", "v3", draft=True)
        self.dasset = self.gh.add_asset(self.draft, "d.bin", size=10)

    def tags(self, headers=None):
        return [r["tag_name"] for r in self.api_json("/repos/o/r/releases", headers)[0]]

    def test_drafts_only_with_token(self):
        self.assertEqual(self.tags(), ["v2-rc1", "v1"])
        self.assertEqual(self.tags(auth()), ["v3", "v2-rc1", "v1"])
        self.assertEqual(self.tags(auth(scheme="token")), ["v3", "v2-rc1", "v1"])
        status, _, body = self.api("/repos/o/r/releases", auth("nope"))
        self.assertEqual((status, json.loads(body)["message"]), (401, "Bad credentials"))
        self.assertTrue(self.gh.log[-2]["authorized"])

    def test_draft_by_id_tag_and_asset(self):
        path = "/repos/o/r/releases/%d" % self.draft.id
        self.assertEqual(self.api(path)[0], 404)
        self.assertEqual(self.api_json(path, auth())[0]["draft"], True)
        self.assertEqual(self.api("/repos/o/r/releases/tags/v3", auth())[0], 404)
        self.assertEqual(self.api_json("/repos/o/r/releases/tags/v1")[0]["id"], self.pub.id)
        apath = "/repos/o/r/releases/assets/%d" % self.dasset.id
        self.assertEqual(self.api(apath)[0], 404)
        self.assertEqual(self.api(apath, auth())[0], 200)

    def test_latest_skips_prerelease_and_draft(self):
        self.assertEqual(self.api_json("/repos/o/r/releases/latest")[0]["tag_name"], "v1")

    def test_no_token_configured_sees_drafts(self):
        self.gh.stop()
        self.gh = FakeGitHub().start()
        self.gh.add_release("o", "r", "v1", draft=True)
        self.assertEqual(len(self.api_json("/repos/o/r/releases")[0]), 1)

    def test_errors_and_case_insensitive_repo(self):
        self.assertEqual(self.api_json("/repos/O/R/releases/tags/v1")[0]["id"], self.pub.id)
        for path in ("/repos/o/missing/releases", "/repos/o/r/nothing", "/rate_limit_x",
                     "/repos/o/r/releases/tags/v9", "/repos/o/r/releases/999"):
            status, h, body = self.api(path)
            self.assertEqual((status, json.loads(body)["message"]), (404, "Not Found"), path)
            self.assertIn("x-ratelimit-remaining", h)
        status, _, body = self.api("/repos/o/r/releases", {"User-Agent": None})
        self.assertEqual(status, 403)
        self.assertIn(b"User-Agent", body)
        status, _, _ = self.api("/repos/o/r/releases", {"X-GitHub-Api-Version": "1999-01-01"})
        self.assertEqual(status, 400)
        self.api("/repos/o/r/releases", {"X-GitHub-Api-Version": "2022-11-28"})
        self.assertEqual(self.gh.log[-1]["headers"]["X-GitHub-Api-Version"], "2022-11-28")
        self.assertEqual(self.gh.log[-1]["headers"]["accept"], GH_JSON)

    def test_release_json_shape(self):
        a = self.gh.add_asset(self.pub, "x_linux_amd64.tar.gz", size=10,
                              content_type="application/gzip")
        rel, _ = self.api_json("/repos/o/r/releases/%d" % self.pub.id)
        api = self.gh.api_url
        self.assertEqual(rel["tarball_url"], api + "/repos/o/r/tarball/v1")
        self.assertEqual(rel["html_url"], "https://github.com/o/r/releases/tag/v1")
        self.assertEqual(rel["published_at"], rel["created_at"])
        for key in ("url", "assets_url", "upload_url", "zipball_url", "node_id", "author",
                    "target_commitish", "name", "body", "prerelease"):
            self.assertIn(key, rel)
        aj = rel["assets"][0]
        self.assertEqual(aj["url"], "%s/repos/o/r/releases/assets/%d" % (api, a.id))
        self.assertEqual(aj["browser_download_url"],
                         self.gh.asset_url + "/o/r/releases/download/v1/x_linux_amd64.tar.gz")
        self.assertEqual((aj["size"], aj["state"], aj["content_type"], aj["digest"]),
                         (10, "uploaded", "application/gzip", "sha256:" + a.sha256))
        self.assertIsNone(self.api_json("/repos/o/r/releases/%d" % self.draft.id,
                                        auth())[0]["published_at"])


class TestAssets(FakeCase):
    def setUp(self):
        super().setUp()
        self.rel = self.gh.add_release("o", "r", "v1.2.3")
        self.asset = self.gh.add_asset(self.rel, "x linux.tar.gz", size=5000)

    def location(self):
        status, h, body = self.api("/repos/o/r/releases/assets/%d" % self.asset.id,
                                   dict(auth(), Accept="application/octet-stream"))
        self.assertEqual((status, body), (302, b""))
        return h["Location"]

    def test_redirect_to_other_origin_and_download(self):
        loc = self.location()
        self.assertTrue(loc.startswith(self.gh.asset_url + "/download/%d/" % self.asset.id))
        self.assertNotEqual(urlsplit(loc).port, urlsplit(self.gh.api_url).port)
        status, h, body = fetch(loc)
        self.assertEqual((status, h["Content-Type"], int(h["Content-Length"])),
                         (200, "application/octet-stream", 5000))
        self.assertEqual(hashlib.sha256(body).hexdigest(), self.asset.sha256)
        self.assertEqual(body, self.asset.data())
        aj, _ = self.api_json("/repos/o/r/releases/assets/%d" % self.asset.id)
        self.assertEqual(aj["digest"], "sha256:" + self.asset.sha256)

    def test_authorization_rejected_by_asset_host(self):
        status, _, body = fetch(self.location(), auth())
        self.assertEqual(status, 400)
        self.assertIn(b"InvalidArgument", body)
        entry = self.gh.log[-1]
        self.assertEqual((entry["listener"], entry["authorization_rejected"]), ("asset", True))
        self.assertEqual(fetch(self.location().replace("sig=", "sig=x"))[0], 403)

    def test_browser_download_url(self):
        aj, _ = self.api_json("/repos/o/r/releases/assets/%d" % self.asset.id)
        status, h, _ = fetch(aj["browser_download_url"])
        self.assertEqual(status, 302)
        self.assertEqual(fetch(h["Location"])[2], self.asset.data())

    def test_range(self):
        loc, data = self.location(), self.asset.data()
        for rng, start, end in (("bytes=100-", 100, 5000), ("bytes=10-19", 10, 20),
                                ("bytes=-5", 4995, 5000), ("bytes=4990-9999", 4990, 5000)):
            status, h, body = fetch(loc, {"Range": rng})
            self.assertEqual(status, 206, rng)
            self.assertEqual(h["Content-Range"], "bytes %d-%d/5000" % (start, end - 1))
            self.assertEqual(body, data[start:end])
        for rng in ("bytes=5000-", "bytes=5000-5001"):
            status, h, _ = fetch(loc, {"Range": rng})
            self.assertEqual((status, h["Content-Range"]), (416, "bytes */5000"))
        self.assertEqual(fetch(loc, {"Range": "bytes=9-3"})[0], 200)

    def test_digest_variants_and_explicit_content(self):
        none = self.gh.add_asset(self.rel, "n", size=1, digest=False)
        null = self.gh.add_asset(self.rel, "z", size=1, digest=None)
        bad = self.gh.add_asset(self.rel, "b", content=b"hello", digest="sha256:" + "0" * 64)
        by_id = {a["id"]: a for a in self.api_json("/repos/o/r/releases/tags/v1.2.3")[0]["assets"]}
        self.assertNotIn("digest", by_id[none.id])
        self.assertIsNone(by_id[null.id]["digest"])
        self.assertEqual(by_id[bad.id]["digest"], "sha256:" + "0" * 64)
        self.assertEqual((by_id[bad.id]["size"], bad.sha256),
                         (5, hashlib.sha256(b"hello").hexdigest()))
        self.assertEqual(fetch(self.gh.signed_url(bad))[2], b"hello")

    def test_deterministic_content(self):
        other = FakeGitHub().start()
        try:
            rel = other.add_release("x", "y", "t")
            twin = other.add_asset(rel, "q", size=5000)
        finally:
            other.stop()
        self.assertEqual(twin.id, self.asset.id)
        self.assertEqual(twin.sha256, self.asset.sha256)
        self.assertEqual(len(set(self.asset.data())), 256)      # looks random
        bigger = self.gh.add_asset(self.rel, "big", size=200000)
        self.assertNotEqual(bigger.data()[:5000], self.asset.data())

    def test_large_asset_streams_in_constant_memory(self):
        script = r"""
import hashlib, http.client, json, resource, sys
sys.path.insert(0, sys.argv[1])
import fake_github
gh = fake_github.FakeGitHub().start()
a = gh.add_asset(gh.add_release("o", "r", "v1"), "big.bin", size=64 << 20)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
u = gh.signed_url(a)[len(gh.asset_url):]
c = http.client.HTTPConnection("127.0.0.1", int(gh.asset_url.rsplit(":", 1)[1]), timeout=30)
c.request("GET", u)
r = c.getresponse()
h, n = hashlib.sha256(), 0
while True:
    b = r.read(1 << 20)
    if not b:
        break
    h.update(b)
    n += len(b)
print(json.dumps({"n": n, "got": h.hexdigest(), "want": a.sha256,
                  "grow_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base}))
gh.stop()
"""
        out = subprocess.run([sys.executable, "-c", script, FAKES], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        res = json.loads(out.stdout)
        self.assertEqual(res["n"], 64 << 20)
        self.assertEqual(res["got"], res["want"])
        self.assertLess(res["grow_kib"], 24 * 1024)


class TestFaults(FakeCase):
    def setUp(self):
        super().setUp()
        self.rel = self.gh.add_release("o", "r", "v1")
        self.asset = self.gh.add_asset(self.rel, "a.bin", size=300000)
        self.url = self.gh.signed_url(self.asset)

    def assert_then_normal(self, fault, path="/repos/o/r/releases"):
        self.assertEqual(fault.hits, 1)
        self.assertEqual(self.api(path)[0], 200)
        self.assertEqual(fault.hits, 1)

    def test_status_with_headers(self):
        for code in (500, 502, 503, 429):
            f = self.gh.add_fault(path_regex=r"/releases$", action="status", code=code,
                                  headers={"retry-after": "1"})
            status, h, _ = self.api("/repos/o/r/releases")
            self.assertEqual((status, h["retry-after"]), (code, "1"))
            self.assertFalse(self.gh.log[-1]["counted"])
            self.assert_then_normal(f)

    def test_rate_limited(self):
        f = self.gh.add_fault(action="rate_limited", reset_in=30)
        status, h, body = self.api("/repos/o/r/releases")
        self.assertEqual((status, h["x-ratelimit-remaining"]), (403, "0"))
        self.assertAlmostEqual(int(h["x-ratelimit-reset"]), time.time() + 30, delta=2)
        self.assertIn("API rate limit exceeded", json.loads(body)["message"])
        self.assert_then_normal(f)

    def test_reset_mid_body(self):
        f = self.gh.add_fault(listener="asset", action="reset_mid_body", fraction=0.25)
        with self.assertRaises((http.client.IncompleteRead, ConnectionError)):
            fetch(self.url)
        self.assertEqual(self.gh.log[-1]["bytes_sent"], 75000)
        self.assertEqual(f.hits, 1)
        self.assertEqual(fetch(self.url)[2], self.asset.data())

    def test_corrupt_byte(self):
        f = self.gh.add_fault(listener="asset", action="corrupt_byte", offset=70000)
        status, _, body = fetch(self.url)
        good = self.asset.data()
        self.assertEqual((status, len(body)), (200, len(good)))
        self.assertEqual([i for i in range(len(good)) if body[i] != good[i]], [70000])
        self.assertEqual(fetch(self.url)[2], good)
        self.assertEqual(f.hits, 1)

    def test_stall(self):
        self.gh.add_fault(listener="asset", action="stall", seconds=0.5)
        t0 = time.monotonic()
        self.assertEqual(fetch(self.url)[2], self.asset.data())
        self.assertGreaterEqual(time.monotonic() - t0, 0.5)
        self.gh.add_fault(listener="asset", action="stall", seconds=0.1, then="close")
        with self.assertRaises(http.client.IncompleteRead):
            fetch(self.url)

    def test_invalid_json_and_wrong_shape(self):
        f = self.gh.add_fault(action="invalid_json")
        status, _, body = self.api("/repos/o/r/releases")
        self.assertEqual((status, body), (200, b"{not json"))
        self.assert_then_normal(f)
        f = self.gh.add_fault(action="wrong_shape")
        lst, _ = self.api_json("/repos/o/r/releases")
        self.assertIsInstance(lst[0]["assets"], str)
        self.assert_then_normal(f)

    def test_refuse_and_close(self):
        for action in ("refuse", "close"):
            f = self.gh.add_fault(action=action)
            with self.assertRaises(ConnectionError):   # RemoteDisconnected is one
                self.api("/repos/o/r/releases")
            self.assertIsNone(self.gh.log[-1]["status"])
            self.assert_then_normal(f)

    def test_query_regex_and_times(self):
        for i in range(5):
            self.gh.add_release("o", "r", "p%d" % i)
        f = self.gh.add_fault(action="status", code=502, query_regex=r"(^|&)page=2", times=2)
        self.assertEqual(self.api("/repos/o/r/releases?per_page=2")[0], 200)
        self.assertEqual(self.api("/repos/o/r/releases?per_page=2&page=2")[0], 502)
        self.assertEqual(self.api("/repos/o/r/releases?per_page=2&page=2")[0], 502)
        self.assertEqual(self.api("/repos/o/r/releases?per_page=2&page=2")[0], 200)
        self.assertEqual((f.hits, f.remaining), (2, 0))

    def test_keep_alive(self):
        c = http.client.HTTPConnection("127.0.0.1", urlsplit(self.gh.api_url).port, timeout=10)
        status, h, _ = fetch(self.gh.api_url + "/repos/o/r/releases", conn=c)
        sock = c.sock
        for extra in ({"If-None-Match": h["ETag"]}, {"Accept": "application/octet-stream"}, {}):
            path = ("/repos/o/r/releases" if "Accept" not in extra
                    else "/repos/o/r/releases/assets/%d" % self.asset.id)
            status, _, _ = fetch(self.gh.api_url + path, extra, conn=c)
            self.assertIn(status, (200, 302, 304))
            self.assertIs(c.sock, sock)
        c.close()


class TestGitAndArchives(FakeCase):
    def test_annotated_and_lightweight_tags(self):
        ann = self.gh.add_release("o", "r", "v1", annotated=True)
        light = self.gh.add_release("o", "r", "v2", commit_sha="ab" * 20)
        ref, _ = self.api_json("/repos/o/r/git/ref/tags/v1")
        self.assertEqual((ref["ref"], ref["object"]["type"], ref["object"]["sha"]),
                         ("refs/tags/v1", "tag", ann.tag_sha))
        tag, _ = self.api_json("/repos/o/r/git/tags/" + ann.tag_sha)
        self.assertEqual((tag["tag"], tag["object"]["type"], tag["object"]["sha"]),
                         ("v1", "commit", ann.commit_sha))
        self.assertNotEqual(ann.tag_sha, ann.commit_sha)
        ref, _ = self.api_json("/repos/o/r/git/ref/tags/v2")
        self.assertEqual(ref["object"], {"type": "commit", "sha": "ab" * 20,
                                         "url": self.gh.api_url + "/repos/o/r/git/commits/" + "ab" * 20})
        self.assertEqual(light.tag_sha, None)
        self.assertEqual(self.api("/repos/o/r/git/ref/tags/v9")[0], 404)
        self.gh.delete_release(ann)                  # the tag outlives the release
        self.assertEqual(self.api("/repos/o/r/releases/tags/v1")[0], 404)
        self.assertEqual(self.api("/repos/o/r/git/ref/tags/v1")[0], 200)

    def test_tarball_and_zipball(self):
        self.gh.add_release("o", "r", "v1")
        for kind in ("tarball", "zipball"):
            status, h, _ = self.api("/repos/o/r/%s/v1" % kind, auth())
            self.assertEqual(status, 302)
            self.assertTrue(h["Location"].startswith(self.gh.asset_url + "/archive/o/r/v1."))
            status, h, body = fetch(h["Location"], auth())
            self.assertEqual(status, 200)
            self.assertEqual(body, self.gh.archive_bytes("o", "r", "v1", kind))
            self.assertEqual(int(h["Content-Length"]), len(body))
        tar = tarfile.open(fileobj=io.BytesIO(gzip.decompress(
            self.gh.archive_bytes("o", "r", "v1", "tarball"))))
        self.assertTrue(any(n.endswith("/VERSION") for n in tar.getnames()))
        z = zipfile.ZipFile(io.BytesIO(self.gh.archive_bytes("o", "r", "v1", "zip")))
        self.assertTrue(any(n.endswith("/README.md") for n in z.namelist()))
        self.assertEqual(self.api("/repos/o/r/tarball/nope")[0], 404)


class TestStandalone(unittest.TestCase):
    def test_config_ready_file_log_and_sigterm(self):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = {"token": TOKEN, "owner": "o", "repo": "r", "releases": [
                {"tag": "v1", "assets": [{"name": "a.txt", "content": "hi\n"}]},
                {"tag": "v2", "draft": True, "assets": [{"name": "b", "size": 7, "digest": False}]}]}
            paths = {k: os.path.join(tmp, k) for k in ("cfg.json", "ready.json", "log.jsonl")}
            with open(paths["cfg.json"], "w") as fp:
                json.dump(cfg, fp)
            proc = subprocess.Popen([sys.executable, os.path.join(FAKES, "fake_github.py"),
                                     "--config", paths["cfg.json"], "--ready-file",
                                     paths["ready.json"], "--log", paths["log.jsonl"]])
            try:
                deadline = time.monotonic() + 10
                while not os.path.exists(paths["ready.json"]):
                    self.assertLess(time.monotonic(), deadline, "fake never became ready")
                    time.sleep(0.02)
                with open(paths["ready.json"]) as fp:
                    urls = json.load(fp)
                status, _, body = fetch(urls["api_url"] + "/repos/o/r/releases", auth())
                rels = json.loads(body)
                self.assertEqual([r["tag_name"] for r in rels], ["v2", "v1"])
                self.assertTrue(rels[1]["assets"][0]["browser_download_url"]
                                .startswith(urls["asset_url"]))
            finally:
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=10), 0)
            with open(paths["log.jsonl"]) as fp:
                entry = json.loads(fp.readline())
            self.assertEqual((entry["path"], entry["status"], entry["authorized"]),
                             ("/repos/o/r/releases", 200, True))
            self.assertNotIn(TOKEN, entry["headers"]["authorization"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
