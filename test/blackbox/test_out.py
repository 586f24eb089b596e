#!/usr/bin/python3
"""test_out.py - black-box tests of the out executable: a release fetched by
the real `in` from the fake GitHub (test/fakes/fake_github.py) is mirrored to
Ceph's RADOS Gateway (test/s3) through the fault-injecting proxy
(test/s3/fault_proxy.py), and read back with AWS's own client (/usr/bin/aws).

Covers single and multipart uploads (parts in flight at once), path-style and
virtual-host addressing, key encoding, skip-unchanged, force, keep_versions,
latest.json ordering, release.json and SHA256SUMS in the bucket, key_template,
manifest-key collisions, a wrong secret, injected faults (retried and
unresolved, incl. CompleteMultipartUpload's "200 with <Error>"), bad input,
secrets in the output, the sha256 checksum header, and the response.

Run: GRM_BIN_DIR=<build dir> /usr/bin/python3 test_out.py. Uses the RGW that
S3_ENDPOINT (or RGW_DIR) names, else starts one for this process."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import unittest
from urllib.parse import parse_qs, quote, unquote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
import fault_proxy  # noqa: E402
import s3env  # noqa: E402
from bbutil import (OWNER, REPO, TOKEN, GitHubCase, binary, max_overlap,  # noqa: E402
                    read_text)
from oututil import S3Reader  # noqa: E402

# The proxy logs only a selection of headers; these tests also look at these.
fault_proxy.LOGGED_HEADERS = tuple(fault_proxy.LOGGED_HEADERS) + (
    "x-amz-checksum-sha256", "x-amz-meta-sha256", "x-amz-security-token",
    "x-amz-storage-class")

MIB = 1024 * 1024
PART = 5 * MIB
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKEN0123456789"
# Names whose keys need percent-encoding, and a literal "%41" that must not
# turn into "A".
ODD_NAMES = ("a b.txt", "c+d.txt", "100%.txt", "%41.bin", "ünï€ode ✓.bin",
             "x=y&z;$@,!'().txt", "tilde~star*.bin")


class Proxy(fault_proxy.FaultProxy):
    """FaultProxy whose log entries also say when the request ended."""

    def _record(self, entry):
        entry["end"] = time.time()
        super()._record(entry)


def metadata(resp):
    return {m["name"]: m["value"] for m in resp["metadata"]}


def query(entry):
    return {k: v[0] for k, v in parse_qs(entry["query"], keep_blank_values=True).items()}


def exact_path(bucket, key):
    """The request path of key in path style, encoded once as SigV4 wants."""
    return "/%s/%s" % (bucket, quote(key))


class OutCase(GitHubCase):
    """A fake GitHub, a fresh bucket and a logging proxy in front of RGW per
    test; SOURCES is self.sources."""

    _buckets = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.access(binary("out"), os.X_OK):
            raise AssertionError("no executable %s (set GRM_BIN_DIR)" % binary("out"))
        cls.s3 = s3env.ensure()
        cls.s3r = S3Reader(cls.s3)
        cls._buckets = []

    @classmethod
    def tearDownClass(cls):
        for b in cls._buckets:  # an RGW shared by the suite outlives us
            try:
                cls.s3r.delete_bucket(b)
            except Exception as e:  # noqa: BLE001 - best effort
                print("cannot delete bucket %s: %s" % (b, e), file=sys.stderr)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.sources = self.mkdir("sources")
        self.proxy = Proxy(self.s3["endpoint"]).start()
        self.addCleanup(self.proxy.stop)
        self.bucket = self.new_bucket()

    def new_bucket(self):
        b = self.s3r.make_bucket("grm-out")
        self._buckets.append(b)
        return b

    # ---- requests ----

    def mirror(self, **kw):
        """source.mirror for RGW through the proxy; a None value drops a field."""
        m = {"bucket": self.bucket, "endpoint": self.proxy.endpoint,
             "access_key_id": self.s3["access_key"],
             "secret_access_key": self.s3["secret_key"], "region": self.s3["region"],
             "part_size": PART}
        m.update(kw)
        return {k: v for k, v in m.items() if v is not None}

    def src(self, mirror=None, **kw):
        return self.source(mirror=mirror if mirror is not None else self.mirror(), **kw)

    def fetch(self, rel, source=None, params=None, name=None):
        """`in` of rel into SOURCES/<name> (default the tag) with the same
        source the put uses; returns (name, the version `in` printed)."""
        name = name or rel.tag
        got = self.get_ok(self.version(rel), params, source or self.src(),
                          dest=self.mkdir(os.path.join("sources", name)))
        return name, got["version"]

    def fetch_small_and_big(self):
        """Release v2.0.0 with small.txt (one PUT) and big.bin (multipart, 3
        parts) fetched into SOURCES: sets self.small, self.big, self.name,
        self.want_version and the keys self.ks, self.kb, self.kr (its
        release.json) and self.latest_key."""
        r = self.rel("v2.0.0")
        self.small = self.gh.add_asset(r, "small.txt", size=1500)
        self.big = self.gh.add_asset(r, "big.bin", size=2 * PART + 12345)
        self.name, self.want_version = self.fetch(r)
        pre = "%s/%s/v2.0.0/" % (OWNER, REPO)
        self.ks, self.kb, self.kr = pre + "small.txt", pre + "big.bin", pre + "release.json"
        self.latest_key = "%s/%s/latest.json" % (OWNER, REPO)

    def out(self, from_, source=None, params=None, **kw):
        req = {"source": source or self.src(), "params": dict(params or {}, **{"from": from_})}
        res = self.run_cmd("out", req, [self.sources], **kw)
        for secret in (self.s3["secret_key"], SESSION_TOKEN):
            self.assertNotIn(secret, res.stdout + res.stderr, "secret leaked")
        return res

    def out_ok(self, from_, source=None, params=None, **kw):
        res = self.out(from_, source, params, **kw)
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(res.errors, [], res)
        return res.json

    # ---- the bucket, read with AWS's client (oututil.S3Reader, or /usr/bin/aws) ----

    def keys(self, bucket=None, prefix=""):
        return self.s3r.keys(bucket or self.bucket, prefix)

    def download(self, bucket=None, prefix="", cli=False):
        """Every object under prefix, written below a new directory at its
        key minus prefix; cli: copied by /usr/bin/aws itself."""
        d = self.mkdir("dl-%d" % len(os.listdir(self.scratch)))
        bucket = bucket or self.bucket
        if cli:
            s3env.aws("s3", "cp", "--recursive", "--no-progress",
                      "s3://%s/%s" % (bucket, prefix), d, check=True)
            return d
        for key in self.s3r.keys(bucket, prefix):
            path = os.path.join(d, key[len(prefix):])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fp:
                fp.write(self.s3r.get(bucket, key))
        return d

    def obj(self, key, bucket=None):
        return self.s3r.get(bucket or self.bucket, key)

    def get_json(self, key, bucket=None):
        return json.loads(self.obj(key, bucket))

    def assertNoUploads(self, bucket=None):
        self.assertEqual(self.s3r.uploads(bucket or self.bucket), [])

    def assertSameObjects(self, keys_to_assets, bucket=None, prefix="", cli=False):
        """Each key's object has the asset's bytes (their sha256s)."""
        d = self.download(bucket, prefix, cli)
        for key, asset in keys_to_assets.items():
            path = os.path.join(d, key[len(prefix):])
            self.assertTrue(os.path.isfile(path), "%s not downloaded" % key)
            self.assertEqual(s3env.sha256(path), asset.sha256, key)
        return d

    # ---- the proxy's log ----

    def log(self, method=None, key=None, bucket=None):
        """Requests (of key, path style, when given) in the proxy's log."""
        want = key is not None and "/%s/%s" % (bucket or self.bucket, key)
        return [e for e in self.proxy.requests(method=method)
                if not want or unquote(e["path"]) == want]

    def writes(self, key):
        """PUTs and POSTs of key."""
        return [e for e in self.log(key=key) if e["method"] in ("PUT", "POST")]

    def parts(self, key):
        return [e for e in self.log("PUT", key) if "partNumber" in query(e)]


