#!/usr/bin/python3
"""test_faults.py - the fault matrix of the hardening issue, one test per
row, with the real executables against the fake GitHub
(test/fakes/fake_github.py) and against RGW behind the fault-injecting proxy
(test/s3/fault_proxy.py).

Every row ends one of two ways: the command recovers and its output is right
(files and their sha256, objects in the bucket), or it fails cleanly: a
non-zero exit, nothing on stdout (so no version), exactly one "error:" line
on stderr (the last one; retry warnings may precede it) naming the problem,
and no partial file under a final name in DEST nor partial object under a
final key in the bucket.

Rows that test_check.py, test_in.py or test_out.py cover in more depth are
here in a compact form too, so that the whole table lives in one place.
Each test's docstring is its row; the last stderr line, "fault matrix: N of
M rows pass" (a skipped row does not pass), is what scripts/reliability
reads. Run: GRM_BIN_DIR=<build dir> /usr/bin/python3 test_faults.py"""

import calendar
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bbutil import (FAST_ENV, META_FILES, OWNER, PASS_ENV, REPO, SANITIZER_MARKERS,  # noqa: E402
                    TOKEN,
                    CheckRecovery, Result, binary, closed_port, read_text, sha256_file, tree)
from test_out import OutCase, query  # noqa: E402
from nethelp import Foreign, Trickle  # noqa: E402

MIB = 1024 * 1024


def temp_files(paths):
    """The temporary names (.grm-*) among tree() entries."""
    return [p for p in paths if os.path.basename(p.rstrip("/")).startswith(".grm-")]


def set_fsize_limit(limit):
    """preexec_fn: files may grow to `limit` bytes; SIGXFSZ ignored so that
    write() fails with EFBIG instead of killing the process."""

    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


class FaultCase(OutCase):
    """OutCase (fake GitHub, bucket, proxy in front of RGW) plus the clean
    failure assertions of the matrix."""

    def setUp(self):
        super().setUp()
        self.dest = self.mkdir("dest")

    def env_for(self, env):
        e = {"PATH": "/usr/bin:/bin", "LANG": "C", "TMPDIR": self.tmpdir, "HOME": self.tmpdir}
        e.update(FAST_ENV)
        e.update({k: os.environ[k] for k in PASS_ENV if k in os.environ})
        e.update(env or {})
        return e

    def spawn(self, name, request, args=(), env=None, preexec_fn=None):
        """Popen of executable `name` with the request on stdin, as bbutil.run
        would start it, plus a preexec_fn (rlimits, signals)."""
        p = subprocess.Popen([binary(name)] + list(args), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=self.env_for(env), preexec_fn=preexec_fn)
        p.stdin.write(json.dumps(request).encode())
        p.stdin.close()
        p.stdin = None                  # for communicate()
        return p

    def finish(self, p, argv, t0, timeout=120):
        out, err = p.communicate(timeout=timeout)
        res = Result(argv, p.returncode, out.decode("utf-8", "replace"),
                     err.decode("utf-8", "replace"), time.monotonic() - t0)
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, res.stderr, res)
        self.assertNotIn(TOKEN, res.stdout + res.stderr, "token leaked")
        return res

    def run_with(self, name, request, args=(), env=None, preexec_fn=None):
        t0 = time.monotonic()
        p = self.spawn(name, request, args, env, preexec_fn)
        return self.finish(p, [name] + list(args), t0)

    def in_request(self, rel, params=None, source=None):
        req = {"source": source or self.source(), "version": self.version(rel)}
        if params is not None:
            req["params"] = params
        return req

    # ---- outcomes ----

    def assertRecoveredIn(self, res, assets, dest=None):
        """`in` succeeded: the version on stdout, DEST holds exactly the
        metadata files and the assets with the fake's bytes."""
        dest = dest or self.dest
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertIn("version", res.json)
        self.assertEqual(set(tree(dest)), set(META_FILES) | {a.name for a in assets})
        for a in assets:
            self.assertEqual(sha256_file(os.path.join(dest, a.name)), a.sha256, a.name)

    def assertFailedCleanly(self, res, *needles, dest=None, allowed=()):
        """Non-zero exit, nothing on stdout, one error line (the last) holding
        every needle; DEST (when given) holds no temporary file and, besides
        `allowed` whole files, nothing."""
        self.assertFailsClearly(res, *needles)
        if dest is not None:
            left = tree(dest)
            self.assertEqual(temp_files(left), [], left)
            self.assertEqual(sorted(set(left) - set(allowed)), [], left)

    def assertNoPartialKeys(self, whole=None):
        """The bucket holds no unfinished upload, and only the keys of
        `whole` ({key: asset}), each with the asset's bytes."""
        whole = whole or {}
        self.assertNoUploads()
        self.assertEqual(self.keys(), sorted(whole))
        for key, asset in whole.items():
            self.assertEqual(self.s3r.sha256(self.bucket, key), asset.sha256, key)


