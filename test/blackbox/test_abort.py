#!/usr/bin/python3
"""test_abort.py - aborted and disturbed runs against Ceph RGW (test/s3)
through the fault proxy, releases from the fake GitHub:

  - SIGTERM (what Concourse sends when a build is aborted) or SIGINT at about
    half of a multipart put: the run exits non-zero within 10 s and leaves no
    multipart upload open (checked with /usr/bin/aws s3api
    list-multipart-uploads), no object and no latest.json;
  - SIGKILL at half, then a rerun: the rerun aborts the upload the killed run
    left (ListMultipartUploads with the key as prefix), and none stays open;
  - SIGTERM during a get: exit non-zero within 10 s, no temporary file left;
  - a file changed during its multipart put: the upload is aborted, nothing
    is stored (neither in a part already sent nor in one still to come);
  - every part is signed with its SHA-256 (never UNSIGNED-PAYLOAD), and with
    checksum: sha256 carries x-amz-checksum-sha256, Complete the composite.

Run: GRM_BIN_DIR=<build dir> /usr/bin/python3 test_abort.py."""

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
import s3env  # noqa: E402
from bbutil import FAST_ENV, OWNER, PASS_ENV, REPO, TOKEN, binary  # noqa: E402
from test_out import MIB, PART, OutCase, query  # noqa: E402

PRE = "%s/%s/v1.0.0/" % (OWNER, REPO)
LATEST = "%s/%s/latest.json" % (OWNER, REPO)


class AbortCase(OutCase):
    def start(self, name, request, args):
        """Start an executable like bbutil.run, without waiting."""
        env = {"PATH": "/usr/bin:/bin", "LANG": "C", "TMPDIR": self.tmpdir,
               "HOME": self.tmpdir}
        env.update(FAST_ENV)
        for k in PASS_ENV:
            if k in os.environ:
                env[k] = os.environ[k]
        p = subprocess.Popen([binary(name)] + list(args), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        p.stdin.write(json.dumps(request).encode())
        p.stdin.close()
        p.stdin = None  # communicate() must not flush it
        return p

    def start_out(self, name, source=None, params=None):
        req = {"source": source or self.src(), "params": dict(params or {}, **{"from": name})}
        return self.start("out", req, [self.sources])

    @staticmethod
    def finish(p, timeout=60):
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out.decode(), err.decode()

    def wait_parts(self, key, n, p, timeout=60):
        """Wait until n parts of key were answered (200)."""
        deadline = time.time() + timeout
        path = "/%s/%s" % (self.bucket, key)
        while time.time() < deadline and p.poll() is None:
            with self.proxy._lock:  # not requests(): it waits for the part in flight
                log = list(self.proxy.log)
            if len([e for e in log if e["path"] == path and e["status"] == 200
                    and "partNumber" in e["query"]]) >= n:
                return
            time.sleep(0.05)
        self.fail("%d parts of %s not answered in time (rc %s)" % (n, key, p.poll()))

    def open_uploads(self):
        """In-progress multipart uploads, as /usr/bin/aws lists them."""
        return s3env.list_multipart_uploads(self.bucket)

    def big_release(self, parts=4):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "big.bin", size=parts * PART)
        name, _ = self.fetch(r)
        return a, name


