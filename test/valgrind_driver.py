#!/usr/bin/python3
"""valgrind_driver.py - run check, in and out under valgrind memcheck against
the fake GitHub (test/fakes/fake_github.py) and RGW (test/s3/s3env.py, behind
the fault proxy), on successful runs (a small asset and a multipart upload,
with retries and a resumed download on the way) and on failing ones (bad
token, corrupted download, wrong S3 secret), and sum up what valgrind found.

Prints one line per run and, last, the summary
    valgrind: check in out: 0 errors, 0 bytes definitely lost
and exits 0 only when every run had 0 errors and 0 definitely-lost bytes and
ended as expected. Used by test/valgrind.sh; the executables come from
GRM_BIN_DIR (default build/). Standard library only (+ Debian's awscli, via
s3env, to read the bucket back)."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "fakes"))
sys.path.insert(0, os.path.join(HERE, "s3"))
from fake_github import FakeGitHub  # noqa: E402
import s3env  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

TOKEN = "ghp_ValgrindDriverToken0123456789abcdef"
OWNER, REPO = "octo", "widget"
MIB = 1024 * 1024
VALGRIND = ["valgrind", "--tool=memcheck", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--error-exitcode=99",
            "--track-fds=no", "--num-callers=30"]


def bin_dir():
    return os.environ.get("GRM_BIN_DIR") or os.path.join(ROOT, "build")


class Driver:
    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="grm-valgrind-")
        self.tmp = os.path.join(self.work, "tmp")
        os.makedirs(self.tmp)
        self.runs = []          # (label, errors, definitely lost bytes, ok)
        self.failed = False

    def env(self):
        return {"PATH": "/usr/bin:/bin", "LANG": "C", "TMPDIR": self.tmp, "HOME": self.tmp,
                "GRM_RETRY_BASE_MS": "50", "GRM_CONNECT_TIMEOUT": "10",
                "GRM_LOW_SPEED_TIME": "20"}

    def run(self, label, name, request, args=(), want_rc=0, env=None):
        """Run one executable under valgrind; returns its stdout."""
        log = os.path.join(self.work, "%s.vg.log" % label)
        argv = VALGRIND + ["--log-file=" + log, os.path.join(bin_dir(), name)] + list(args)
        p = subprocess.run(argv, input=json.dumps(request).encode(), capture_output=True,
                           env=dict(self.env(), **(env or {})), timeout=1800)
        with open(log, encoding="utf-8", errors="replace") as fp:
            text = fp.read()
        m = re.search(r"ERROR SUMMARY: ([\d,]+) errors", text)
        errors = int(m.group(1).replace(",", "")) if m else -1
        m = re.search(r"definitely lost: ([\d,]+) bytes", text)
        lost = int(m.group(1).replace(",", "")) if m else 0
        ok = errors == 0 and lost == 0 and p.returncode == want_rc
        self.runs.append((label, errors, lost, ok))
        print("%-28s exit %d (want %d), %d errors, %d bytes definitely lost%s"
              % (label, p.returncode, want_rc, errors, lost, "" if ok else "  <-- FAILED"))
        if not ok:
            self.failed = True
            sys.stdout.write(p.stderr.decode("utf-8", "replace")[-2000:])
            sys.stdout.write(text[-6000:])
        sys.stdout.flush()
        return p.stdout.decode("utf-8", "replace")

    def expect(self, cond, what):
        if not cond:
            print("FAILED: " + what)
            self.failed = True

    def main(self):
        s3 = s3env.ensure()
        bucket = s3env.make_bucket("grm-valgrind")
        proxy = FaultProxy(s3["endpoint"]).start()
        gh = FakeGitHub(token=TOKEN).start()
        try:
            self.scenario(gh, proxy, s3, bucket)
        finally:
            gh.stop()
            proxy.stop()
            s3env.delete_bucket(bucket)
            shutil.rmtree(self.work, ignore_errors=True)
        total_errors = sum(max(r[1], 0) for r in self.runs)
        total_lost = sum(r[2] for r in self.runs)
        print("valgrind: check in out: %d errors, %d bytes definitely lost"
              % (total_errors, total_lost))
        return 1 if self.failed or total_errors or total_lost else 0

    def scenario(self, gh, proxy, s3, bucket):
        old = gh.add_release(OWNER, REPO, "v1.0.0")
        gh.add_asset(old, "old.bin", size=100)
        rel = gh.add_release(OWNER, REPO, "v1.1.0", body="notes\n", annotated=True)
        small = gh.add_asset(rel, "small.txt", size=1500, content_type="text/plain")
        big = gh.add_asset(rel, "big.bin", size=2 * 5 * MIB + 12345)
        src = {"owner": OWNER, "repository": REPO, "access_token": TOKEN,
               "github_api_url": gh.api_url,
               "mirror": {"bucket": bucket, "endpoint": proxy.endpoint,
                          "access_key_id": s3["access_key"],
                          "secret_access_key": s3["secret_key"], "region": s3["region"],
                          "part_size": 5 * MIB, "concurrency": 2}}
        version = {"tag": rel.tag, "id": str(rel.id), "timestamp": rel.published_at}

        # check: a 502 retried, then the listing (and again from the cache).
        gh.add_fault(path_regex=r"/releases$", action="status", code=502)
        out = self.run("check", "check", {"source": src})
        self.expect(out and json.loads(out) == [version], "check printed %r" % out)
        self.run("check-cached", "check", {"source": src, "version": version})

        # in: a reset mid-download resumed with Range, source tarball.
        sources = os.path.join(self.work, "sources")
        dest = os.path.join(sources, "rel")
        os.makedirs(dest)
        gh.add_fault(listener="asset", action="reset_mid_body", path_regex=r"/big\.bin$")
        out = self.run("in", "in", {"source": src, "version": version,
                                    "params": {"include_source_tarball": True}}, [dest])
        for a in (small, big):
            path = os.path.join(dest, a.name)
            got = s3env.sha256(path) if os.path.exists(path) else None
            self.expect(got == a.sha256, "in: %s sha256 %s" % (a.name, got))

        # out: one PUT, a multipart upload with a part retried, manifest,
        # latest.json; then again (everything skipped), with keep_versions.
        proxy.add_fault("error", method="PUT", query="partNumber=2", status=500)
        self.run("out", "out", {"source": src, "params": {"from": "rel"}}, [sources])
        key = "%s/%s/%s/big.bin" % (OWNER, REPO, rel.tag)
        self.expect(s3env.object_sha256(bucket, key) == big.sha256, "out: %s" % key)
        self.run("out-unchanged", "out", {"source": src, "params": {"from": "rel",
                                                                     "keep_versions": 1}},
                 [sources])

        # Failing runs: their error paths must not leak either.
        bad = dict(src, access_token="ghp_wrongValgrindToken0123456789abcdefgh")
        self.run("check-401", "check", {"source": bad}, want_rc=1)
        gh.add_fault(listener="asset", action="corrupt_byte", times=None)
        bad_dest = os.path.join(self.work, "dest-bad")
        os.makedirs(bad_dest)
        self.run("in-sha256-mismatch", "in", {"source": src, "version": version}, [bad_dest],
                 want_rc=1)
        gh.clear_faults()
        wrong = dict(src, mirror=dict(src["mirror"], secret_access_key="wrong" * 8))
        self.run("out-wrong-secret", "out", {"source": wrong, "params": {"from": "rel"}},
                 [sources], want_rc=1)
        proxy.add_fault("error", method="PUT", query="partNumber=1", status=500, times=None)
        self.run("out-part-fails", "out", {"source": src, "params": {"from": "rel",
                                                                      "force": True}},
                 [sources], want_rc=1, env={"GRM_MAX_ATTEMPTS": "2"})


if __name__ == "__main__":
    if not shutil.which("valgrind"):
        print("valgrind_driver.py: valgrind is not installed", file=sys.stderr)
        sys.exit(2)
    sys.exit(Driver().main())