class TestUpload(OutCase):
    def test_single_put_and_multipart_with_parts_in_flight(self):
        r = self.rel("v1.2.3")
        small = self.gh.add_asset(r, "tool.tar.gz", size=1000, content_type="application/gzip")
        big = self.gh.add_asset(r, "big.bin", size=23 * MIB)
        name, version = self.fetch(r)
        # Hold every part a moment so that parts in flight overlap visibly.
        self.proxy.add_fault("delay", method="PUT", query="partNumber=", times=None, delay=0.3)
        got = self.out_ok(name, self.src(self.mirror(concurrency=4)))
        pre = "%s/%s/v1.2.3/" % (OWNER, REPO)

        self.assertEqual(got["version"], version)
        self.assertEqual(got["metadata"], [
            {"name": "bucket", "value": self.bucket}, {"name": "prefix", "value": pre},
            {"name": "uploaded", "value": "2"}, {"name": "skipped", "value": "0"},
            {"name": "bytes_uploaded", "value": str(1000 + 23 * MIB)}])
        self.assertEqual(self.keys(), sorted([pre + "tool.tar.gz", pre + "big.bin",
                                              pre + "release.json", pre + "SHA256SUMS",
                                              "%s/%s/latest.json" % (OWNER, REPO)]))
        self.assertSameObjects({pre + "tool.tar.gz": small, pre + "big.bin": big}, cli=True)
        self.assertNoUploads()

        # The small one: one PUT, no multipart; Content-Type from GitHub.
        w = self.writes(pre + "tool.tar.gz")
        self.assertEqual([(e["method"], e["query"], e["body_bytes"]) for e in w],
                         [("PUT", "", 1000)])
        head = self.s3r.head(self.bucket, pre + "tool.tar.gz")
        self.assertEqual(head["ContentType"], "application/gzip")
        self.assertEqual(head["Metadata"], {"sha256": small.sha256})

        # The big one: Create, 5 parts of 5 MiB (the last 3 MiB), Complete.
        w = self.writes(pre + "big.bin")
        self.assertEqual(w[0]["method"] + " " + w[0]["query"], "POST uploads")
        self.assertEqual((w[-1]["method"], sorted(query(w[-1]))), ("POST", ["uploadId"]))
        parts = self.parts(pre + "big.bin")
        self.assertEqual(sorted(int(query(e)["partNumber"]) for e in parts), [1, 2, 3, 4, 5])
        self.assertEqual(sorted(e["body_bytes"] for e in parts), [3 * MIB] + [PART] * 4)
        self.assertEqual({query(e)["uploadId"] for e in parts}, {query(w[-1])["uploadId"]})
        self.assertTrue(all(e["status"] == 200 for e in parts))
        # Several parts in flight at once, never more than concurrency.
        self.assertGreaterEqual(max_overlap(parts), 2, parts)
        self.assertLessEqual(max_overlap(parts), 4, parts)
        head = self.s3r.head(self.bucket, pre + "big.bin")
        self.assertTrue(head["ETag"].strip('"').endswith("-5"), head)  # AWS multipart ETag
        self.assertEqual(head["ContentLength"], 23 * MIB)
        self.assertEqual(head["Metadata"], {"sha256": big.sha256})

    def test_concurrency_one_sends_parts_one_at_a_time(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "big.bin", size=3 * PART)
        name, _ = self.fetch(r)
        self.proxy.add_fault("delay", method="PUT", query="partNumber=", times=None, delay=0.2)
        self.out_ok(name, self.src(self.mirror(concurrency=1)))
        parts = self.parts("%s/%s/v1.0.0/big.bin" % (OWNER, REPO))
        self.assertEqual(len(parts), 3)
        self.assertEqual(max_overlap(parts), 1, parts)

    def test_key_encoding_path_style_and_virtual_host(self):
        r = self.rel("v1.0.0")
        assets = {n: self.gh.add_asset(r, n, size=100 + i) for i, n in enumerate(ODD_NAMES)}
        name, _ = self.fetch(r)
        pre = "%s/%s/v1.0.0/" % (OWNER, REPO)
        want = {pre + n: a for n, a in assets.items()}

        # Path style: /BUCKET/KEY, each key percent-encoded exactly once.
        self.out_ok(name, self.src(self.mirror(path_style=True)))
        self.assertEqual(set(self.keys(prefix=pre)) - {pre + "release.json", pre + "SHA256SUMS"},
                         set(want))
        self.assertSameObjects(want, prefix=pre, cli=True)
        puts = {unquote(e["path"]): e for e in self.proxy.requests(method="PUT")}
        for key in want:
            e = puts["/%s/%s" % (self.bucket, key)]
            self.assertEqual(e["path"], exact_path(self.bucket, key))
            self.assertEqual(e["headers"]["host"], "127.0.0.1:%d" % self.proxy.port)

        # Virtual host: BUCKET.localhost:PORT/KEY (curl resolves *.localhost).
        vb = self.new_bucket()
        self.proxy.clear()
        vm = self.mirror(bucket=vb, endpoint="http://localhost:%d" % self.proxy.port,
                         path_style=False)
        self.out_ok(name, self.src(vm))
        self.assertEqual(set(self.keys(vb, pre)) - {pre + "release.json", pre + "SHA256SUMS"},
                         set(want))
        self.assertSameObjects(want, bucket=vb, prefix=pre)
        log = self.proxy.requests()
        self.assertTrue(log)
        for e in log:
            self.assertEqual(e["headers"]["host"], "%s.localhost:%d" % (vb, self.proxy.port))
            self.assertFalse(e["path"].startswith("/" + vb), e)
        paths = {e["path"] for e in self.proxy.requests(method="PUT")}
        for key in want:
            self.assertIn("/" + quote(key), paths)

    def test_skip_unchanged_then_changed_then_force(self):
        r = self.rel("v1.0.0")
        small = self.gh.add_asset(r, "a.txt", size=2000)
        big = self.gh.add_asset(r, "big.bin", size=2 * PART + 1)
        name, version = self.fetch(r)
        pre = "%s/%s/v1.0.0/" % (OWNER, REPO)
        ka, kb = pre + "a.txt", pre + "big.bin"
        self.out_ok(name)

        self.proxy.clear()
        got = self.out_ok(name)
        self.assertEqual(got["version"], version)
        md = metadata(got)
        self.assertEqual((md["uploaded"], md["skipped"], md["bytes_uploaded"]), ("0", "2", "0"))
        self.assertEqual(self.writes(ka) + self.writes(kb), [])
        self.assertEqual([e["method"] for e in self.log(key=ka) + self.log(key=kb)],
                         ["HEAD", "HEAD"])
        self.assertEqual(sum(e["body_bytes"] for e in self.proxy.requests()
                             if e["path"].endswith(("a.txt", "big.bin"))), 0)

        # Same size, other bytes, no x-amz-meta-sha256: uploaded again.
        self.s3r.put(self.bucket, ka, b"x" * 2000)
        self.proxy.clear()
        md = metadata(self.out_ok(name))
        self.assertEqual((md["uploaded"], md["skipped"], md["bytes_uploaded"]), ("1", "1", "2000"))
        self.assertEqual([e["method"] for e in self.writes(ka)], ["PUT"])
        self.assertEqual(self.writes(kb), [])

        self.proxy.clear()
        md = metadata(self.out_ok(name, params={"force": True}))
        self.assertEqual((md["uploaded"], md["skipped"]), ("2", "0"))
        self.assertEqual(md["bytes_uploaded"], str(2000 + 2 * PART + 1))
        self.assertEqual([e["method"] for e in self.writes(ka)], ["PUT"])
        self.assertEqual(len(self.parts(kb)), 3)
        self.assertSameObjects({ka: small, kb: big}, prefix=pre)
        self.assertNoUploads()

    def test_checksum_sha256_and_storage_class_headers(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "a.bin", size=3000)
        name, _ = self.fetch(r)
        key = "%s/%s/v1.0.0/a.bin" % (OWNER, REPO)
        self.out_ok(name)  # checksum: none (default): no checksum header at all
        self.assertEqual([e for e in self.proxy.requests()
                          if "x-amz-checksum-sha256" in e["headers"]], [])
        self.proxy.clear()
        self.out_ok(name, self.src(self.mirror(checksum="sha256", storage_class="STANDARD")),
                    {"force": True})
        (put,) = self.writes(key)
        self.assertEqual(put["headers"]["x-amz-storage-class"], "STANDARD")
        b64 = base64.b64encode(bytes.fromhex(a.sha256)).decode()
        self.assertEqual(put["headers"]["x-amz-checksum-sha256"], b64)
        self.assertEqual(put["headers"]["x-amz-meta-sha256"], a.sha256)
        for e in self.proxy.requests(method="PUT"):  # manifest, sums, latest.json too
            self.assertEqual(base64.b64decode(e["headers"]["x-amz-checksum-sha256"]),
                             hashlib.sha256(e["body"]).digest(), e["path"])
        self.assertEqual(self.s3r.sha256(self.bucket, key), a.sha256)


