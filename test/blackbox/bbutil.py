"""bbutil.py - helpers shared by the black-box suites (test_*.py): find the
built executables (env GRM_BIN_DIR, else build/ at the repository root), run
one with a request on stdin in a clean environment and its own TMPDIR, parse
what it prints, a TestCase base that starts a fresh fake GitHub
(test/fakes/fake_github.py) for every test, a mixin for check runs that must
recover, a silent TCP listener standing in for S3, and the most requests a
log shows in flight at once.

Every run is also checked for sanitizer reports, so the same suites serve the
ASan/UBSan build. Standard library only."""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "fakes"))
from fake_github import FakeGitHub  # noqa: E402

TOKEN = "ghp_BlackBoxSecretToken0123456789abcd"
OWNER, REPO = "octo", "widget"
META_FILES = ("tag", "version", "commit_sha", "body", "url", "timestamp", "release.json",
              "SHA256SUMS")
# Fast knobs the executables honour (see lib/http/http_run.c).
FAST_ENV = {"GRM_RETRY_BASE_MS": "50", "GRM_CONNECT_TIMEOUT": "5"}
PASS_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                     "runtime error:")


def bin_dir():
    return os.environ.get("GRM_BIN_DIR") or os.path.join(ROOT, "build")


def binary(name):
    return os.path.join(bin_dir(), name)


def grm_verify(*args, timeout=None):
    """Run grm-verify with args; the CompletedProcess (text). Sanitizer
    reports on stderr fail the caller at once."""
    r = subprocess.run([binary("grm-verify"), *args], capture_output=True, text=True,
                       timeout=timeout)
    for m in SANITIZER_MARKERS:
        assert m not in r.stderr, r.stderr
    return r


