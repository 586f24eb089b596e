#!/usr/bin/env python3
"""test_badinput.py - the bad input corpus (test/badinput/) against the real
check, in and out executables.

Every case of test/badinput/cases.jsonl is run against every command it
lists, with GitHub (github_api_url) pointed at the fake GitHub and S3
(mirror.endpoint) at a plain TCP listener (bbutil.Listener), so that a
request that slipped through validation would show up in their logs. Each
run must: exit with the case's code; print nothing on stdout; print exactly one stderr
line, an "error:" line holding the case's fragment; print no sanitizer report
(the suite runs unchanged with GRM_BIN_DIR at a Sanitize build); echo none of
the request's secrets; leave DEST (in), SOURCES (out) and TMPDIR as they
were; and make no network request. A control test first shows that the
unmodified base requests do reach both listeners.

Run: GRM_BIN_DIR=<build dir> python3 test_badinput.py"""

import base64
import copy
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bbutil import (ROOT, SANITIZER_MARKERS, FakeGitHub, Listener, binary,  # noqa: E402
                    run, tree)

CORPUS = os.path.join(ROOT, "test", "badinput")
COMMANDS = ("check", "in", "out")
CASE_KEYS = {"name", "kind", "commands", "stdin", "stdin_file", "generate", "request", "args",
             "exit", "stderr", "stderr_not"}
INPUT_KEYS = ("stdin", "stdin_file", "generate", "request")
# The kinds of fault issue 5 lists; the corpus must hold at least one of each.
REQUIRED_KINDS = {"syntax", "empty", "not_object", "deep", "huge", "missing", "type", "unknown",
                  "null", "regex", "constraint", "url_scheme", "url_credentials",
                  "key_template", "part_size", "concurrency", "version", "params"}
# Runs fail fast should validation ever let one through to the network.
ENV = {"GRM_MAX_ATTEMPTS": "1", "GRM_CONNECT_TIMEOUT": "2", "GRM_RETRY_BASE_MS": "10"}
MIN_CASES = 60


def load_base():
    with open(os.path.join(CORPUS, "base.json"), encoding="utf-8") as fp:
        return json.load(fp)


def load_cases():
    cases = []
    with open(os.path.join(CORPUS, "cases.jsonl"), encoding="utf-8") as fp:
        for n, line in enumerate(fp, 1):
            if line.strip():
                case = json.loads(line)
                case["_line"] = n
                cases.append(case)
    return cases


def substitute(value, subst):
    """value with every placeholder of subst replaced, in strings at any depth."""
    if isinstance(value, str):
        for k, v in subst.items():
            value = value.replace(k, v)
        return value
    if isinstance(value, list):
        return [substitute(v, subst) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, subst) for k, v in value.items()}
    return value


def _parent(doc, path, create):
    keys = path.split(".")
    for k in keys[:-1]:
        if create and k not in doc:
            doc[k] = {}
        doc = doc[k]
        if not isinstance(doc, dict):
            raise ValueError("%s: %r is not an object" % (path, k))
    return doc, keys[-1]


def patched(base, patch):
    """A copy of base with patch's "delete" paths removed, then its "set"
    paths (dotted) assigned; every deleted path must exist."""
    doc = copy.deepcopy(base)
    for path in patch.get("delete", []):
        parent, key = _parent(doc, path, False)
        del parent[key]
    for path, value in patch.get("set", {}).items():
        parent, key = _parent(doc, path, True)
        parent[key] = value
    return doc


def stdin_bytes(case, cmd, base, subst):
    """What a case writes on the command's stdin."""
    if "stdin" in case:
        return substitute(case["stdin"], subst).encode("utf-8")
    if "stdin_file" in case:
        with open(os.path.join(CORPUS, case["stdin_file"]), "rb") as fp:
            data = fp.read()
        for k, v in subst.items():
            data = data.replace(k.encode(), v.encode())
        return data
    if "generate" in case:
        return b"".join(text.encode("utf-8") * times for text, times in case["generate"])
    req = case["request"]
    data = json.dumps(substitute(patched(base[cmd], req), subst)).encode("utf-8")
    if "pad_to" in req:
        data += b" " * (req["pad_to"] - len(data))
    return data