class TestGitHubAPI(CheckRecovery, FaultCase):
    """Rows "GitHub API"."""

    def setUp(self):
        super().setUp()
        self.a = self.gh.add_asset(self.r2, "app.tar.gz", size=3000)

    def test_row01_5xx_twice_then_ok(self):
        """GitHub API | 500/502/503 twice, then OK | recovers"""
        for code in (500, 502, 503):
            with self.subTest(code=code, cmd="check"):
                self.gh.clear_log()
                self.gh.add_fault(path_regex=r"/releases$", action="status", code=code, times=2)
                res = self.check(tmpdir=self.mkdir("tmp-%d" % code))    # no ETag cache
                self.assertCheckRecovered(res, 3)
                self.assertEqual([e["status"] for e in self.list_log()], [code, code, 200])
                self.assertEqual(len(res.warnings), 2, res)
            with self.subTest(code=code, cmd="in"):
                self.gh.clear_log()
                dest = self.mkdir("dest-%d" % code)
                self.gh.add_fault(path_regex=r"/releases/\d+$", action="status", code=code,
                                  times=2)
                res = self.get(self.version(self.r2), dest=dest)
                self.assertRecoveredIn(res, [self.a], dest)
                self.assertEqual([e["status"] for e in self.api_log(r"/releases/\d+$")],
                                 [code, code, 200])

    def test_row02_429_retry_after_1s(self):
        """GitHub API | 429 with retry-after: 1 | waits about 1 s, recovers"""
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=429,
                          headers={"retry-after": "1"})
        res = self.check_recovers_after_a_wait()
        self.assertLess(self.gap(), 3)
        self.assertEqual(len(res.warnings), 1, res)
        self.assertIn("retry-after 1", res.warnings[0])

    def test_row03_403_rate_limit_reset_in_2s(self):
        """GitHub API | 403 with x-ratelimit-remaining: 0, reset in 2 s | waits, recovers"""
        self.gh.add_fault(path_regex=r"/releases/\d+$", action="rate_limited", reset_in=2)
        res = self.get(self.version(self.r2))
        self.assertRecoveredIn(res, [self.a])
        log = self.api_log(r"/releases/\d+$")
        self.assertEqual([e["status"] for e in log], [403, 200])
        self.assertGreaterEqual(log[1]["time"] - log[0]["end"], 1.0)
        self.assertLess(res.elapsed, 10)
        self.assertTrue(any("rate limit" in w for w in res.warnings), res)

    def test_row04_403_rate_limit_reset_in_2h(self):
        """GitHub API | 403 rate limit, reset in 2 h | fails at once, naming the reset time"""
        for cmd in ("check", "in"):
            with self.subTest(cmd=cmd):
                self.gh.clear_log()
                self.gh.add_fault(path_regex=r"/releases(/\d+)?$", action="rate_limited",
                                  reset_in=7200)
                reset = int(time.time() + 7200)
                res = self.check() if cmd == "check" else self.get(self.version(self.r2))
                self.assertFailedCleanly(res, "rate limit", "0 of 5000",
                                         dest=None if cmd == "check" else self.dest)
                when = re.search(r"resets at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", res.errors[0])
                self.assertIsNotNone(when, res)
                at = calendar.timegm(time.strptime(when.group(1), "%Y-%m-%dT%H:%M:%SZ"))
                self.assertLessEqual(abs(at - reset), 2)
                self.assertLess(res.elapsed, 5)
                self.assertEqual(len(self.gh.log), 1)

    def test_row05_connection_refused_or_dns_failure(self):
        """GitHub API | connection refused or DNS failure | bounded retries, then a clear error"""
        for what, url, host in (
                ("refused", "http://127.0.0.1:%d" % closed_port(), "127.0.0.1"),
                ("dns", "http://nonexistent.invalid", "nonexistent.invalid")):
            for cmd in ("check", "in"):
                with self.subTest(what=what, cmd=cmd):
                    env = {"GRM_MAX_ATTEMPTS": "3", "GRM_CONNECT_TIMEOUT": "3"}
                    src = self.source(github_api_url=url)
                    res = (self.check(source=src, env=env) if cmd == "check" else
                           self.get(self.version(self.r2), source=src, env=env))
                    self.assertFailedCleanly(res, host, "gave up after 3 attempts",
                                             dest=None if cmd == "check" else self.dest)
                    self.assertEqual(len(res.warnings), 2, res)   # attempts 2 and 3
                    self.assertLess(res.elapsed, 20)
        self.assertEqual(self.gh.log, [])

    def test_row06_invalid_json_or_wrong_shape(self):
        """GitHub API | invalid JSON, or the wrong shape (assets a string) | a clear error"""
        cases = [
            ("check", r"/releases$", "invalid_json", {}, ("invalid JSON", "/releases")),
            ("in", r"/releases/\d+$", "invalid_json", {}, ("invalid JSON", "/releases/")),
            ("check", r"/releases$", "wrong_shape", {}, ("unexpected JSON", "assets")),
            ("in", r"/releases/\d+$", "wrong_shape", {}, ("unexpected JSON", '"assets"')),
            ("in", r"/releases/\d+/assets$", "wrong_shape", {"json": {"message": "x"}},
             ("unexpected JSON", '"assets"')),
            ("in", r"/releases/\d+/assets$", "wrong_shape",
             {"json": [{"id": 1, "name": "a", "state": "uploaded", "size": "big",
                        "url": "x"}]}, ("unexpected JSON", '"size"')),
            ("in", r"/releases/\d+$", "wrong_shape", {"json": [1, 2, 3]},
             ("unexpected JSON", "not an object")),
        ]
        for cmd, path, action, kw, needles in cases:
            with self.subTest(cmd=cmd, path=path, action=action, kw=kw):
                self.gh.clear_faults()
                self.gh.add_fault(path_regex=path, action=action, times=None, **kw)
                res = self.check() if cmd == "check" else self.get(self.version(self.r2))
                self.assertFailedCleanly(res, *needles,
                                         dest=None if cmd == "check" else self.dest)
                self.assertEqual(len(res.lines), 1, res)   # not retried: no warnings
        self.assertEqual(self.asset_log(), [])