class TestSignals(AbortCase):
    def interrupt_half_way(self, sig):
        _, name = self.big_release()
        key = PRE + "big.bin"
        self.proxy.add_fault("delay", method="PUT", query="partNumber=", times=None, delay=0.7)
        p = self.start_out(name, self.src(self.mirror(concurrency=1)))
        self.wait_parts(key, 2, p)
        t0 = time.monotonic()
        p.send_signal(sig)
        rc, out, err = self.finish(p)
        took = time.monotonic() - t0
        self.assertNotEqual(rc, 0, err)
        self.assertLess(took, 10.0, err)
        self.assertEqual(out, "")
        self.assertIn("interrupted by %s" % signal.Signals(sig).name, err)
        self.assertEqual(self.open_uploads(), [], err)
        keys = self.keys()
        self.assertNotIn(key, keys)
        self.assertNotIn(LATEST, keys)
        aborts = [e for e in self.proxy.requests(method="DELETE") if "uploadId" in e["query"]]
        self.assertEqual(len(aborts), 1, err)

    def test_sigterm_half_way_through_a_multipart_put_leaves_no_upload(self):
        self.interrupt_half_way(signal.SIGTERM)

    def test_sigint_half_way_through_a_multipart_put_leaves_no_upload(self):
        self.interrupt_half_way(signal.SIGINT)

    def test_sigkill_then_rerun_leaves_no_upload(self):
        a, name = self.big_release()
        key = PRE + "big.bin"
        self.proxy.add_fault("delay", method="PUT", query="partNumber=", times=None, delay=0.7)
        p = self.start_out(name, self.src(self.mirror(concurrency=1)))
        self.wait_parts(key, 2, p)
        p.kill()
        self.finish(p)
        left = self.open_uploads()
        self.assertEqual([u["Key"] for u in left], [key])  # what a SIGKILL leaves
        self.proxy.clear()
        res = self.out(name)
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertIn("aborted an earlier run's incomplete multipart upload", res.stderr)
        self.assertEqual(self.open_uploads(), [])
        self.assertEqual(self.s3r.sha256(self.bucket, key), a.sha256)
        # The listing asked for this key only.
        lists = [e for e in self.proxy.requests(method="GET") if "uploads" in query(e)]
        self.assertTrue(lists and all(query(e).get("prefix") == key for e in lists), lists)

    def test_sigterm_during_get_leaves_no_temporary_file(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "slow.bin", size=4 * MIB)
        self.gh.add_fault(listener="asset", action="stall",
                          fraction=0.5, seconds=60, then="continue", times=1)
        dest = self.mkdir("dest")
        req = {"source": self.src(), "version": self.version(r)}
        p = self.start("in", req, [dest])
        deadline = time.time() + 30
        while time.time() < deadline and not any(
                e.get("fault") == "stall" for e in self.gh.requests(listener="asset")):
            time.sleep(0.05)
        time.sleep(0.5)
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        rc, out, err = self.finish(p)
        self.assertNotEqual(rc, 0, err)
        self.assertLess(time.monotonic() - t0, 10.0, err)
        self.assertEqual(out, "")
        self.assertIn("interrupted by SIGTERM", err)
        self.assertEqual(os.listdir(dest), [], err)


class TestChangedFile(AbortCase):
    def change_during_put(self, offset):
        a, name = self.big_release()
        key = PRE + "big.bin"
        path = os.path.join(self.sources, name, "big.bin")
        self.proxy.add_fault("delay", method="PUT", query="partNumber=", times=None, delay=0.7)
        p = self.start_out(name, self.src(self.mirror(concurrency=1)))
        self.wait_parts(key, 1, p)
        with open(path, "r+b") as f:  # same size, other bytes
            f.seek(offset)
            f.write(b"X" * 4096)
        rc, out, err = self.finish(p)
        self.assertNotEqual(rc, 0, err)
        self.assertEqual(out, "")
        self.assertEqual(self.open_uploads(), [], err)
        self.assertNotIn(key, self.keys(), err)
        return err

    def test_change_in_a_part_already_sent_aborts_before_complete(self):
        err = self.change_during_put(100)
        self.assertIn("changed during its upload", err)
        self.assertEqual([e for e in self.proxy.requests(method="POST")
                          if "uploadId" in e["query"]], [], "no Complete was sent")

    def test_change_in_a_part_still_to_send_is_refused(self):
        err = self.change_during_put(3 * PART + 100)
        self.assertTrue("changed during its upload" in err or "XAmzContentSHA256Mismatch" in err
                        or "BadDigest" in err, err)


class TestSignedParts(AbortCase):
    def test_parts_signed_with_their_sha256_and_checksums(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "big.bin", size=2 * PART + 1000)
        name, _ = self.fetch(r)
        path = os.path.join(self.sources, name, "big.bin")
        with open(path, "rb") as f:
            data = f.read()
        chunks = [data[i:i + PART] for i in range(0, len(data), PART)]
        self.out_ok(name, self.src(self.mirror(checksum="sha256")))
        key = PRE + "big.bin"
        parts = sorted(self.parts(key), key=lambda e: int(query(e)["partNumber"]))
        self.assertEqual(len(parts), 3)
        for e, c in zip(parts, chunks):
            self.assertEqual(e["headers"]["x-amz-content-sha256"], hashlib.sha256(c).hexdigest())
            self.assertEqual(e["headers"]["x-amz-checksum-sha256"],
                             base64.b64encode(hashlib.sha256(c).digest()).decode())
        (complete,) = [e for e in self.log("POST", key) if "uploadId" in query(e)]
        digests = b"".join(hashlib.sha256(c).digest() for c in chunks)
        self.assertEqual(complete["headers"]["x-amz-checksum-sha256"],
                         base64.b64encode(hashlib.sha256(digests).digest()).decode())
        body = complete["body"].decode()
        for c in chunks:
            self.assertIn("<ChecksumSHA256>%s</ChecksumSHA256>"
                          % base64.b64encode(hashlib.sha256(c).digest()).decode(), body)
        self.assertEqual(self.s3r.sha256(self.bucket, key), a.sha256)
        self.assertEqual(self.open_uploads(), [])
        for e in self.proxy.requests():
            self.assertNotEqual(e["headers"].get("x-amz-content-sha256"), "UNSIGNED-PAYLOAD", e)


if __name__ == "__main__":
    unittest.main(verbosity=2)
