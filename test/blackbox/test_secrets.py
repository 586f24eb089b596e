#!/usr/bin/env python3
"""test_secrets.py - no secret ever reaches stdout or stderr.

check, in and out run with a distinctive GitHub token, S3 secret key and S3
session token, each with source.debug false and true, in runs that succeed
(against the fake GitHub, test/fakes/fake_github.py, and a real S3: RGW
through test/s3/s3env.py) and in runs that fail: a wrong token (401), a wrong
S3 secret (SignatureDoesNotMatch), a session token RGW cannot know, endpoints
that refuse or drop connections, and bad input after the secrets were read.
Every byte of stdout and stderr, and every file a run leaves in DEST or
TMPDIR, is searched for each secret: raw, URL-encoded, base64 at every byte
alignment, and every 16-byte window of it. Debug runs must show the requests
(with Authorization as ***), so that the search covers what debug prints.

Run: GRM_BIN_DIR=<build dir> python3 test_secrets.py  (starts RGW unless
S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY name one)"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bbutil import (FAST_ENV, PASS_ENV, ROOT, SANITIZER_MARKERS, FakeGitHub,  # noqa: E402
                    Listener, binary, closed_port)
from test_badinput import secret_forms  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "test", "s3"))
import s3env  # noqa: E402

OWNER, REPO, TAG = "octo", "widget", "v1.0.0"
GH_TOKEN = "ghp_Grm5ecretsT0kenNeverPrint0123456789ab"
WRONG_TOKEN = "ghp_WrongGrmT0kenNeverPrinted0123456789cd"
WRONG_S3_SECRET = "wrongGrmS3cret/Key+NeverPrinted0123456789="
SESSION_TOKEN = "FwoGZXIvYXdzEGrmSessi0nT0ken/Never+Printed//abcdefghijklmnop=="
ENV = dict(FAST_ENV, GRM_MAX_ATTEMPTS="2", GRM_RETRY_BASE_MS="20", GRM_CONNECT_TIMEOUT="3")
WINDOW = 16


def needles(secret):
    """Every text whose appearance would reveal (part of) secret."""
    out = secret_forms(secret)
    for i in range(len(secret) - WINDOW + 1):
        w = secret[i:i + WINDOW]
        if len(set(w)) >= 8:  # skip runs like "0000...": not distinctive
            out.add(w)
    return {n for n in out if len(n) >= 8}


class Run:
    """One run: exit status, raw stdout and stderr bytes, and the text of
    every file it left in its directories."""

    def __init__(self, label, rc, stdout, stderr, files):
        self.label, self.rc, self.stdout, self.stderr, self.files = (
            label, rc, stdout, stderr, files)
        self.text = stderr.decode("latin-1")
        self.lines = self.text.splitlines()
        self.errors = [ln for ln in self.lines if ln.startswith("error:")]
        self.debug = [ln for ln in self.lines if ln.startswith("debug:")]

    def __repr__(self):
        return "Run(%s, rc=%s)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.label, self.rc, self.stdout.decode("latin-1"), self.text)


class TestSecrets(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        for name in ("check", "in", "out"):
            if not os.access(binary(name), os.X_OK):
                raise AssertionError("no executable %s (set GRM_BIN_DIR to the build dir)"
                                     % binary(name))
        cls.s3 = s3env.ensure()
        cls.bucket = s3env.make_bucket("grm-secrets")
        cls.secrets = [GH_TOKEN, WRONG_TOKEN, WRONG_S3_SECRET, SESSION_TOKEN,
                       cls.s3["secret_key"]]
        cls.needles = {s: needles(s) for s in cls.secrets}
        cls.gh = FakeGitHub(token=GH_TOKEN).start()
        rel = cls.gh.add_release(OWNER, REPO, TAG, body="notes without secrets")
        cls.gh.add_asset(rel, "widget-linux-amd64.tar.gz", size=70000)
        cls.gh.add_asset(rel, "checksums.txt", size=100)
        cls.listener = Listener()
        cls.scratch = tempfile.mkdtemp(prefix="grm-secrets-")
        cls.sources = os.path.join(cls.scratch, "sources")
        cls.n = 0
        cls.runs = []

    @classmethod
    def tearDownClass(cls):
        cls.gh.stop()
        cls.listener.stop()
        shutil.rmtree(cls.scratch, True)
        try:
            s3env.delete_bucket(cls.bucket)
        except RuntimeError:
            pass

    # ---- requests ----

    def source(self, debug, token=GH_TOKEN, mirror=None, **kw):
        src = {"owner": OWNER, "repository": REPO, "access_token": token,
               "github_api_url": self.gh.api_url, "debug": debug,
               "mirror": mirror if mirror is not None else self.mirror()}
        src.update(kw)
        return src

    def mirror(self, secret=None, session_token=None, endpoint=None, prefix="m/"):
        m = {"bucket": self.bucket, "endpoint": endpoint or self.s3["endpoint"],
             "region": self.s3["region"], "access_key_id": self.s3["access_key"],
             "secret_access_key": secret or self.s3["secret_key"], "prefix": prefix}
        if session_token:
            m["session_token"] = session_token
        return m

    # ---- running ----

    def fresh_dir(self, name):
        type(self).n += 1
        path = os.path.join(self.scratch, "%s-%d" % (name, self.n))
        os.makedirs(path)
        return path

    def run_cmd(self, label, name, request, args=(), data=None):
        """Run an executable and check what it printed and left behind for
        every secret; returns the Run."""
        tmpdir = self.fresh_dir("tmp")
        env = {"PATH": "/usr/bin:/bin", "LANG": "C", "TMPDIR": tmpdir, "HOME": tmpdir}
        env.update(ENV)
        env.update({k: os.environ[k] for k in PASS_ENV if k in os.environ})
        stdin = data if data is not None else json.dumps(request).encode()
        p = subprocess.run([binary(name)] + list(args), input=stdin, capture_output=True,
                           env=env, timeout=300)
        files = {}
        for d in [tmpdir] + [a for a in args if os.path.isdir(a)]:
            for base, _, names in os.walk(d):
                for f in names:
                    path = os.path.join(base, f)
                    if not os.path.islink(path):
                        with open(path, "rb") as fp:
                            files[path] = fp.read().decode("latin-1")
        res = Run("%s %s" % (name, label), p.returncode, p.stdout, p.stderr, files)
        self.runs.append(res)
        self.assertNoSecrets(res)
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, res.text, res)
        return res

    def assertNoSecrets(self, res):
        out = res.stdout.decode("latin-1")
        for secret, forms in self.needles.items():
            for form in forms:
                self.assertNotIn(form, out, "%r of a secret on stdout: %r" % (form, res))
                self.assertNotIn(form, res.text, "%r of a secret on stderr: %r" % (form, res))
                for path, text in res.files.items():
                    self.assertNotIn(form, text, "%r of a secret in %s" % (form, path))

    def assertDebug(self, res, debug, auth=True):
        """Debug runs print the requests, secret headers as ***; others print
        no debug line at all."""
        if not debug:
            self.assertEqual(res.debug, [], res)
            return
        self.assertTrue(any(re.match(r"debug: > (GET|HEAD|PUT|POST) http", ln)
                            for ln in res.debug), res)
        if auth:
            self.assertIn("debug: > Authorization: ***", res.debug, res)

    def assertFailed(self, res, *needles_):
        self.assertNotEqual(res.rc, 0, res)
        self.assertEqual(res.stdout, b"", res)
        self.assertEqual(len(res.errors), 1, res)
        for n in needles_:
            self.assertIn(n, res.errors[0], res)

    def fetched(self):
        """SOURCES/fetched: a get of TAG, for out."""
        path = os.path.join(self.sources, "fetched")
        if not os.path.isdir(path):
            os.makedirs(path)
            res = self.run_cmd("setup", "in", {"source": self.source(False),
                                               "version": {"tag": TAG}}, [path])
            self.assertEqual(res.rc, 0, res)
        return self.sources

    # ---- successful runs ----

    def test_successful_runs(self):
        for debug in (False, True):
            with self.subTest(debug=debug):
                self.gh.clear_log()
                res = self.run_cmd("ok", "check", {"source": self.source(debug)})
                self.assertEqual(res.rc, 0, res)
                self.assertEqual(json.loads(res.stdout)[0]["tag"], TAG)
                self.assertDebug(res, debug)
                dest = self.fresh_dir("dest")
                res = self.run_cmd("ok", "in", {"source": self.source(debug),
                                                "version": {"tag": TAG}}, [dest])
                self.assertEqual(res.rc, 0, res)
                self.assertTrue(os.path.isfile(os.path.join(dest, "widget-linux-amd64.tar.gz")))
                self.assertDebug(res, debug)
                # the token was really sent, so the search above means something
                api = self.gh.requests(listener="api")
                self.assertTrue(api)
                for e in api:
                    self.assertEqual(e["headers"]["authorization"], "Bearer " + GH_TOKEN)
                prefix = "debug-%s/" % debug
                res = self.run_cmd("ok", "out", {
                    "source": self.source(debug, mirror=self.mirror(prefix=prefix)),
                    "params": {"from": "fetched"}}, [self.fetched()])
                self.assertEqual(res.rc, 0, res)
                self.assertEqual(json.loads(res.stdout)["version"]["tag"], TAG)
                self.assertDebug(res, debug)
                keys = s3env.list_keys(self.bucket, prefix)
                self.assertIn("%s%s/%s/%s/widget-linux-amd64.tar.gz" % (prefix, OWNER, REPO, TAG),
                              keys)
                for key in keys:  # what out wrote holds no secret either
                    if not key.endswith(".tar.gz"):
                        body = s3env.get_object(self.bucket, key).decode("latin-1")
                        for s in self.secrets:
                            self.assertNotIn(s, body, key)

    # ---- failing runs ----

    def test_wrong_github_token(self):
        for debug in (False, True):
            with self.subTest(debug=debug):
                self.gh.clear_log()
                src = self.source(debug, token=WRONG_TOKEN)
                res = self.run_cmd("wrong token", "check", {"source": src})
                self.assertFailed(res, "401")
                self.assertDebug(res, debug)
                res = self.run_cmd("wrong token", "in", {"source": src, "version": {"tag": TAG}},
                                   [self.fresh_dir("dest")])
                self.assertFailed(res, "401")
                self.assertDebug(res, debug)
                for e in self.gh.requests(listener="api"):
                    self.assertEqual(e["headers"]["authorization"], "Bearer " + WRONG_TOKEN)
                self.assertEqual(self.gh.requests(listener="asset"), [])

    def test_wrong_s3_secret(self):
        for debug in (False, True):
            with self.subTest(debug=debug):
                src = self.source(debug, mirror=self.mirror(secret=WRONG_S3_SECRET))
                res = self.run_cmd("wrong S3 secret", "out",
                                   {"source": src, "params": {"from": "fetched"}},
                                   [self.fetched()])
                # HeadObject comes first: a HEAD answer has no body, so no S3 Code
                self.assertFailed(res, "403")
                self.assertDebug(res, debug)

    def test_session_token_with_s3(self):
        # RGW 16 ignores a session token with a user's keys (the run succeeds);
        # an S3 with STS refuses it (the run fails): never printed either way
        for debug in (False, True):
            with self.subTest(debug=debug):
                src = self.source(debug, mirror=self.mirror(session_token=SESSION_TOKEN,
                                                            prefix="token-%s/" % debug))
                res = self.run_cmd("session token", "out",
                                   {"source": src, "params": {"from": "fetched"}},
                                   [self.fetched()])
                if res.rc == 0:
                    self.assertEqual(json.loads(res.stdout)["version"]["tag"], TAG)
                else:
                    self.assertFailed(res, "s3 ")
                self.assertDebug(res, debug)
                if debug:
                    self.assertTrue(any(ln.lower() == "debug: > x-amz-security-token: ***"
                                        for ln in res.debug), res)
                if debug:
                    self.assertTrue(any(ln.lower() == "debug: > x-amz-security-token: ***"
                                        for ln in res.debug), res)

    def test_session_token_sent_to_a_silent_endpoint(self):
        for debug in (False, True):
            with self.subTest(debug=debug):
                del self.listener.log[:]
                src = self.source(debug, mirror=self.mirror(
                    secret=WRONG_S3_SECRET, session_token=SESSION_TOKEN,
                    endpoint=self.listener.url))
                res = self.run_cmd("silent S3", "out",
                                   {"source": src, "params": {"from": "fetched"}},
                                   [self.fetched()])
                self.assertFailed(res, self.listener.url)
                self.assertDebug(res, debug)
                self.listener.wait(0)
                sent = b"".join(self.listener.log).lower()
                self.assertIn(b"x-amz-security-token: " + SESSION_TOKEN.lower().encode(), sent)
                self.assertIn(b"authorization: aws4-hmac-sha256", sent)

    def test_unreachable_endpoints(self):
        dead = "http://127.0.0.1:%d" % closed_port()
        for debug in (False, True):
            with self.subTest(debug=debug):
                mirror = self.mirror(secret=WRONG_S3_SECRET, session_token=SESSION_TOKEN,
                                     endpoint=dead)
                src = self.source(debug, mirror=mirror, github_api_url=dead)
                res = self.run_cmd("unreachable", "check", {"source": src})
                self.assertFailed(res, dead)
                self.assertDebug(res, debug)
                res = self.run_cmd("unreachable", "in", {"source": src, "version": {"tag": TAG}},
                                   [self.fresh_dir("dest")])
                self.assertFailed(res, dead)
                self.assertDebug(res, debug)
                res = self.run_cmd("unreachable", "out",
                                   {"source": src, "params": {"from": "fetched"}},
                                   [self.fetched()])
                self.assertFailed(res, dead)
                self.assertDebug(res, debug)

    def test_bad_input_after_the_secrets(self):
        mirror = self.mirror(secret=WRONG_S3_SECRET, session_token=SESSION_TOKEN)
        bad = [
            # a field after the secrets is refused
            ({"mirror": dict(mirror, part_size=1)}, "invalid source.mirror.part_size"),
            ({"mirror": dict(mirror, concurrency=0)}, "invalid source.mirror.concurrency"),
            ({"mirror": dict(mirror, key_template="{secret}/{asset}")},
             "unknown placeholder"),
            ({"semver_constraint": ">= nope"}, "invalid source.semver_constraint"),
            # the refused value quotes a secret: it is masked
            ({"tag_filter": "(" + GH_TOKEN}, 'invalid source.tag_filter "(***"'),
            ({"mirror": dict(mirror, storage_class=WRONG_S3_SECRET)},
             'invalid source.mirror.storage_class "***"'),
            ({"mirror": dict(mirror, region=SESSION_TOKEN)},
             'invalid source.mirror.region "***"'),
            # a URL holding a secret is refused without being quoted
            ({"github_uploads_url": "https://x:%s@uploads.github.com" % GH_TOKEN},
             "must not contain credentials"),
            ({"mirror": dict(mirror, endpoint="https://s3.example.com/?X-Amz-Security-Token="
                             + SESSION_TOKEN)}, "must not contain a query"),
        ]
        for debug in (False, True):
            for extra, needle in bad:
                src = self.source(debug, mirror=mirror)
                src.update(extra)
                for name, req, args in (
                        ("check", {"source": src}, []),
                        ("in", {"source": src, "version": {"tag": TAG}}, [self.fresh_dir("d")]),
                        ("out", {"source": src, "params": {"from": "fetched"}},
                         [self.fetched()])):
                    with self.subTest(debug=debug, command=name, needle=needle):
                        self.gh.clear_log()
                        res = self.run_cmd("bad input", name, req, args)
                        self.assertFailed(res, needle)
                        self.assertEqual(res.lines, res.errors, res)
                        self.assertEqual(self.gh.log, [])

    def test_syntax_error_next_to_a_secret(self):
        # the request cannot be parsed, so no secret was registered: the
        # message must not quote the text it stopped at
        head = '{"source": {"owner": "o", "repository": "r", "debug": true, '
        short = GH_TOKEN[:14]
        cases = [
            head + '"access_token": "%s' % short,
            head + '"access_token": "%s\\q"}}' % short,
            head + '"access_token": "%s\x01"}}' % short,
            head + '"access_token": %s}}' % short,
            head + '"mirror": {"bucket": "b", "access_key_id": "A", '
                   '"secret_access_key": "%s' % WRONG_S3_SECRET[:12],
            head + '"mirror": {"bucket": "b", "access_key_id": "A", "secret_access_key": '
                   '"s", "session_token": "%s\n"}}}' % SESSION_TOKEN[:12],
        ]
        for data in cases:
            for name, args in (("check", []), ("in", [self.fresh_dir("d")]),
                               ("out", [self.fetched()])):
                with self.subTest(data=data, command=name):
                    res = self.run_cmd("syntax", name, None, args, data=data.encode())
                    self.assertFailed(res, "invalid request: not JSON")
                    for s in (short, WRONG_S3_SECRET[:12], SESSION_TOKEN[:12]):
                        self.assertNotIn(s[4:], res.text, res)


if __name__ == "__main__":
    unittest.main(verbosity=2)