class GrmVerifyAsserts:
    """Assertions on a grm-verify result (mixed into a TestCase)."""

    def verified(self, r):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("verified:", r.stdout)
        self.assertEqual(r.stderr, "")

    def refused(self, r, step, text=""):
        """Exit 1 with one line 'grm-verify: STEP: ...' holding text."""
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("grm-verify: %s: " % step), lines[0])
        self.assertIn(text, lines[0])


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as fp:
        for chunk in iter(lambda: fp.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_text(path):
    with open(path, encoding="utf-8") as fp:
        return fp.read()


def tree(path):
    """Sorted relative paths of everything under path ("d/" for directories)."""
    out = []
    for base, dirs, files in os.walk(path):
        rel = os.path.relpath(base, path)
        for d in dirs:
            out.append(os.path.normpath(os.path.join(rel, d)) + "/")
        for f in files:
            out.append(os.path.normpath(os.path.join(rel, f)))
    return sorted(out)


def closed_port():
    """A local TCP port nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def max_overlap(entries, slack=0.0):
    """Most of these logged requests (each with "time" and "end") in flight
    at once; the last `slack` seconds of each are ignored (the client may be
    done before the server stamps the end)."""
    events = sorted([(e["time"], 1) for e in entries] +
                    [(e["end"] - slack, -1) for e in entries])
    best = cur = 0
    for _, step in events:
        cur += step
        best = max(best, cur)
    return best


class Listener:
    """A plain TCP listener on 127.0.0.1 standing in for S3 where no request
    should arrive or none gets an answer: self.log keeps the bytes of every
    connection up to the end of its request head, then the connection is
    closed without an answer."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.log = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(2)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            self.log.append(data)
            conn.close()

    def wait(self, count, seconds=2.0):
        """True once the log holds more than `count` connections; polls for
        up to `seconds` (a connection may be logged after the run ends)."""
        deadline = time.monotonic() + seconds
        while len(self.log) <= count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.log) > count

    def stop(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


class Result:
    """What one run of an executable did."""

    def __init__(self, argv, rc, stdout, stderr, elapsed):
        self.argv, self.rc, self.stdout, self.stderr, self.elapsed = (
            argv, rc, stdout, stderr, elapsed)
        self.lines = stderr.splitlines()
        self.errors = [ln for ln in self.lines if ln.startswith("error:")]
        self.warnings = [ln for ln in self.lines if ln.startswith("warning:")]

    @property
    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return "Result(rc=%s, %.2fs)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.rc, self.elapsed, self.stdout, self.stderr)


def run(name, request, args=(), tmpdir=None, env=None, timeout=120, user=None):
    """Run executable `name` with `request` (an object, or raw str/bytes) on
    stdin in a clean environment: PATH, LANG=C, TMPDIR/HOME = tmpdir, the fast
    knobs, sanitizer options, then `env` (a None value removes a variable).
    user: a uid to run as (via setpriv), for permission tests as root."""
    e = {"PATH": "/usr/bin:/bin", "LANG": "C"}
    if tmpdir is not None:
        e["TMPDIR"] = e["HOME"] = tmpdir
    e.update(FAST_ENV)
    for k in PASS_ENV:
        if k in os.environ:
            e[k] = os.environ[k]
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    if isinstance(request, (dict, list)):
        data = json.dumps(request).encode()
    elif isinstance(request, str):
        data = request.encode()
    else:
        data = request
    argv = [binary(name)] + list(args)
    if user is not None:
        argv = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + argv
    t0 = time.monotonic()
    p = subprocess.run(argv, input=data, capture_output=True, env=e, timeout=timeout)
    return Result(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)


class GitHubCase(unittest.TestCase):
    """A fresh fake GitHub (token TOKEN) and scratch directory per test."""

    maxDiff = None
    token = TOKEN

    @classmethod
    def setUpClass(cls):
        for name in ("check", "in"):
            if not os.access(binary(name), os.X_OK):
                raise AssertionError("no executable %s (set GRM_BIN_DIR to the build dir)"
                                     % binary(name))

    def setUp(self):
        self.gh = FakeGitHub(token=self.token, on_request=self._stamp_end).start()
        self.addCleanup(self.gh.stop)
        self.scratch = tempfile.mkdtemp(prefix="grm-bb-")
        self.addCleanup(shutil.rmtree, self.scratch, True)
        self.tmpdir = self.mkdir("tmp")

    @staticmethod
    def _stamp_end(entry):
        entry["end"] = time.time()

    def mkdir(self, name):
        path = os.path.join(self.scratch, name)
        os.makedirs(path, exist_ok=True)
        return path

    # ---- model ----

    def rel(self, tag, **kw):
        return self.gh.add_release(OWNER, REPO, tag, **kw)

    @staticmethod
    def version(rel):
        """The Concourse version the executables give for a fake release."""
        return {"tag": rel.tag, "id": str(rel.id),
                "timestamp": rel.published_at or rel.created_at}

    def source(self, **kw):
        """A source for the fake; a None value drops the field."""
        s = {"owner": OWNER, "repository": REPO, "access_token": TOKEN,
             "github_api_url": self.gh.api_url}
        for k, v in kw.items():
            if v is None:
                s.pop(k, None)
            else:
                s[k] = v
        return s

    # ---- runs ----

    def run_cmd(self, name, request, args=(), **kw):
        kw.setdefault("tmpdir", self.tmpdir)
        res = run(name, request, args, **kw)
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, res.stderr, res)
        self.assertNotIn(TOKEN, res.stdout + res.stderr, "token leaked")
        return res

    def check(self, version=None, source=None, **kw):
        req = {"source": source if source is not None else self.source()}
        if version is not None:
            req["version"] = version
        return self.run_cmd("check", req, **kw)

    def check_ok(self, version=None, source=None, **kw):
        res = self.check(version, source, **kw)
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(res.errors, [], res)
        return res.json

    def get(self, version, params=None, source=None, dest=None, **kw):
        req = {"source": source if source is not None else self.source(), "version": version}
        if params is not None:
            req["params"] = params
        dest = dest if dest is not None else self.mkdir("dest")
        return self.run_cmd("in", req, [dest], **kw)

    def get_ok(self, version, params=None, source=None, dest=None, **kw):
        res = self.get(version, params, source, dest, **kw)
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(res.errors, [], res)
        return res.json

    # ---- assertions ----

    def assertOneError(self, res, *needles):
        """Failed with nothing on stdout and exactly one stderr line, an
        "error:" line holding every needle."""
        self.assertNotEqual(res.rc, 0, res)
        self.assertEqual(res.stdout, "", res)
        self.assertEqual(len(res.lines), 1, res)
        self.assertEqual(len(res.errors), 1, res)
        for n in needles:
            self.assertIn(n, res.errors[0], res)

    def assertFailsClearly(self, res, *needles):
        """Failed with nothing on stdout and exactly one "error:" line (other
        lines, e.g. retry warnings, allowed) holding every needle."""
        self.assertNotEqual(res.rc, 0, res)
        self.assertEqual(res.stdout, "", res)
        self.assertEqual(len(res.errors), 1, res)
        self.assertEqual(res.errors[0], res.lines[-1], res)
        for n in needles:
            self.assertIn(n, res.errors[0], res)

    # ---- the fake's log ----

    def api_log(self, path_regex=None):
        return self.gh.requests(listener="api", path_regex=path_regex)

    def asset_log(self):
        return self.gh.requests(listener="asset")


class CheckRecovery:
    """Mixin for a GitHubCase whose check runs must recover from faults on
    the release listing: releases v1.0.0 (self.r1) and v2.0.0 (self.r2)."""

    def setUp(self):
        super().setUp()
        self.r1 = self.rel("v1.0.0")
        self.r2 = self.rel("v2.0.0")

    def list_log(self):
        return self.api_log(r"/releases$")

    def gap(self):
        """Seconds between the end of the first listing request and the
        start of the second."""
        log = self.list_log()
        return log[1]["time"] - log[0]["end"]

    def assertCheckRecovered(self, res, n_requests):
        """check printed the latest release after n_requests listings."""
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(res.json, [self.version(self.r2)])
        self.assertEqual(len(self.list_log()), n_requests, self.list_log())

    def check_recovers_after_a_wait(self):
        """Run check: it must recover with a second listing that starts at
        least 0.9 s after the first ended. Returns the Result."""
        res = self.check()
        self.assertCheckRecovered(res, 2)
        self.assertGreaterEqual(self.gap(), 0.9)
        return res
