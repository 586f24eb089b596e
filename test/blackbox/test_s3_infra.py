#!/usr/bin/python3
"""test_s3_infra.py - proves the S3 test infrastructure works: RGW starts and
speaks real S3 (SigV4, multipart), the AWS CLI round-trips through it, and
fault_proxy.py forwards signed requests unchanged and injects faults."""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

S3_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "s3")
sys.path.insert(0, S3_DIR)
import s3env  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

MIB = 1024 * 1024


def port_of(endpoint):
    return int(endpoint.rsplit(":", 1)[1])


class S3InfraTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        t = time.monotonic()
        cls.s3 = s3env.ensure()
        print("RGW at %s (ready in %.1f s)" % (cls.s3["endpoint"],
                                               time.monotonic() - t),
              file=sys.stderr)
        cls.bucket = s3env.make_bucket("infra")
        cls.tmp = tempfile.TemporaryDirectory(prefix="grm-s3infra-")

    @classmethod
    def tearDownClass(cls):
        s3env.delete_bucket(cls.bucket)
        cls.tmp.cleanup()

    def setUp(self):
        self.proxy = FaultProxy(self.s3["endpoint"]).start()

    def tearDown(self):
        self.proxy.stop()

    def raw(self, method, path, port=None, body=None, headers=None):
        """One unsigned request over a fresh connection: (status, body)."""
        c = http.client.HTTPConnection("127.0.0.1", port or self.proxy.port,
                                       timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def test_rgw_answers_anonymous_list(self):
        with urllib.request.urlopen(self.s3["endpoint"] + "/", timeout=5) as r:
            self.assertEqual(r.status, 200)
            self.assertIn(b"ListAllMyBucketsResult", r.read())

    def test_multipart_round_trip_with_awscli(self):
        src = os.path.join(self.tmp.name, "20mib")
        with open(src, "wb") as f:
            f.write(os.urandom(20 * MIB))
        s3env.aws("s3", "cp", "--no-progress", src,
                  "s3://%s/dir/20mib" % self.bucket, check=True)
        objs = s3env.list_objects(self.bucket, "dir/")
        self.assertEqual([(o["Key"], o["Size"]) for o in objs],
                         [("dir/20mib", 20 * MIB)])
        # awscli's 8 MiB parts: a multipart ETag "<md5>-3"
        self.assertTrue(objs[0]["ETag"].strip('"').endswith("-3"), objs[0])
        self.assertEqual(s3env.object_sha256(self.bucket, "dir/20mib"),
                         s3env.sha256(src))
        self.assertEqual(s3env.list_multipart_uploads(self.bucket), [])

    def test_rgw_enforces_multipart_min_part_size(self):
        up = json.loads(s3env.aws("s3api", "create-multipart-upload", "--bucket",
                                  self.bucket, "--key", "small-parts",
                                  check=True).stdout)["UploadId"]
        part = os.path.join(self.tmp.name, "part")
        with open(part, "wb") as f:
            f.write(b"x" * 1024)
        etags = []
        for n in (1, 2):
            r = s3env.aws("s3api", "upload-part", "--bucket", self.bucket,
                          "--key", "small-parts", "--upload-id", up,
                          "--part-number", n, "--body", part, check=True)
            etags.append(json.loads(r.stdout)["ETag"])
        parts = {"Parts": [{"ETag": e, "PartNumber": i + 1}
                           for i, e in enumerate(etags)]}
        # Through the proxy, to read the error code.
        r = s3env.aws("s3api", "complete-multipart-upload", "--bucket",
                      self.bucket, "--key", "small-parts", "--upload-id", up,
                      "--multipart-upload", json.dumps(parts),
                      endpoint=self.proxy.endpoint)
        self.assertNotEqual(r.returncode, 0)
        done = self.proxy.requests(method="POST", query="uploadId")
        self.assertEqual(done[-1]["status"], 400)
        self.assertEqual(done[-1]["error_code"], "EntityTooSmall")
        self.assertEqual([u["UploadId"] for u in
                          s3env.list_multipart_uploads(self.bucket)], [up])

    def test_wrong_secret_is_rejected(self):
        r = s3env.aws("s3", "ls", "s3://" + self.bucket,
                      endpoint=self.proxy.endpoint, secret_key="wrong" * 8)
        self.assertNotEqual(r.returncode, 0)
        e = self.proxy.requests()[-1]
        self.assertEqual((e["status"], e["error_code"]),
                         (403, "SignatureDoesNotMatch"))

    def test_proxy_forwards_signed_requests_unchanged(self):
        data = os.urandom(3 * MIB + 17)
        s3env.put_object(self.bucket, "via-proxy", data,
                         endpoint=self.proxy.endpoint)
        self.assertEqual(s3env.get_object(self.bucket, "via-proxy",
                                          endpoint=self.proxy.endpoint), data)
        puts = self.proxy.requests(method="PUT", path="/via-proxy$")
        self.assertEqual(len(puts), 1)
        self.assertEqual(puts[0]["status"], 200)
        self.assertEqual(puts[0]["body_bytes"], len(data))
        # The client signed for the proxy's host:port, and RGW accepted it.
        self.assertEqual(puts[0]["headers"]["host"],
                         "127.0.0.1:%d" % self.proxy.port)
        gets = self.proxy.requests(method="GET", path="/via-proxy$")
        self.assertEqual([g["status"] for g in gets], [200])

    def test_proxy_injects_error_then_forwards(self):
        f = self.proxy.add_fault("error", method="GET", path="^/" + self.bucket,
                                 status=500, code="InternalError", times=1)
        status, body = self.raw("GET", "/%s?list-type=2" % self.bucket)
        self.assertEqual(status, 500)
        self.assertIn(b"<Code>InternalError</Code>", body)
        # times=1: the next one reaches RGW, which refuses anonymous listing.
        status, body = self.raw("GET", "/%s?list-type=2" % self.bucket)
        self.assertEqual(status, 403)
        self.assertIn(b"AccessDenied", body)
        self.assertEqual(f.hits, 1)
        self.assertEqual([(e["fault"], e["status"]) for e in self.proxy.requests()],
                         [("error", 500), (None, 403)])

    def test_proxy_resets_connection(self):
        self.proxy.add_fault("reset", method="PUT", query="partNumber=2")
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            self.raw("PUT", "/%s/k?partNumber=2&uploadId=x" % self.bucket,
                     body=b"abc")
        # Other requests pass.
        status, _ = self.raw("PUT", "/%s/k?partNumber=1&uploadId=x" % self.bucket,
                             body=b"abc")
        self.assertEqual(status, 403)
        self.assertIsNone(self.proxy.requests()[0]["status"])
        self.assertEqual(self.proxy.requests()[0]["body_bytes"], 3)

    def test_awscli_retries_through_injected_faults(self):
        src = os.path.join(self.tmp.name, "17mib")
        with open(src, "wb") as f:
            f.write(os.urandom(17 * MIB))
        self.proxy.add_fault("error", method="PUT", query="partNumber=2",
                             status=503, code="SlowDown")
        complete = self.proxy.add_fault("error200", method="POST",
                                        query="uploadId=")
        s3env.aws("s3", "cp", "--no-progress", src,
                  "s3://%s/retried" % self.bucket,
                  endpoint=self.proxy.endpoint, check=True)
        self.assertEqual(complete.hits, 1)
        part2 = self.proxy.requests(method="PUT", query="partNumber=2")
        self.assertEqual([p["status"] for p in part2], [503, 200])
        posts = self.proxy.requests(method="POST", query="uploadId=")
        self.assertEqual([(p["status"], p["error_code"]) for p in posts],
                         [(200, "InternalError"), (200, None)])
        self.assertEqual(s3env.object_sha256(self.bucket, "retried"),
                         s3env.sha256(src))

    def test_proxy_standalone_with_control_endpoint(self):
        log = os.path.join(self.tmp.name, "proxy.jsonl")
        p = subprocess.Popen(
            [sys.executable, os.path.join(S3_DIR, "fault_proxy.py"),
             "--upstream", self.s3["endpoint"], "--log", log, "--fault",
             json.dumps({"action": "error", "status": 503, "code": "SlowDown",
                         "method": "GET", "path": "^/cli-fault$"})],
            stdout=subprocess.PIPE, text=True)
        try:
            line = p.stdout.readline().strip()
            self.assertTrue(line.startswith("FAULT_PROXY_ENDPOINT=http://"), line)
            port = port_of(line)
            self.assertEqual(self.raw("GET", "/cli-fault", port=port)[0], 503)
            status, _ = self.raw(
                "POST", "/__fault_proxy__/faults", port=port,
                body=json.dumps({"action": "reset", "path": "^/later$"}))
            self.assertEqual(status, 200)
            with self.assertRaises((ConnectionError, http.client.HTTPException)):
                self.raw("GET", "/later", port=port)
            status, body = self.raw("GET", "/__fault_proxy__/log", port=port)
            entries = json.loads(body)
            self.assertEqual([(e["path"], e["fault"]) for e in entries],
                             [("/cli-fault", "error"), ("/later", "reset")])
        finally:
            p.terminate()
            p.wait(10)
            p.stdout.close()
        with open(log) as f:
            self.assertEqual(len(f.readlines()), 2)

    def test_rgw_sh_start_is_idempotent(self):
        d = self.s3["rgw_dir"]
        if not d:
            self.skipTest("RGW not started by rgw.sh here")
        pids = {}
        for name in ("mon.a", "osd.0", "client.rgw"):
            with open(os.path.join(d, "run", name + ".pid")) as f:
                pids[name] = f.read().strip()
        r = subprocess.run([s3env.RGW_SH, "start", d], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("S3_ENDPOINT=%s\n" % self.s3["endpoint"], r.stdout)
        for name, pid in pids.items():  # the same daemons, not restarted ones
            with open(os.path.join(d, "run", name + ".pid")) as f:
                self.assertEqual(f.read().strip(), pid, name)
            self.assertTrue(os.path.exists("/proc/%s" % pid), name)
        with socket.create_connection(("127.0.0.1", port_of(self.s3["endpoint"])),
                                      timeout=5):
            pass


if __name__ == "__main__":
    unittest.main(verbosity=2)