def secret_forms(secret):
    """secret as it could appear on a terminal: raw, URL-encoded and, at each
    byte alignment, as the part of a base64 text that encodes only it."""
    raw = secret.encode()
    forms = {secret, secret.replace("/", "%2F").replace("+", "%2B").replace("=", "%3D")}
    for k in range(3):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            text = enc(b"\0" * k + raw).decode()
            forms.add(text[4 if k else 0:-4])
    return forms


class TestCorpusFile(unittest.TestCase):
    """The manifest itself: well-formed, large enough, every kind covered."""

    def test_manifest(self):
        cases = load_cases()
        self.assertGreaterEqual(len(cases), MIN_CASES)
        names = [c["name"] for c in cases]
        self.assertEqual(len(names), len(set(names)), "duplicate case names")
        for c in cases:
            with self.subTest(case=c["name"]):
                self.assertLessEqual(set(c) - {"_line"}, CASE_KEYS)
                self.assertEqual(sum(k in c for k in INPUT_KEYS), 1, "one input per case")
                self.assertTrue(c["commands"])
                self.assertLessEqual(set(c["commands"]), set(COMMANDS))
                self.assertNotEqual(c["exit"], 0)
                self.assertTrue(c["stderr"].strip())
                if "stdin_file" in c:
                    self.assertTrue(os.path.isfile(os.path.join(CORPUS, c["stdin_file"])))
                if "request" in c:  # the patch applies to each command's base
                    for cmd in c["commands"]:
                        patched(load_base()[cmd], c["request"])
        self.assertLessEqual(REQUIRED_KINDS, {c["kind"] for c in cases})
        for cmd in COMMANDS:
            self.assertGreaterEqual(sum(cmd in c["commands"] for c in cases), MIN_CASES, cmd)

    def test_issue_values_are_present(self):
        sets = [c["request"].get("set", {}) for c in load_cases() if "request" in c]
        values = {(k, v) for s in sets for k, v in s.items() if not isinstance(v, (dict, list))}
        for want in (("source.mirror.concurrency", 0), ("source.mirror.concurrency", 10000),
                     ("params.concurrency", 0), ("params.concurrency", 10000),
                     ("source.mirror.part_size", 5 * 1024 * 1024 - 1)):
            self.assertIn(want, values)
        big = [c for c in load_cases() if c["kind"] == "huge" and "generate" in c]
        self.assertTrue(any(sum(len(t) * n for t, n in c["generate"]) >= 10 << 20 for c in big))

    def test_secret_forms(self):
        forms = secret_forms("ab/c+d=")
        self.assertIn("ab%2Fc%2Bd%3D", forms)
        blob = base64.b64encode(b"Bearer: ab/c+d=.").decode()
        self.assertTrue(any(f in blob for f in forms if len(f) >= 4))