class TestAssetHost(FaultCase):
    """Rows "asset host"."""

    def downloads(self):
        return [e for e in self.asset_log() if e["path"].startswith("/download/")]

    def test_row07_reset_at_50_percent_resumes_with_range(self):
        """asset host | connection reset at 50% | resumes with Range; final sha256 correct"""
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "big.bin", size=6 * MIB)
        self.gh.add_fault(listener="asset", action="reset_mid_body", fraction=0.5)
        res = self.get(self.version(r))
        self.assertRecoveredIn(res, [a])
        hits = self.downloads()
        self.assertEqual([e["status"] for e in hits], [200, 206])
        m = re.fullmatch(r"bytes=(\d+)-", hits[1]["headers"].get("range", ""))
        self.assertIsNotNone(m, hits[1]["headers"])
        self.assertTrue(0 < int(m.group(1)) <= 3 * MIB, m.group(1))
        self.assertEqual(hits[1]["bytes_sent"], 6 * MIB - int(m.group(1)))
        manifest = json.loads(read_text(os.path.join(self.dest, "release.json")))
        self.assertEqual(manifest["files"][0]["sha256"], a.sha256)

    def test_row08_stall_beyond_low_speed_timeout(self):
        """asset host | stall longer than the low-speed timeout | retries, recovers"""
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "slow.bin", size=MIB)
        self.gh.add_fault(listener="asset", action="stall", fraction=0.5, seconds=30)
        res = self.get(self.version(r), env={"GRM_LOW_SPEED_TIME": "2"})
        self.assertRecoveredIn(res, [a])
        self.assertLess(res.elapsed, 20)                 # not the 30 s of the stall
        self.assertEqual(len(res.warnings), 1, res)
        hits = self.downloads()
        self.assertEqual(len(hits), 2)
        self.assertRegex(hits[1]["headers"].get("range", ""), r"^bytes=[1-9]\d*-$")

    def test_row09_corrupted_byte(self):
        """asset host | a corrupted byte | sha256 mismatch, fails; no file under the asset's name"""
        r = self.rel("v1.0.0")
        ok = self.gh.add_asset(r, "ok.bin", size=2000)
        bad = self.gh.add_asset(r, "bad.bin", size=300000)
        self.gh.add_fault(listener="asset", action="corrupt_byte", times=None,
                          path_regex=r"/bad\.bin$", offset=123456)
        res = self.get(self.version(r), {"concurrency": 1})
        self.assertFailedCleanly(res, '"bad.bin"', "sha256 mismatch", bad.sha256,
                                 dest=self.dest, allowed=["ok.bin"])
        self.assertNotIn("bad.bin", tree(self.dest))
        if "ok.bin" in tree(self.dest):                   # finished first: whole
            self.assertEqual(sha256_file(os.path.join(self.dest, "ok.bin")), ok.sha256)
        self.assertFalse(set(tree(self.dest)) & set(META_FILES))

    def test_row10_authorization_never_sent_to_the_asset_host(self):
        """asset host | Authorization sent to it | never happens; the fake logs none"""
        r = self.rel("v1.0.0", annotated=True)
        assets = [self.gh.add_asset(r, n, size=400000) for n in ("a.bin", "b.bin", "c.bin")]
        # Retries start over from the API URL (with the token) and must strip
        # it again at the redirect.
        self.gh.add_fault(listener="asset", action="status", code=503, path_regex=r"/a\.bin$")
        self.gh.add_fault(listener="asset", action="reset_mid_body", path_regex=r"/b\.bin$")
        self.gh.add_fault(listener="asset", action="stall", seconds=4, then="reset",
                          path_regex=r"/c\.bin$")
        res = self.get(self.version(r), {"include_source_tarball": True,
                                         "include_source_zip": True},
                       source=self.source(debug=True), env={"GRM_LOW_SPEED_TIME": "2"})
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(set(tree(self.dest)), set(META_FILES) | {"a.bin", "b.bin", "c.bin",
                                                                  "source.tar.gz", "source.zip"})
        for a in assets:
            self.assertEqual(sha256_file(os.path.join(self.dest, a.name)), a.sha256)
        hosted = self.asset_log()
        self.assertGreaterEqual(len(hosted), 8, hosted)  # 5 files, 3 of them twice
        for e in hosted:
            self.assertNotIn("authorization", e["headers"], e["path"])
            self.assertFalse(e["authorization_rejected"], e["path"])
        for e in self.api_log():                          # the token was configured
            self.assertEqual(e["headers"].get("authorization"), "Bearer " + TOKEN, e["path"])