class TestLayout(OutCase):
    def test_release_json_and_sha256sums_in_the_bucket(self):
        r = self.rel("v1.0.0", name="One")
        assets = [self.gh.add_asset(r, "a.tar.gz", size=5000, content_type="application/gzip"),
                  self.gh.add_asset(r, "b c.txt", content=b"hello\n", content_type="text/plain"),
                  self.gh.add_asset(r, "empty", size=0)]
        src = self.src(self.mirror(prefix="mirror/"), asset_dir=True)
        name, version = self.fetch(r, src, {"include_source_tarball": True})
        local = json.loads(read_text(os.path.join(self.sources, name, "release.json")))
        got = self.out_ok(name, src)
        pre = "mirror/%s/%s/v1.0.0/" % (OWNER, REPO)
        self.assertEqual(got["version"], version)
        self.assertEqual(metadata(got)["prefix"], pre)
        self.assertEqual(metadata(got)["uploaded"], "4")

        self.assertEqual(self.keys(), sorted(
            [pre + n for n in ("a.tar.gz", "b c.txt", "empty", "source.tar.gz", "release.json",
                               "SHA256SUMS")] + ["mirror/%s/%s/latest.json" % (OWNER, REPO)]))
        d = self.assertSameObjects({pre + a.name: a for a in assets}, prefix=pre, cli=True)
        p = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=d,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(sorted(p.stdout.splitlines()), [
            "a.tar.gz: OK", "b c.txt: OK", "empty: OK", "source.tar.gz: OK"])

        manifest = json.loads(read_text(os.path.join(d, "release.json")))
        want = dict(local, bucket=self.bucket, prefix=pre)
        want["files"] = [dict(f, key=pre + f["name"]) for f in local["files"]]
        self.assertEqual(manifest, want)
        self.assertEqual(self.s3r.head(self.bucket, pre + "a.tar.gz")["ContentType"],
                         "application/gzip")

        latest = self.get_json("mirror/%s/%s/latest.json" % (OWNER, REPO))
        self.assertEqual({k: latest[k] for k in ("owner", "repository", "tag", "id", "version",
                                                 "timestamp", "prefix")},
                         {"owner": OWNER, "repository": REPO, "tag": "v1.0.0",
                          "id": str(r.id), "version": "1.0.0", "timestamp": r.published_at,
                          "prefix": pre})
        self.assertEqual(latest["files"], [{"name": f["name"], "key": pre + f["name"],
                                            "size": f["size"], "sha256": f["sha256"]}
                                           for f in local["files"]])

    def test_key_template_and_keep_versions_outside_the_prefix(self):
        tmpl = "release-downloads/{owner}_{repository}/{tag}/{asset}"
        src = self.src(self.mirror(prefix="p/", key_template=tmpl))
        r1, r2 = self.rel("v1.0.0"), self.rel("v2.0.0")
        a1 = self.gh.add_asset(r1, "a.bin", size=700)
        a2 = self.gh.add_asset(r2, "a.bin", size=800)
        n1, _ = self.fetch(r1, src)
        n2, _ = self.fetch(r2, src)
        self.out_ok(n1, src)
        k1 = "p/release-downloads/%s_%s/v1.0.0/a.bin" % (OWNER, REPO)
        m1 = "p/%s/%s/v1.0.0/" % (OWNER, REPO)
        self.assertEqual(self.keys(), sorted([k1, m1 + "release.json", m1 + "SHA256SUMS",
                                              "p/%s/%s/latest.json" % (OWNER, REPO)]))
        d = self.assertSameObjects({k1: a1})
        self.assertEqual([f["key"] for f in self.get_json(m1 + "release.json")["files"]], [k1])
        # Keys outside the release's prefix are listed from the bucket's root.
        self.assertEqual(read_text(os.path.join(d, m1, "SHA256SUMS")),
                         "%s  %s\n" % (a1.sha256, k1))
        p = subprocess.run(["sha256sum", "--strict", "-c", os.path.join(m1, "SHA256SUMS")],
                           cwd=d, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        # keep_versions 1 also deletes the old release's assets outside its prefix.
        self.out_ok(n2, src, {"keep_versions": 1})
        k2 = "p/release-downloads/%s_%s/v2.0.0/a.bin" % (OWNER, REPO)
        m2 = "p/%s/%s/v2.0.0/" % (OWNER, REPO)
        self.assertEqual(self.keys(), sorted([k2, m2 + "release.json", m2 + "SHA256SUMS",
                                              "p/%s/%s/latest.json" % (OWNER, REPO)]))
        self.assertEqual(self.s3r.sha256(self.bucket, k2), a2.sha256)

    def test_asset_key_equal_to_a_manifest_key_fails_before_uploading(self):
        r = self.rel("v1.0.0")
        assets = [self.gh.add_asset(r, n, size=300 + i)
                  for i, n in enumerate(("release.json", "SHA256SUMS", "x.bin"))]
        src = self.src(asset_dir=True)  # `in` needs it to fetch these names
        name, _ = self.fetch(r, src)
        res = self.out(name, src)
        self.assertOneError(res, '"release.json"', "key_template",
                            "{owner}/{repository}/{tag}/assets/{asset}")
        self.assertEqual(self.proxy.requests(), [])
        self.assertEqual(self.keys(), [])

        # Same for SHA256SUMS alone; a template without {asset} is refused.
        r2 = self.rel("v2.0.0")
        for n in ("SHA256SUMS", "y.bin"):
            self.gh.add_asset(r2, n, size=10)
        n2, _ = self.fetch(r2, src)
        res = self.out(n2, src)
        self.assertOneError(res, '"SHA256SUMS"', "{owner}/{repository}/{tag}/assets/{asset}")
        res = self.out(n2, self.src(self.mirror(key_template="{owner}/{tag}/x"), asset_dir=True))
        self.assertOneError(res, "source.mirror.key_template", "{asset}")
        self.assertEqual(self.proxy.requests(), [])

        tmpl = "{owner}/{repository}/{tag}/assets/{asset}"
        self.out_ok(name, self.src(self.mirror(key_template=tmpl), asset_dir=True))
        pre = "%s/%s/v1.0.0/" % (OWNER, REPO)
        self.assertSameObjects({pre + "assets/" + a.name: a for a in assets}, prefix=pre)
        manifest = self.get_json(pre + "release.json")
        self.assertEqual(manifest["tag"], "v1.0.0")
        self.assertEqual([f["key"] for f in manifest["files"]],
                         [pre + "assets/" + a.name for a in assets])
        self.assertEqual(self.obj(pre + "SHA256SUMS").decode(),
                         "".join("%s  assets/%s\n" % (a.sha256, a.name) for a in assets))


class TestReleases(OutCase):
    def mirror_tag(self, tag, params=None, source=None, size=500):
        r = self.rel(tag)
        a = self.gh.add_asset(r, "app-%s.bin" % tag, size=size)
        name, _ = self.fetch(r, source)
        self.out_ok(name, source, params)
        return r, a, name

    def latest(self):
        return self.obj("%s/%s/latest.json" % (OWNER, REPO))

    def test_latest_json_names_the_newest_release(self):
        self.mirror_tag("v2.0.0")
        before = self.latest()
        self.assertEqual(json.loads(before)["tag"], "v2.0.0")

        self.proxy.clear()
        self.mirror_tag("v1.0.0")  # older by version, although added later
        self.assertEqual(self.latest(), before)
        self.assertEqual([e for e in self.proxy.requests(method="PUT")
                          if e["path"].endswith("/latest.json")], [])
        self.assertIn("%s/%s/v1.0.0/release.json" % (OWNER, REPO), self.keys())

        _, a, _ = self.mirror_tag("v10.0.0")  # newer by version, not by string
        latest = json.loads(self.latest())
        self.assertEqual((latest["tag"], latest["version"]), ("v10.0.0", "10.0.0"))
        self.assertEqual(latest["files"][0]["sha256"], a.sha256)

    def test_latest_json_by_time_with_order_by_time(self):
        src = self.src(order_by="time")
        self.mirror_tag("v9.0.0", source=src)  # older by time
        self.mirror_tag("v1.0.0", source=src)  # newer by time
        self.assertEqual(json.loads(self.latest())["tag"], "v1.0.0")

    def test_keep_versions(self):
        foreign = ["%s/%s/notes.txt" % (OWNER, REPO), "%s/%s/junk/file.bin" % (OWNER, REPO),
                   "%s/%s-other/v0.1.0/x.bin" % (OWNER, REPO)]
        for k in foreign:
            self.s3r.put(self.bucket, k, b"foreign")
        for tag in ("v2.0.0", "v1.0.0", "v10.0.0"):
            self.mirror_tag(tag)
        _, a3, _ = self.mirror_tag("v3.0.0", {"keep_versions": 2})

        def rel_keys(tag):
            p = "%s/%s/%s/" % (OWNER, REPO, tag)
            return [p + "SHA256SUMS", p + "app-%s.bin" % tag, p + "release.json"]

        self.assertEqual(self.keys(), sorted(foreign + rel_keys("v10.0.0") + rel_keys("v3.0.0")
                                             + ["%s/%s/latest.json" % (OWNER, REPO)]))
        self.assertEqual(json.loads(self.latest())["tag"], "v10.0.0")
        self.assertEqual(self.s3r.sha256(self.bucket, rel_keys("v3.0.0")[1]), a3.sha256)

        # Mirroring an old release with keep_versions keeps the one just mirrored.
        self.mirror_tag("v0.5.0", {"keep_versions": 2})
        self.assertEqual(self.keys(), sorted(
            foreign + rel_keys("v10.0.0") + rel_keys("v3.0.0") + rel_keys("v0.5.0")
            + ["%s/%s/latest.json" % (OWNER, REPO)]))


class TestFaults(OutCase):
    def setUp(self):
        super().setUp()
        self.fetch_small_and_big()

    def mirror_older(self):
        """Mirror v1.0.0 first; returns latest.json's bytes."""
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "old.bin", size=100)
        self.out_ok(self.fetch(r)[0])
        self.proxy.clear()
        return self.obj(self.latest_key)

    def assertMirrored(self, got):
        self.assertEqual(got["version"], self.want_version)
        self.assertSameObjects({self.ks: self.small, self.kb: self.big})
        self.assertNoUploads()

    def part_statuses(self, n):
        return [e["status"] for e in self.parts(self.kb) if query(e)["partNumber"] == str(n)]

    def test_500_on_one_part_and_on_a_put_is_retried(self):
        self.proxy.add_fault("error", method="PUT", query="partNumber=2", status=500)
        self.proxy.add_fault("error", method="PUT", path=r"/small\.txt$", status=500)
        res = self.out(self.name)
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(self.part_statuses(2), [500, 200])
        self.assertEqual(self.part_statuses(1), [200])
        self.assertEqual([e["status"] for e in self.writes(self.ks)], [500, 200])
        self.assertEqual(len([w for w in res.warnings if "retrying" in w]), 2, res)
        self.assertEqual(metadata(res.json)["uploaded"], "2")
        self.assertMirrored(res.json)

    def test_slowdown_on_one_part_is_retried(self):
        self.proxy.add_fault("error", method="PUT", query="partNumber=2", status=503,
                             code="SlowDown", message="Please reduce your request rate.")
        got = self.out_ok(self.name)
        self.assertEqual(self.part_statuses(2), [503, 200])
        self.assertMirrored(got)

    def test_part_failing_for_good_aborts_and_leaves_latest_alone(self):
        latest = self.mirror_older()
        self.proxy.add_fault("error", method="PUT", query="partNumber=2", status=500,
                             times=None)
        res = self.out(self.name, env={"GRM_MAX_ATTEMPTS": "3"})
        self.assertFailsClearly(res, "UploadPart", "big.bin", "500")
        self.assertEqual(self.part_statuses(2), [500, 500, 500])  # GRM_MAX_ATTEMPTS
        aborts = [e for e in self.log("DELETE", self.kb) if "uploadId" in query(e)]
        self.assertEqual(len(aborts), 1, self.proxy.log)
        self.assertEqual(aborts[0]["status"], 204)
        self.assertEqual(query(aborts[0])["uploadId"], query(self.parts(self.kb)[0])["uploadId"])
        self.assertNoUploads()
        self.assertEqual(self.obj(self.latest_key), latest)
        keys = self.keys()
        self.assertNotIn(self.kb, keys)
        self.assertNotIn("%s/%s/v2.0.0/release.json" % (OWNER, REPO), keys)

        # The next run completes the mirror, uploading only what is missing.
        self.proxy.clear()
        md = metadata(self.out_ok(self.name))
        self.assertEqual((md["uploaded"], md["skipped"]), ("1", "1"))
        self.assertEqual(md["bytes_uploaded"], str(self.big.size))
        self.assertEqual(self.writes(self.ks), [])
        self.assertEqual(json.loads(self.obj(self.latest_key))["tag"], "v2.0.0")
        self.assertSameObjects({self.ks: self.small, self.kb: self.big})
        self.assertNoUploads()

    def complete_log(self):
        return [e for e in self.writes(self.kb) if e["method"] == "POST"
                and "uploadId" in query(e)]

    def test_complete_200_with_error_is_retried(self):
        # Answered by the proxy, not forwarded: the upload is really not complete.
        self.proxy.add_fault("error", method="POST", query="uploadId=", status=200,
                             code="InternalError")
        res = self.out(self.name)
        self.assertEqual(res.rc, 0, res)
        self.assertEqual([(e["status"], e["fault"]) for e in self.complete_log()],
                         [(200, "error"), (200, None)])
        self.assertTrue(any("InternalError" in w for w in res.warnings), res)
        self.assertMirrored(res.json)

    def test_complete_200_with_error_for_good_is_a_failure(self):
        self.proxy.add_fault("error", method="POST", query="uploadId=", status=200,
                             code="InternalError", times=None)
        res = self.out(self.name, env={"GRM_MAX_ATTEMPTS": "3"})
        self.assertFailsClearly(res, "CompleteMultipartUpload", "big.bin", "InternalError")
        self.assertEqual(len(self.complete_log()), 3)
        self.assertEqual(self.keys(), [self.ks])  # never reported, never there
        self.assertNoUploads()

    def test_complete_200_with_a_non_retryable_error_fails_at_once(self):
        self.proxy.add_fault("error200", method="POST", query="uploadId=",
                             code="AccessDenied", message="no", times=None)
        res = self.out(self.name)
        self.assertFailsClearly(res, "CompleteMultipartUpload", "AccessDenied")
        self.assertEqual(len(self.complete_log()), 1)
        self.assertNotIn(self.latest_key, self.keys())
        self.assertNoUploads()

    def test_connection_resets_are_retried(self):
        # A PUT answered by a reset (on a reused keep-alive connection), and a
        # CompleteMultipartUpload done upstream whose answer is lost.
        self.proxy.add_fault("reset", method="PUT", path=r"/small\.txt$")
        self.proxy.add_fault("reset_after", method="POST", query="uploadId=")
        res = self.out(self.name)
        self.assertEqual(res.rc, 0, res)
        self.assertEqual([(e["status"], e["fault"]) for e in self.writes(self.ks)],
                         [(None, "reset"), (200, None)])
        self.assertEqual([e["fault"] for e in self.complete_log()], ["reset_after", None])
        self.assertEqual(len([w for w in res.warnings if "retrying" in w]), 2, res)
        self.assertMirrored(res.json)

    def test_resent_create_multipart_upload_leaves_no_upload(self):
        # The first CreateMultipartUpload reaches RGW, its answer is lost.
        self.proxy.add_fault("reset_after", method="POST", query="uploads")
        got = self.out_ok(self.name)
        creates = [e for e in self.writes(self.kb) if e["query"] == "uploads"]
        self.assertEqual(len(creates), 2)
        self.assertMirrored(got)  # no orphan upload listed

    def test_wrong_secret_is_rejected_at_once(self):
        wrong = "wrongSecretKey0000000000000000000000000000"
        res = self.out(self.name, self.src(self.mirror(secret_access_key=wrong)))
        self.assertFailsClearly(res, "403", "SignatureDoesNotMatch")
        self.assertNotIn(wrong, res.stdout + res.stderr)
        self.assertLessEqual(len(self.proxy.requests()), 2, self.proxy.log)
        self.assertEqual([e["method"] for e in self.proxy.requests()
                          if e["method"] in ("PUT", "POST")], [])
        self.assertEqual(self.keys(), [])


