#!/usr/bin/python3
"""test_in_safety.py - black-box tests of `in` against the fake GitHub:

  - temporary files live in a private directory (mkdtemp in DEST, mode
    0700) that no asset name can reach, and are gone afterwards; an asset
    named like an old-style temporary file downloads as itself;
  - a resumed download sends If-Range with the first answer's ETag;
  - a malformed `digest` is an error naming the asset (another algorithm is
    ignored);
  - `concurrency` bounds open files and threads: 1000 assets download with
    `ulimit -n 64`, never more than a few threads at once.

Run: GRM_BIN_DIR=<build dir> /usr/bin/python3 test_in_safety.py."""

import json
import os
import resource
import stat
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bbutil import FAST_ENV, PASS_ENV, GitHubCase, binary, sha256_file  # noqa: E402


class TestTempDir(GitHubCase):
    def test_partial_files_are_in_a_private_directory(self):
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "slow.bin", size=2 * 1024 * 1024)
        self.gh.add_fault(listener="asset", action="stall", fraction=0.5, seconds=3,
                          then="continue")
        dest = self.mkdir("dest")
        seen = []

        def watch():
            deadline = time.time() + 30
            while time.time() < deadline and not seen:
                names = os.listdir(dest)
                if names:
                    for n in names:
                        st = os.lstat(os.path.join(dest, n))
                        inner = (os.listdir(os.path.join(dest, n))
                                 if stat.S_ISDIR(st.st_mode) else None)
                        seen.append((n, stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                                     inner))
                time.sleep(0.02)

        t = threading.Thread(target=watch)
        t.start()
        got = self.get_ok(self.version(r), dest=dest)
        t.join()
        self.assertEqual(got["version"]["tag"], "v1.0.0")
        self.assertEqual(len(seen), 1, seen)
        name, fmt, mode, inner = seen[0]
        self.assertTrue(name.startswith(".grm-tmp-"), seen)
        self.assertEqual((fmt, mode), (stat.S_IFDIR, 0o700), seen)
        self.assertEqual(len(inner), 1, seen)
        self.assertFalse([n for n in os.listdir(dest) if n.startswith(".grm-")])

    def test_assets_named_like_temporary_files_download_as_themselves(self):
        r = self.rel("v1.0.0")
        names = [".grm-part-0-1", ".grm-meta-1.tmp", ".grm-tmp-1-abcdef", "0", "meta"]
        assets = [self.gh.add_asset(r, n, size=500 + i) for i, n in enumerate(names)]
        dest = self.mkdir("dest")
        self.get_ok(self.version(r), dest=dest)
        for a in assets:
            self.assertEqual(sha256_file(os.path.join(dest, a.name)), a.sha256, a.name)
        self.assertFalse([n for n in os.listdir(dest)
                          if n.startswith(".grm-tmp-") and n not in names])


class TestResume(GitHubCase):
    def test_resumed_download_sends_if_range(self):
        r = self.rel("v1.0.0")
        a = self.gh.add_asset(r, "big.bin", size=3 * 1024 * 1024, digest=False)
        self.gh.add_fault(listener="asset", action="reset_mid_body", fraction=0.5)
        dest = self.mkdir("dest")
        self.get_ok(self.version(r), dest=dest)
        self.assertEqual(sha256_file(os.path.join(dest, "big.bin")), a.sha256)
        log = [e for e in self.asset_log() if e["method"] == "GET"]
        self.assertEqual(len(log), 2, log)
        self.assertIsNone(log[0]["headers"].get("if-range"))
        self.assertTrue(log[1]["headers"].get("range", "").startswith("bytes="), log[1])
        self.assertRegex(log[1]["headers"].get("if-range") or "", r'^"[0-9a-f]{40}"$')

    def test_asset_replaced_between_attempts_is_not_spliced(self):
        r = self.rel("v1.0.0")
        old, new = b"A" * (3 * 1024 * 1024), b"B" * (3 * 1024 * 1024)
        a = self.gh.add_asset(r, "tool.bin", content=old, digest=False)
        self.gh.add_fault(listener="asset", action="reset_mid_body", fraction=0.5)

        def replace(entry):  # after the broken first answer, before the resume
            self._stamp_end(entry)
            if entry.get("fault") == "reset_mid_body":
                a._content, a._sha256, a.etag = new, None, '"replaced"'
        self.gh.on_request = replace
        dest = self.mkdir("dest")
        self.get_ok(self.version(r), dest=dest)
        with open(os.path.join(dest, "tool.bin"), "rb") as fp:
            got = fp.read()
        self.assertEqual(got, new, "spliced from two versions")
        log = [e for e in self.asset_log() if e["method"] == "GET"]
        self.assertEqual([e["status"] for e in log], [200, 200], log)


class TestDigest(GitHubCase):
    def test_malformed_digest_is_an_error_naming_the_asset(self):
        for i, bad in enumerate(("sha256:xyz", "sha256:" + "g" * 64, "deadbeef", ":",
                                 "sha256:" + "a" * 63)):
            r = self.rel("v1.0.%d" % i)
            self.gh.add_asset(r, "tool-%d.tgz" % i, size=100, digest=bad)
            res = self.get(self.version(r), dest=self.mkdir("d%d" % i))
            self.assertFailsClearly(res, '"tool-%d.tgz"' % i, "malformed digest")
            self.assertEqual(os.listdir(os.path.join(self.scratch, "d%d" % i)), [])

    def test_other_algorithm_is_ignored(self):
        r = self.rel("v2.0.0")
        a = self.gh.add_asset(r, "x.bin", size=100, digest="sha512:" + "ab" * 64)
        dest = self.mkdir("dest")
        self.get_ok(self.version(r), dest=dest)
        self.assertEqual(sha256_file(os.path.join(dest, "x.bin")), a.sha256)


class TestBoundedResources(GitHubCase):
    def test_thousand_assets_with_ulimit_64(self):
        r = self.rel("v1.0.0")
        for i in range(1000):
            self.gh.add_asset(r, "a%04d.bin" % i, size=64 + i % 7)
        dest = self.mkdir("dest")
        env = {"PATH": "/usr/bin:/bin", "LANG": "C", "TMPDIR": self.tmpdir, "HOME": self.tmpdir}
        env.update(FAST_ENV)
        for k in PASS_ENV:
            if k in os.environ:
                env[k] = os.environ[k]
        req = {"source": self.source(), "version": self.version(r),
               "params": {"concurrency": 1}}

        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

        p = subprocess.Popen([binary("in"), dest], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             preexec_fn=limit)
        most = {"threads": 0, "fds": 0}

        def sample():
            while p.poll() is None:
                try:
                    with open("/proc/%d/status" % p.pid) as f:
                        for line in f:
                            if line.startswith("Threads:"):
                                most["threads"] = max(most["threads"], int(line.split()[1]))
                    most["fds"] = max(most["fds"], len(os.listdir("/proc/%d/fd" % p.pid)))
                except OSError:
                    pass
                time.sleep(0.01)

        t = threading.Thread(target=sample)
        t.start()
        out, err = p.communicate(json.dumps(req).encode(), timeout=600)
        t.join()
        self.assertEqual(p.returncode, 0, err.decode()[-2000:])
        self.assertEqual(json.loads(out)["version"]["tag"], "v1.0.0")
        self.assertEqual(len([n for n in os.listdir(dest) if n.startswith("a")]), 1000)
        self.assertLessEqual(most["threads"], 4, most)
        self.assertLessEqual(most["fds"], 24, most)


if __name__ == "__main__":
    unittest.main(verbosity=2)