class TestS3(FaultCase):
    """Rows "S3": a release with a small asset (one PUT) and a big one
    (multipart, 3 parts) fetched by `in`, then `out` through the proxy."""

    def setUp(self):
        super().setUp()
        self.fetch_small_and_big()

    def parts(self, n=None):
        return [e for e in self.proxy.requests(method="PUT", query="partNumber=")
                if n is None or query(e)["partNumber"] == str(n)]

    def completes(self):
        return [e for e in self.proxy.requests(method="POST", query="uploadId=")]

    def assertMirrored(self, res):
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(res.json["version"], self.want_version)
        self.assertNoUploads()
        for key, asset in ((self.ks, self.small), (self.kb, self.big)):
            self.assertEqual(self.s3r.sha256(self.bucket, key), asset.sha256, key)
        self.assertEqual(json.loads(self.obj(self.latest_key))["tag"], "v2.0.0")

    def test_row11_500_or_slowdown_on_one_part(self):
        """S3 | 500 / SlowDown on one part | the part is retried; object correct"""
        for status, code in ((500, "InternalError"), (503, "SlowDown")):
            with self.subTest(code=code):
                self.bucket = self.new_bucket()
                self.proxy.clear()
                self.proxy.add_fault("error", method="PUT", query="partNumber=2",
                                     status=status, code=code, message="injected")
                res = self.out(self.name)
                self.assertMirrored(res)
                self.assertEqual([e["status"] for e in self.parts(2)], [status, 200])
                self.assertEqual([e["status"] for e in self.parts(1)], [200])
                self.assertEqual(len([w for w in res.warnings if "HTTP %d" % status in w
                                      and "big.bin" in w]), 1, res)

    def test_row12_403_signature_or_access_denied(self):
        """S3 | 403 SignatureDoesNotMatch, AccessDenied | fails with Code, Message; no retries"""
        wrong = "wrongSecretKey0000000000000000000000000000"
        res = self.out(self.name, self.src(self.mirror(secret_access_key=wrong)))
        self.assertFailedCleanly(res, "403", "SignatureDoesNotMatch")
        self.assertEqual(res.warnings, [], res)
        self.assertLessEqual(len(self.proxy.requests()), 2, self.proxy.log)
        self.assertNoPartialKeys()

        for method, query_ in (("PUT", ""), ("POST", "uploads")):
            with self.subTest(denied=method + " " + query_):
                self.bucket = self.new_bucket()
                self.proxy.clear()
                self.proxy.add_fault("error", method=method, query=query_, status=403,
                                     code="AccessDenied", times=None,
                                     message="Access Denied by bucket policy grm-7")
                res = self.out(self.name)
                self.assertFailedCleanly(res, "AccessDenied",
                                         "Access Denied by bucket policy grm-7")
                self.assertEqual(res.warnings, [], res)
                denied = [e for e in self.proxy.requests() if e["fault"] == "error"]
                self.assertEqual(len(denied), 1, self.proxy.log)   # not retried
                self.assertLessEqual(len(self.proxy.requests()), 6, self.proxy.log)
                self.assertNoPartialKeys({self.ks: self.small} if method == "POST" else None)

    def test_row13_permanent_failure_mid_multipart(self):
        """S3 | lasting failure mid-multipart | AbortMultipartUpload sent; latest.json untouched"""
        r = self.rel("v1.0.0")
        old = self.gh.add_asset(r, "old.bin", size=100)
        self.out_ok(self.fetch(r)[0])
        latest = self.obj(self.latest_key)
        before = {k: self.s3r.sha256(self.bucket, k) for k in self.keys()}
        self.proxy.clear()
        self.proxy.add_fault("error", method="PUT", query="partNumber=2", status=500,
                             times=None)
        res = self.out(self.name, env={"GRM_MAX_ATTEMPTS": "3"})
        self.assertFailedCleanly(res, "UploadPart", "big.bin", "500")
        self.assertEqual([e["status"] for e in self.parts(2)], [500, 500, 500])
        upload_id = query(self.parts(2)[0])["uploadId"]
        aborts = [e for e in self.proxy.requests(method="DELETE", query="uploadId=")]
        self.assertEqual([(query(e)["uploadId"], e["status"]) for e in aborts],
                         [(upload_id, 204)])
        self.assertNoUploads()
        self.assertEqual(self.obj(self.latest_key), latest)
        self.assertEqual(json.loads(latest)["tag"], "v1.0.0")
        after = {k: self.s3r.sha256(self.bucket, k) for k in self.keys()}
        self.assertEqual(set(after) - set(before), {self.ks})     # whole, uploaded first
        self.assertEqual(after[self.ks], self.small.sha256)
        self.assertEqual({k: after[k] for k in before}, before)
        self.assertIn("%s/%s/v1.0.0/old.bin" % (self.source()["owner"],
                                                 self.source()["repository"]), after)
        self.assertEqual(old.sha256, after["%s/%s/v1.0.0/old.bin" % (
            self.source()["owner"], self.source()["repository"])])

    def test_row14_complete_answered_200_with_error(self):
        """S3 | CompleteMultipartUpload answered 200 with an <Error> body | detected as a failure"""
        # Retryable code, for good (the proxy answers, the upload stays open).
        self.proxy.add_fault("error", method="POST", query="uploadId=", status=200,
                             code="InternalError", message="We encountered an internal error",
                             times=None)
        res = self.out(self.name, env={"GRM_MAX_ATTEMPTS": "3"})
        self.assertFailedCleanly(res, "CompleteMultipartUpload", "big.bin", "InternalError")
        self.assertEqual([e["status"] for e in self.completes()], [200, 200, 200])
        self.assertNoPartialKeys({self.ks: self.small})

        # Non-retryable code: fails at once.
        self.bucket = self.new_bucket()
        self.proxy.clear()
        self.proxy.add_fault("error", method="POST", query="uploadId=", status=200,
                             code="AccessDenied", message="no", times=None)
        res = self.out(self.name)
        self.assertFailedCleanly(res, "CompleteMultipartUpload", "AccessDenied")
        self.assertEqual(len(self.completes()), 1)
        self.assertNoPartialKeys({self.ks: self.small})

        # And once, then fine: recovers.
        self.bucket = self.new_bucket()
        self.proxy.clear()
        self.proxy.add_fault("error", method="POST", query="uploadId=", status=200,
                             code="InternalError")
        self.assertMirrored(self.out(self.name))