class TestBadInput(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        for name in COMMANDS:
            if not os.access(binary(name), os.X_OK):
                raise AssertionError("no executable %s (set GRM_BIN_DIR to the build dir)"
                                     % binary(name))
        cls.scratch = tempfile.mkdtemp(prefix="grm-badinput-")
        cls.gh = FakeGitHub(token=load_base()["check"]["source"]["access_token"]).start()
        rel = cls.gh.add_release("octo", "widget", "v1.0.0")
        cls.gh.add_asset(rel, "widget-linux-amd64.tar.gz", size=4096)
        cls.s3 = Listener()
        cls.subst = {"{API_URL}": cls.gh.api_url, "{S3_URL}": cls.s3.url}
        cls.base = load_base()
        cls.secrets = set()
        for base in cls.base.values():
            src = base["source"]
            cls.secrets |= {src["access_token"], src["mirror"]["secret_access_key"]}
        cls.tmpdir = cls.mkdir("tmp")
        cls.dest = cls.mkdir("dest")
        cls.sources = cls.mkdir("sources")

    @classmethod
    def tearDownClass(cls):
        cls.gh.stop()
        cls.s3.stop()
        shutil.rmtree(cls.scratch, True)

    @classmethod
    def mkdir(cls, name):
        path = os.path.join(cls.scratch, name)
        os.makedirs(path)
        return path

    def dir_for(self, cmd):
        return {"check": None, "in": self.dest, "out": self.sources}[cmd]

    def run_case(self, cmd, data, args):
        return run(cmd, data, args, tmpdir=self.tmpdir, env=ENV, timeout=60)

    def prepare_sources(self):
        """SOURCES/release: a real get of the base version, so that out would
        go on to S3 if validation let a request through."""
        if os.path.isdir(os.path.join(self.sources, "release")):
            return
        dest = os.path.join(self.sources, "release")
        os.makedirs(dest)
        data = json.dumps(substitute(self.base["in"], self.subst)).encode()
        res = self.run_case("in", data, [dest])
        self.assertEqual(res.rc, 0, res)
        self.assertTrue(os.path.isfile(os.path.join(dest, "release.json")), res)
        self.gh.clear_log()
        shutil.rmtree(self.tmpdir)
        os.makedirs(self.tmpdir)

    def test_control_base_requests_reach_the_network(self):
        """Without this, "no request made" would prove nothing."""
        self.prepare_sources()
        self.gh.clear_log()
        res = self.run_case("check", json.dumps(substitute(self.base["check"], self.subst)), [])
        self.assertEqual(res.rc, 0, res)
        self.assertTrue(self.gh.requests(listener="api"), "check made no GitHub request")
        self.gh.clear_log()
        dest = self.mkdir("control-dest")
        res = self.run_case("in", json.dumps(substitute(self.base["in"], self.subst)), [dest])
        self.assertEqual(res.rc, 0, res)
        self.assertTrue(self.gh.requests(listener="asset"), "in downloaded nothing")
        self.gh.clear_log()
        before = len(self.s3.log)
        res = self.run_case("out", json.dumps(substitute(self.base["out"], self.subst)),
                            [self.sources])
        self.assertNotEqual(res.rc, 0, res)
        self.assertTrue(self.s3.wait(before), "out made no S3 request")
        self.assertIn(b"mirror-bucket", self.s3.log[-1])
        del self.s3.log[:]
        shutil.rmtree(self.tmpdir)
        os.makedirs(self.tmpdir)

    def test_corpus(self):
        self.prepare_sources()
        sources_before = tree(self.sources)
        del self.s3.log[:]
        self.gh.clear_log()
        runs = 0
        for case in load_cases():
            data_cache = {}
            for cmd in case["commands"]:
                with self.subTest(case=case["name"], command=cmd):
                    key = cmd if "request" in case else None
                    if key not in data_cache:
                        data_cache[key] = stdin_bytes(case, cmd, self.base, self.subst)
                    d = self.dir_for(cmd)
                    args = ([] if d is None else [d]) if "args" not in case else \
                        [a.replace("{DIR}", d or "") for a in case["args"]]
                    res = self.run_case(cmd, data_cache[key], args)
                    runs += 1
                    try:
                        self.assertCase(case, res)
                        self.assertEqual(os.listdir(self.dest), [], "DEST written")
                        self.assertEqual(tree(self.sources), sources_before, "SOURCES changed")
                        self.assertEqual(os.listdir(self.tmpdir), [], "TMPDIR written")
                        self.assertEqual(self.gh.log, [], "GitHub request made")
                        self.assertEqual(self.s3.log, [], "S3 request made")
                    finally:
                        self.reset(sources_before)
        time.sleep(0.3)  # a late connection still shows up here
        self.assertEqual(self.gh.log, [])
        self.assertEqual(self.s3.log, [])
        print("\n%d bad inputs, %d runs, all refused" % (len(load_cases()), runs),
              file=sys.stderr)

    def reset(self, sources_before):
        """Undo what a failed case did, so that one failure is reported once."""
        for d in (self.dest, self.tmpdir):
            if os.listdir(d):
                shutil.rmtree(d)
                os.makedirs(d)
        if tree(self.sources) != sources_before:
            shutil.rmtree(self.sources)
            os.makedirs(self.sources)
            self.prepare_sources()
        self.gh.clear_log()
        del self.s3.log[:]

    def assertCase(self, case, res):
        self.assertEqual(res.rc, case["exit"], res)
        self.assertEqual(res.stdout, "", res)
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, res.stderr, res)
        self.assertEqual(len(res.lines), 1, res)
        self.assertEqual(len(res.errors), 1, res)
        self.assertIn(case["stderr"], res.errors[0], res)
        for s in case.get("stderr_not", []):
            self.assertNotIn(s, res.stderr, res)
        for secret in self.secrets:
            for form in secret_forms(secret):
                self.assertNotIn(form, res.stderr, res)


if __name__ == "__main__":
    unittest.main(verbosity=2)