class TestBadInput(OutCase):
    def setUp(self):
        super().setUp()
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=4000)
        self.gh.add_asset(r, "b.bin", size=10)
        self.name, _ = self.fetch(r)

    def assertNothingSent(self):
        self.assertEqual(self.proxy.requests(), [])
        self.assertEqual(self.keys(), [])

    def test_missing_bucket(self):
        res = self.out(self.name, self.src(self.mirror(bucket=None)))
        self.assertOneError(res, "source.mirror", "bucket")
        self.assertNothingSent()

    def test_bad_endpoint_urls(self):
        for ep in ("not a url", "ftp://127.0.0.1:%d" % self.proxy.port, "http://",
                   "127.0.0.1:%d" % self.proxy.port):
            with self.subTest(endpoint=ep):
                res = self.out(self.name, self.src(self.mirror(endpoint=ep)))
                self.assertOneError(res, "source.mirror.endpoint")
        self.assertNothingSent()

    def test_from_without_release_json(self):
        d = self.mkdir(os.path.join("sources", "empty"))
        with open(os.path.join(d, "a.bin"), "wb") as fp:
            fp.write(b"x")
        res = self.out("empty")
        self.assertOneError(res, "release.json")
        res = self.out("absent")
        self.assertOneError(res, "absent")
        self.assertNothingSent()

    def test_release_json_too_large_or_not_a_file(self):
        path = os.path.join(self.sources, self.name, "release.json")
        with open(path, "r+b") as fp:  # still valid JSON: trailing spaces
            fp.seek(0, os.SEEK_END)
            fp.write(b" " * (16 * 1024 * 1024 + 1 - fp.tell()))
        res = self.out(self.name)
        self.assertOneError(res, "release.json", "larger than 16777216 bytes")
        os.unlink(path)
        os.mkfifo(path)  # opened without blocking, refused
        res = self.out(self.name, timeout=30)
        self.assertOneError(res, "release.json", "not a regular file")
        self.assertNothingSent()

    def tamper(self, name="a.bin"):
        """Flip one byte of a fetched file, keeping its size."""
        path = os.path.join(self.sources, self.name, name)
        with open(path, "r+b") as fp:
            fp.seek(1234 % os.path.getsize(path))
            b = fp.read(1)
            fp.seek(-1, os.SEEK_CUR)
            fp.write(bytes([b[0] ^ 1]))
        return path

    def test_truncated_missing_or_special_asset(self):
        """Checked before any request: every listed file there, regular, of
        its listed size."""
        path = os.path.join(self.sources, self.name, "a.bin")
        with open(path, "r+b") as fp:
            fp.truncate(3999)
        res = self.out(self.name)
        self.assertOneError(res, "a.bin", "3999")
        os.unlink(path)
        res = self.out(self.name)
        self.assertOneError(res, "a.bin", "missing")
        os.mkfifo(path)  # opened without blocking, refused
        res = self.out(self.name, timeout=30)
        self.assertOneError(res, "a.bin", "not a regular file")
        self.assertNothingSent()

    def test_tampered_asset_uploads_nothing(self):
        """Same size, one byte changed: the files to upload are hashed after
        the HEADs and before the first write, so nothing is written."""
        self.tamper()
        res = self.out(self.name)
        self.assertOneError(res, "a.bin", "sha256", "refusing to mirror")
        self.assertEqual(sorted({e["method"] for e in self.proxy.requests()}), ["HEAD"])
        self.assertEqual(self.keys(), [])

    def test_file_already_in_the_bucket_is_not_read(self):
        """A file whose object already has its size and sha256 is skipped
        without being read (so a second out costs its HEADs, not a hash of
        every file); with force it is read, verified and refused."""
        md = metadata(self.out_ok(self.name))
        self.assertEqual((md["uploaded"], md["skipped"]), ("2", "0"))
        self.tamper()
        self.proxy.clear()
        md = metadata(self.out_ok(self.name))
        self.assertEqual((md["uploaded"], md["skipped"], md["bytes_uploaded"]), ("0", "2", "0"))
        self.assertEqual([e for e in self.proxy.requests() if e["method"] == "PUT"
                          and e["path"].endswith(("/a.bin", "/b.bin"))], [])
        res = self.out(self.name, params={"force": True})
        self.assertFailsClearly(res, "a.bin", "sha256", "refusing to mirror")

    def test_release_of_another_repository(self):
        res = self.out(self.name, self.src(repository="other"))
        self.assertOneError(res, "%s/%s" % (OWNER, REPO))
        self.assertNothingSent()


class TestSecrets(OutCase):
    def test_no_secret_in_the_output_even_with_debug(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=100)
        self.gh.add_asset(r, "big.bin", size=PART)
        src = self.src(self.mirror(session_token=SESSION_TOKEN), debug=True)
        name, _ = self.fetch(r, src)
        res = self.out(name, src)  # out() also checks the S3 secret and the token
        self.assertEqual(res.rc, 0, res)
        self.assertTrue([ln for ln in res.lines if ln.startswith("debug: > PUT")], res)
        self.assertNotIn(TOKEN, res.stdout + res.stderr)
        log = self.proxy.requests()
        self.assertTrue(log)
        for e in log:  # the token was sent with every request
            self.assertEqual(e["headers"].get("x-amz-security-token"), SESSION_TOKEN, e)

        wrong = "wrongSecretKey0000000000000000000000000000"
        res = self.out(name, self.source(mirror=self.mirror(secret_access_key=wrong),
                                         debug=True))
        self.assertNotEqual(res.rc, 0, res)
        self.assertNotIn(wrong, res.stdout + res.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