class TestDisk(FaultCase):
    """Rows "disk"."""

    def setUp(self):
        super().setUp()
        self.r = self.rel("v1.0.0")
        self.small = self.gh.add_asset(self.r, "small.bin", size=1000)
        self.big = self.gh.add_asset(self.r, "big.bin", size=2 * MIB)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run as another user")
    def test_row15_dest_unwritable(self):
        """disk | DEST unwritable | a clear error, nothing half-written under a final name"""
        os.chmod(self.scratch, 0o755)
        os.chmod(self.dest, 0o755)                   # root's: not writable for nobody
        os.chmod(self.tmpdir, 0o777)
        res = self.get(self.version(self.r), user=65534)
        self.assertFailedCleanly(res, self.dest, "not writable", dest=self.dest)
        self.assertEqual(self.gh.log, [])             # refused before any request
        # DEST a file, and DEST missing.
        path = os.path.join(self.scratch, "file")
        with open(path, "w") as fp:
            fp.write("x")
        for d in (path, os.path.join(self.scratch, "missing")):
            with self.subTest(dest=d):
                res = self.get(self.version(self.r), dest=d)
                self.assertFailedCleanly(res, d, "not a directory")
        with open(path) as fp:
            self.assertEqual(fp.read(), "x")
        # Read-only asset_dir target: assets/ exists, not writable for nobody.
        os.mkdir(os.path.join(self.dest, "assets"), 0o755)
        os.chmod(self.dest, 0o777)
        res = self.get(self.version(self.r), source=self.source(asset_dir=True), user=65534)
        self.assertFailedCleanly(res, "cannot create", "Permission denied", dest=self.dest,
                                 allowed=["assets/"])

    def test_row16_disk_full(self):
        """disk | disk full (RLIMIT_FSIZE) | a clear error, nothing half-written under a name"""
        # RLIMIT_FSIZE caps each file. Below the big asset: its download
        # fails with EFBIG, its temporary file is removed.
        res = self.run_with("in", self.in_request(self.r, {"concurrency": 1}), [self.dest],
                            preexec_fn=set_fsize_limit(MIB))
        self.assertNotEqual(res.rc, -signal.SIGXFSZ, res)
        self.assertFailedCleanly(res, '"big.bin"', "File too large", dest=self.dest,
                                 allowed=["small.bin"])
        self.assertNotIn("big.bin", tree(self.dest))

        # Room for every asset (1000 bytes each) but not for release.json,
        # the last file written: the metadata files before it are whole.
        r = self.rel("v2.0.0")
        many = [self.gh.add_asset(r, "asset-%02d.bin" % i, size=1000) for i in range(40)]
        dest = self.mkdir("dest2")
        res = self.run_with("in", self.in_request(r), [dest], preexec_fn=set_fsize_limit(8192))
        whole = [a.name for a in many] + [f for f in META_FILES if f != "release.json"]
        self.assertFailedCleanly(res, '"release.json"', "File too large", dest=dest,
                                 allowed=whole)
        self.assertNotIn("release.json", tree(dest))
        for a in many:
            self.assertEqual(sha256_file(os.path.join(dest, a.name)), a.sha256)
        if "SHA256SUMS" in tree(dest):
            p = subprocess.run(["sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS"],
                               cwd=dest, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        # Enough room: the same run works (the limit is what broke it).
        dest = self.mkdir("dest3")
        res = self.run_with("in", self.in_request(self.r), [dest],
                            preexec_fn=set_fsize_limit(8 * MIB))
        self.assertRecoveredIn(res, [self.small, self.big], dest)


class TestProcess(FaultCase):
    """Rows "process"."""

    def big_and_small_stalled(self, tag="v1.0.0"):
        r = self.rel(tag)
        a = self.gh.add_asset(r, "big.bin", size=8 * MIB)
        small = self.gh.add_asset(r, "small.bin", size=5000)
        self.gh.add_fault(listener="asset", action="stall", fraction=0.5, seconds=60,
                          path_regex=r"/big\.bin$")
        return r, a, small

    def wait_half_of_big(self, p, dest=None):
        """Wait until half of big.bin is on disk in the private temporary
        directory; returns that directory's name."""
        dest = dest or self.dest
        deadline = time.time() + 60
        while time.time() < deadline and p.poll() is None:
            for d in [f for f in os.listdir(dest) if f.startswith(".grm-tmp-")]:
                try:
                    files = os.listdir(os.path.join(dest, d))
                    if any(os.path.getsize(os.path.join(dest, d, f)) >= 4 * MIB
                           for f in files):
                        return d
                except OSError:
                    pass
            time.sleep(0.05)
        self.fail("no progress on big.bin")

    def test_row17_sigkill_during_in_then_run_again(self):
        """process | SIGKILL during in, then run again | the second run completes correctly"""
        r, a, small = self.big_and_small_stalled()
        t0 = time.monotonic()
        p = self.spawn("in", self.in_request(r), [self.dest])
        tmp = self.wait_half_of_big(p)
        p.kill()
        killed = self.finish(p, ["in", self.dest], t0)
        self.assertEqual(killed.rc, -signal.SIGKILL, killed)
        self.assertEqual(killed.stdout, "", killed)
        self.assertNotIn("big.bin", tree(self.dest))
        self.assertFalse(set(tree(self.dest)) & set(META_FILES), tree(self.dest))
        self.assertIn(tmp + "/", temp_files(tree(self.dest)))

        res = self.get(self.version(r))
        self.assertRecoveredIn(res, [a, small])          # leftovers cleaned too
        self.assertIn('removed "%s", left by an interrupted run' % tmp, res.stderr)
        self.assertEqual(temp_files(tree(self.dest)), [])
        sums = read_text(os.path.join(self.dest, "SHA256SUMS"))
        self.assertIn("%s  big.bin\n" % a.sha256, sums)

    def test_row18_sigterm_during_in(self):
        """process | SIGTERM (or SIGINT) during in | exits non-zero within 10 s, no temporary file"""
        for sig, tag in ((signal.SIGTERM, "v1.0.0"), (signal.SIGINT, "v2.0.0")):
            with self.subTest(sig=sig.name):
                r, _, _ = self.big_and_small_stalled(tag)
                dest = self.mkdir("dest-" + sig.name)
                p = self.spawn("in", self.in_request(r), [dest])
                self.wait_half_of_big(p, dest)
                t0 = time.monotonic()
                p.send_signal(sig)
                res = self.finish(p, ["in", dest], t0)
                self.assertLess(res.elapsed, 10.0, res)
                self.assertFailedCleanly(res, "interrupted by " + sig.name, dest=dest,
                                         allowed=("small.bin",))  # whole, verified


class TestAbortS3(FaultCase):
    """Rows "S3, aborted runs": a 4-part upload, each part held 0.7 s."""

    def setUp(self):
        super().setUp()
        r = self.rel("v1.0.0")
        self.big = self.gh.add_asset(r, "big.bin", size=4 * 5 * MIB)
        self.name, _ = self.fetch(r)
        self.key = "%s/%s/v1.0.0/big.bin" % (OWNER, REPO)
        self.proxy.add_fault("delay", method="PUT", query="partNumber=", times=None, delay=0.7)

    def start_put(self):
        req = {"source": self.src(self.mirror(concurrency=1)), "params": {"from": self.name}}
        p = self.spawn("out", req, [self.sources])
        path = "/%s/%s" % (self.bucket, self.key)
        deadline = time.time() + 60
        while time.time() < deadline and p.poll() is None:
            with self.proxy._lock:
                done = [e for e in self.proxy.log if e["path"] == path
                        and "partNumber" in e["query"] and e["status"] == 200]
            if len(done) >= 2:
                return p
            time.sleep(0.05)
        self.fail("the put made no progress")

    def test_row19_sigterm_half_way_through_a_multipart_put(self):
        """S3 | SIGTERM at 50% of a multipart put | upload aborted, exit non-zero within 10 s"""
        p = self.start_put()
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        res = self.finish(p, ["out"], t0)
        self.assertLess(res.elapsed, 10.0, res)
        self.assertFailsClearly(res, "interrupted by SIGTERM")
        self.assertNoPartialKeys()

    def test_row20_sigkill_half_way_then_run_again(self):
        """S3 | SIGKILL at 50% of a multipart put, then run again | the rerun aborts the old upload"""
        p = self.start_put()
        p.kill()
        self.finish(p, ["out"], time.monotonic())
        self.assertEqual([k for k, _ in self.s3r.uploads(self.bucket)], [self.key])
        self.proxy.clear()
        res = self.out(self.name)
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertNoUploads()
        self.assertEqual(self.s3r.sha256(self.bucket, self.key), self.big.sha256)

    def test_row21_file_changed_during_multipart_put(self):
        """S3 | the file changes during its multipart put | upload aborted, nothing stored"""
        p = self.start_put()
        with open(os.path.join(self.sources, self.name, "big.bin"), "r+b") as f:
            f.write(b"changed")
        res = self.finish(p, ["out"], time.monotonic())
        self.assertFailsClearly(res, "changed during its upload")
        self.assertNoPartialKeys()


class TestNetworkRules(FaultCase):
    """Rows "bounded time" and "token origin" (issue 11; in depth:
    test_limits.py, test_token_origin.py)."""

    def test_row_net01_api_trickles_2_bytes_per_second(self):
        """GitHub API | answer trickles at 2 bytes/s | check fails within GRM_REQUEST_TIMEOUT"""
        trickle = Trickle(length=100000, rate=2)
        self.addCleanup(trickle.stop)
        req = {"source": self.source(github_api_url=trickle.url)}
        res = self.run_with("check", req, env={"GRM_REQUEST_TIMEOUT": "2"})
        self.assertFailedCleanly(res, trickle.url, "within 2 s")
        self.assertLess(res.elapsed, 8, res)

    def test_row_net02_download_host_trickles(self):
        """asset host | download trickles at 2 bytes/s | in fails under the minimum average rate, no file left"""
        trickle = Trickle(length=50000, rate=2, content_type="application/octet-stream")
        self.addCleanup(trickle.stop)
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "slow.bin", size=50000)
        self.gh.add_fault(path_regex=r"/releases/assets/%d$" % a.id, action="status", code=302,
                          headers={"Location": trickle.url + "/slow.bin"}, times=None)
        res = self.run_with("in", self.in_request(r), [self.dest],
                            env={"GRM_MIN_RATE": "1000", "GRM_MIN_RATE_GRACE": "1",
                                 "GRM_MAX_ATTEMPTS": "1"})
        self.assertFailedCleanly(res, trickle.url, "minimum average rate", dest=self.dest)

    def test_row_net03_429_on_every_request(self):
        """GitHub API | 429 retry-after 2 s on each request, max_rate_limit_wait 3 | fails at the second wait (one budget per command)"""
        r = self.rel("v1.0.0")
        self.gh.add_fault(path_regex=r"/releases/", action="status", code=429,
                          headers={"Retry-After": "2"}, times=None)
        res = self.run_with("in", self.in_request(r, source=self.source(max_rate_limit_wait=3)),
                            [self.dest])
        self.assertFailedCleanly(res, "max_rate_limit_wait", "whole command", dest=self.dest)
        self.assertLess(res.elapsed, 5.5, res)

    def test_row_net04_redirect_without_location(self):
        """GitHub API | 302 without Location | error names GET, the URL without its query, HTTP 302"""
        self.rel("v1.0.0")
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=302, times=None)
        res = self.run_with("check", {"source": self.source()})
        self.assertFailedCleanly(res, "GET %s/repos/" % self.gh.api_url, "HTTP 302", "Location")
        self.assertNotIn("per_page", res.stderr)

    def test_row_net05_link_to_another_origin(self):
        """GitHub API | Link rel=next on another port | refused, no request (and no token) there"""
        foreign = Foreign()
        self.addCleanup(foreign.stop)
        r = self.rel("v1.0.0")
        self.gh.add_fault(path_regex=r"/releases$", action="status", code=200,
                          body=[self.gh.release_json(r)], times=None,
                          headers={"Link": '<%s/releases?page=2>; rel="next"' % foreign.url})
        res = self.run_with("check", {"source": self.source()})
        self.assertFailedCleanly(res, 'Link rel="next"', foreign.url)
        self.assertEqual(foreign.log, [])


class _RowResult(unittest.TextTestResult):
    """Remembers the id of every test started."""

    def startTest(self, test):
        super().startTest(test)
        self.__dict__.setdefault("started", []).append(test.id())


def _parent_id(test):
    return getattr(test, "test_case", test).id()    # a subtest's test


if __name__ == "__main__":
    runner = unittest.TextTestRunner(verbosity=2, resultclass=_RowResult)
    r = unittest.main(testRunner=runner, exit=False).result
    rows = {i for i in getattr(r, "started", []) if i.rsplit(".", 1)[-1].startswith("test_row")}
    bad = {_parent_id(t) for t, _ in r.failures + r.errors + r.skipped}
    bad |= {_parent_id(t) for t in r.unexpectedSuccesses}
    # scripts/reliability reads this line.
    print("fault matrix: %d of %d rows pass" % (len(rows - bad), len(rows)), file=sys.stderr)
    sys.exit(0 if r.wasSuccessful() else 1)
