"""test_tuf.py - the TUF client (lib/tuf/tuf.c, through test/tools/tuf_fetch)
against local TUF repositories written by npm's @tufjs/models with real keys
(test/npm/tufrepo.js) and served over HTTP on 127.0.0.1. npm's tuf-js
(test/npm/tufclient.js) is the independent oracle: on the same repository it
must agree, fetching the same bytes or refusing too. RealSigstoreTest runs
the client over Sigstore's real repository, frozen in test/data/tuf/, and
CanonicalTest compares canonical JSON with @tufjs/canonical-json.

Needs node and test/npm/node_modules (scripts/install-deps runs npm ci)."""

import hashlib
import http.server
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bbutil  # noqa: E402

NPM = os.path.join(bbutil.ROOT, "test", "npm")
TARGET = "trusted_root.json"
CONTENT = '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}\n'
ENV = {"GRM_RETRY_BASE_MS": "10", "GRM_MAX_ATTEMPTS": "2", "GRM_CONNECT_TIMEOUT": "5"}


def when(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))


FUTURE, PAST = when(30 * 86400), when(-86400)
ROLES1 = {"root": {"keys": ["r1", "r2", "ed-r3"], "threshold": 2},
          "timestamp": {"keys": ["ts1"], "threshold": 1},
          "snapshot": {"keys": ["edsn1"], "threshold": 1},
          "targets": {"keys": ["tg1", "edtg2"], "threshold": 2}}


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        if self.server.fail_status:
            self.send_error(self.server.fail_status)
            return
        super().do_GET()


class Server:
    """The repository directory over HTTP on a free loopback port."""

    def __init__(self, directory):
        handler = lambda *a, **kw: Handler(*a, directory=directory, **kw)  # noqa: E731
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.requests, self.httpd.fail_status = [], 0
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def paths(self):
        return [p for p, _ in self.httpd.requests]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class TufTest(unittest.TestCase):
    def setUp(self):
        if not shutil.which("node") or not os.path.isdir(os.path.join(NPM, "node_modules")):
            self.fail("needs node and test/npm/node_modules: run scripts/install-deps")
        self.tmp = tempfile.mkdtemp(prefix="grm-tuf-")
        self.out = os.path.join(self.tmp, "repo")
        self.keys = os.path.join(self.tmp, "keys")
        os.makedirs(self.keys)
        self.cache = os.path.join(self.tmp, "cache")
        self.plan = {
            "out": self.out, "keys_dir": self.keys,
            "roots": [{"version": 1, "expires": FUTURE, "roles": ROLES1,
                       "sign": ["r1", "r2", "ed-r3"]}],
            "targets": {"version": 1, "expires": FUTURE, "sign": ["tg1", "edtg2"],
                        "files": {TARGET: CONTENT}},
            "snapshot": {"version": 1, "expires": FUTURE, "sign": ["edsn1"]},
            "timestamp": {"version": 1, "expires": FUTURE, "sign": ["ts1"]},
        }
        self.publish()
        self.server = Server(self.out)
        self.initial_root = os.path.join(self.tmp, "1.root.json")
        shutil.copy(os.path.join(self.out, "1.root.json"), self.initial_root)

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- helpers ----

    def publish(self):
        """Write the repository for self.plan (from scratch: keys are kept)."""
        shutil.rmtree(self.out, ignore_errors=True)
        path = os.path.join(self.tmp, "plan.json")
        with open(path, "w") as fp:
            json.dump(self.plan, fp)
        subprocess.run(["node", os.path.join(NPM, "tufrepo.js"), path], check=True,
                       stdout=subprocess.DEVNULL)

    def fetch(self, url=None, name=TARGET, cache=True, extra=()):
        """Run tuf_fetch; returns (exit code, stdout bytes, stderr text)."""
        cmd = [bbutil.binary("test/tuf_fetch"), "--repo", url or self.server.url,
               "--root", self.initial_root]
        if cache:
            cmd += ["--cache", self.cache]
        env = dict(os.environ, **ENV)
        p = subprocess.run(cmd + list(extra) + [name], capture_output=True, env=env, timeout=120)
        err = p.stderr.decode(errors="replace")
        for marker in bbutil.SANITIZER_MARKERS:
            self.assertNotIn(marker, err)
        return p.returncode, p.stdout, err

    def oracle(self, cache_name="tufjs", name=TARGET):
        """tuf-js on the same repository: (exit code, stdout bytes, stderr)."""
        p = subprocess.run(["node", os.path.join(NPM, "tufclient.js"), self.server.url,
                            self.initial_root, os.path.join(self.tmp, cache_name), name],
                           capture_output=True, timeout=120)
        return p.returncode, p.stdout, p.stderr.decode(errors="replace")

    def assert_ok(self, oracle=True):
        rc, out, err = self.fetch()
        self.assertEqual((rc, out.decode()), (0, CONTENT), err)
        if oracle:
            orc, oout, oerr = self.oracle()
            self.assertEqual((orc, oout), (0, out), oerr)
        return err

    def assert_refused(self, *fragments, oracle=True):
        rc, out, err = self.fetch()
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, b"")
        self.assertEqual([line for line in err.splitlines() if not line.startswith("warning: ")],
                         [err.splitlines()[-1]], err)
        self.assertTrue(err.splitlines()[-1].startswith("error: "), err)
        for f in fragments:
            self.assertIn(f, err)
        if oracle:
            orc, _, oerr = self.oracle()
            self.assertNotEqual(orc, 0, "tuf-js accepted what lib/tuf/tuf.c refused: " + err)
        return err

    def cached(self, name):
        d = os.path.join(self.cache, self.server.url.split("://")[1].replace(":", "_"))
        return os.path.join(d, name)

    def cached_version(self, name):
        with open(self.cached(name)) as fp:
            return json.load(fp)["signed"]["version"]

    def bump(self):
        """New versions of timestamp, snapshot and targets: the trusted timestamp would
        otherwise stay (same version), and the new metadata with it unread."""
        for role in ("timestamp", "snapshot", "targets"):
            self.plan[role]["version"] += 1

    def edit(self, file, fn):
        path = os.path.join(self.out, file)
        with open(path) as fp:
            doc = json.load(fp)
        fn(doc)
        with open(path, "w") as fp:
            json.dump(doc, fp)

    # ---- a good repository ----

    def test_good_fetch_agrees_with_tuf_js(self):
        self.assert_ok()
        paths = self.server.paths()
        digest = hashlib.sha256(CONTENT.encode()).hexdigest()
        # consistent snapshot: versioned metadata, the target under its hash
        for want in ("/2.root.json", "/timestamp.json", "/1.snapshot.json", "/1.targets.json",
                     "/targets/%s.%s" % (digest, TARGET)):
            self.assertIn(want, paths)
        # no credentials of any kind
        for _, headers in self.server.httpd.requests:
            self.assertNotIn("authorization", {k.lower() for k in headers})
        # the cache: 0700 directories, 0600 files
        for name in ("root.json", "timestamp.json", "snapshot.json", "targets.json",
                     "targets/" + TARGET):
            mode = stat.S_IMODE(os.stat(self.cached(name)).st_mode)
            self.assertEqual(mode, 0o600, name)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.cached("x"))).st_mode), 0o700)
        self.assertEqual([f for f in os.listdir(os.path.dirname(self.cached("x")))
                          if ".tmp." in f], [])
        # a second run downloads the timestamp only: the rest is cached and current
        del self.server.httpd.requests[:]
        self.assert_ok(oracle=False)
        self.assertEqual(self.server.paths(), ["/2.root.json", "/timestamp.json"])

    def test_no_cache_dir(self):
        rc, out, err = self.fetch(cache=False)
        self.assertEqual((rc, out.decode()), (0, CONTENT), err)

    def test_not_consistent_snapshot(self):
        self.plan["consistent_snapshot"] = False
        self.publish()
        shutil.copy(os.path.join(self.out, "1.root.json"), self.initial_root)
        self.assert_ok()
        self.assertIn("/snapshot.json", self.server.paths())
        self.assertIn("/targets/" + TARGET, self.server.paths())

    def test_target_in_a_directory(self):
        name = "sub/dir/roots.json"
        self.plan["targets"]["files"][name] = "[1]\n"
        self.publish()
        rc, out, err = self.fetch(name=name)
        self.assertEqual((rc, out), (0, b"[1]\n"), err)
        digest = hashlib.sha256(b"[1]\n").hexdigest()
        self.assertIn("/targets/sub/dir/%s.roots.json" % digest, self.server.paths())
        self.assertEqual(self.oracle(name=name)[:2], (0, out))
        self.assertTrue(os.path.exists(self.cached("targets/sub%2Fdir%2Froots.json")))

    def test_target_not_listed(self):
        rc, _, err = self.fetch(name="other.json")
        self.assertEqual(rc, 1)
        self.assertIn('target "other.json" not found', err)

    def test_bad_target_name(self):
        rc, _, err = self.fetch(name="../x.json")
        self.assertEqual(rc, 1)
        self.assertIn('invalid target name "../x.json"', err)

    # ---- root rotation ----

    def rotate(self):
        roles2 = dict(ROLES1, root={"keys": ["r4", "r5", "ed-r6"], "threshold": 2})
        roles3 = dict(roles2, root={"keys": ["r7", "ed-r8"], "threshold": 2},
                      timestamp={"keys": ["ts2"], "threshold": 1})
        self.plan["roots"] += [
            {"version": 2, "expires": FUTURE, "roles": roles2, "sign": ["r1", "r2", "r4", "r5"]},
            {"version": 3, "expires": FUTURE, "roles": roles3, "sign": ["r4", "ed-r6", "r7",
                                                                         "ed-r8"]}]
        self.plan["timestamp"]["sign"] = ["ts2"]

    def test_root_rotation_1_2_3(self):
        self.rotate()
        self.publish()
        self.assert_ok()
        self.assertEqual(self.cached_version("root.json"), 3)
        for want in ("/2.root.json", "/3.root.json", "/4.root.json"):
            self.assertIn(want, self.server.paths())

    def test_root_rotation_not_signed_by_old_root(self):
        self.rotate()
        self.plan["roots"][1]["sign"] = ["r4", "r5", "ed-r6"]
        self.publish()
        self.assert_refused("2.root.json: only 0 of the 2 signatures required from the root "
                            "role (root version 1)")

    def test_root_rotation_not_signed_by_new_root(self):
        self.rotate()
        self.plan["roots"][1]["sign"] = ["r1", "r2", "r4"]
        self.publish()
        self.assert_refused("2.root.json: only 1 of the 2 signatures required from the root "
                            "role (root version 2)")

    def test_root_with_the_wrong_version(self):
        self.rotate()
        self.publish()
        shutil.copy(os.path.join(self.out, "2.root.json"), os.path.join(self.out, "3.root.json"))
        self.assert_refused("3.root.json: version is 2, expected 3")

    def test_root_rotation_removes_cache_signed_by_old_timestamp_key(self):
        # trusted: timestamp version 5 by ts1; then root 3 rotates the timestamp key and
        # the repository restarts at version 1 (fast-forward recovery)
        self.plan["timestamp"]["version"] = 5
        self.publish()
        self.assert_ok()
        self.rotate()
        self.plan["timestamp"]["version"] = 1
        self.publish()
        self.assert_ok()
        self.assertEqual(self.cached_version("timestamp.json"), 1)

    def test_expired_root(self):
        self.plan["roots"][0]["expires"] = PAST
        self.publish()
        shutil.copy(os.path.join(self.out, "1.root.json"), self.initial_root)
        self.assert_refused("root.json version 1 expired at")

    # ---- timestamp, snapshot, targets ----

    def test_expired_timestamp(self):
        self.plan["timestamp"]["expires"] = PAST
        self.publish()
        self.assert_refused("timestamp.json version 1 expired at " + PAST)

    def test_expired_snapshot_and_targets(self):
        self.plan["snapshot"]["expires"] = PAST
        self.publish()
        self.assert_refused("snapshot.json version 1 expired at")
        self.plan["snapshot"]["expires"] = FUTURE
        self.plan["targets"]["expires"] = PAST
        self.bump()
        self.publish()
        self.assert_refused("targets.json version 2 expired at")

    def test_rollback_timestamp(self):
        self.plan["timestamp"]["version"] = 2
        self.publish()
        self.assert_ok()
        self.plan["timestamp"]["version"] = 1
        self.publish()
        self.assert_refused("timestamp.json: version 1 is older than the trusted version 2 "
                            "(a rollback attack)")

    def test_rollback_snapshot(self):
        self.plan["snapshot"]["version"] = 2
        self.publish()
        self.assert_ok()
        self.plan["timestamp"]["version"] = 2
        self.plan["snapshot"]["version"] = 1
        self.publish()
        self.assert_refused("timestamp.json: snapshot.json version 1 is older than the trusted "
                            "version 2 (a rollback attack)")

    def test_rollback_targets(self):
        self.plan["targets"]["version"] = 2
        self.publish()
        self.assert_ok()
        self.plan["timestamp"]["version"] = 2
        self.plan["snapshot"]["version"] = 2
        self.plan["targets"]["version"] = 1
        self.publish()
        self.assert_refused("snapshot.json: targets.json version 1 is older than the trusted "
                            "version 2 (a rollback attack)")

    def test_newer_versions_accepted(self):
        self.assert_ok()
        for role in ("timestamp", "snapshot", "targets"):
            self.plan[role]["version"] = 7
        self.plan["targets"]["files"][TARGET] = CONTENT  # same target, new metadata
        self.publish()
        self.assert_ok()
        self.assertEqual(self.cached_version("targets.json"), 7)

    def test_below_threshold(self):
        self.plan["targets"]["sign"] = ["tg1"]
        self.publish()
        self.assert_refused("1.targets.json: only 1 of the 2 signatures required from the "
                            "targets role")

    def test_duplicate_signature_counts_once(self):
        self.plan["targets"]["sign"] = ["tg1"]
        self.plan["snapshot"]["hashes"] = False
        self.publish()
        self.edit("1.targets.json", lambda d: d["signatures"].append(d["signatures"][0]))
        self.assert_refused("1.targets.json: only 1 of the 2 signatures")

    def test_signature_by_wrong_role_key(self):
        self.plan["timestamp"]["sign"] = ["edsn1"]  # the snapshot key
        self.publish()
        self.assert_refused("timestamp.json: only 0 of the 1 signatures required from the "
                            "timestamp role")

    def test_snapshot_hash_mismatch(self):
        # whitespace only: the signature still verifies, the timestamp's hash does not
        self.publish()
        path = os.path.join(self.out, "1.snapshot.json")
        with open(path) as fp:
            text = fp.read()
        with open(path, "w") as fp:
            fp.write(text.replace("\n", "\r"))
        self.assert_refused("1.snapshot.json: sha256 is")

    def test_target_hash_mismatch(self):
        digest = hashlib.sha256(CONTENT.encode()).hexdigest()
        with open(os.path.join(self.out, "targets", "%s.%s" % (digest, TARGET)), "w") as fp:
            fp.write(CONTENT.upper())
        self.assert_refused("sha256 is", "the signed metadata says " + digest)

    def test_target_length_mismatch(self):
        self.plan["targets"]["length_delta"] = {TARGET: 5}
        self.publish()
        self.assert_refused("length is %d bytes, the signed metadata says %d"
                            % (len(CONTENT), len(CONTENT) + 5))
        self.plan["targets"]["length_delta"] = {TARGET: -5}
        self.bump()
        self.publish()
        self.assert_refused("larger than %d bytes" % (len(CONTENT) - 5))

    def test_size_cap_without_cache_fallback(self):
        self.assert_ok(oracle=False)
        with open(os.path.join(self.out, "timestamp.json"), "w") as fp:
            fp.write(" " * 20000)
        self.assert_refused("timestamp.json: larger than 16384 bytes", oracle=False)

    def test_tampered_cache_is_not_trusted(self):
        self.assert_ok(oracle=False)
        with open(self.cached("targets/" + TARGET), "w") as fp:
            fp.write("tampered")
        self.assert_ok(oracle=False)
        with open(self.cached("targets/" + TARGET)) as fp:
            self.assertEqual(fp.read(), CONTENT)

    # ---- an unreachable repository ----

    def test_unreachable_without_cache(self):
        url = "http://127.0.0.1:%d" % free_port()
        rc, out, err = self.fetch(url=url)
        self.assertEqual((rc, out), (1, b""))
        self.assertEqual(len([x for x in err.splitlines() if x.startswith("error: ")]), 1, err)
        self.assertIn("cannot reach TUF repository " + url, err)
        self.assertIn("no usable cache: no valid cached timestamp.json", err)

    def stop_server(self):
        url = self.server.url
        self.server.stop()
        self.server = Server(self.out)  # another port, for tearDown
        return url

    def assert_offline_ok(self, url):
        rc, out, err = self.fetch(url=url)
        self.assertEqual((rc, out.decode()), (0, CONTENT), err)
        self.assertIn("cannot reach TUF repository " + url, err)
        self.assertIn("using the cached " + TARGET, err)

    def test_unreachable_with_unexpired_cache(self):
        self.assert_ok(oracle=False)
        self.assert_offline_ok(self.stop_server())

    def test_http_5xx_with_unexpired_cache(self):
        self.assert_ok(oracle=False)
        self.server.httpd.fail_status = 503
        self.assert_offline_ok(self.server.url)

    def test_unreachable_with_expired_cache(self):
        self.plan["timestamp"]["expires"] = when(3)
        self.publish()
        self.assert_ok(oracle=False)
        url = self.stop_server()
        time.sleep(4)
        rc, out, err = self.fetch(url=url)
        self.assertEqual((rc, out), (1, b""))
        self.assertIn("cannot reach TUF repository " + url, err)
        self.assertIn("no usable cache: cached timestamp.json version 1 expired at", err)


class RealSigstoreTest(unittest.TestCase):
    """Sigstore's real public-good repository, frozen in test/data/tuf/ (see its README):
    from the embedded root 14 through 15.root.json, timestamp, snapshot and targets to
    trusted_root.json, all with Sigstore's own signatures."""

    DATA = os.path.join(bbutil.ROOT, "test", "data", "tuf", "sigstore-root-signing")
    DIGEST = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="grm-tuf-real-")
        self.repo = os.path.join(self.tmp, "repo")
        shutil.copytree(self.DATA, self.repo)
        self.server = Server(self.repo)

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fetch(self, *extra):
        p = subprocess.run([bbutil.binary("test/tuf_fetch"), "--repo", self.server.url,
                            "--cache", os.path.join(self.tmp, "cache"), "--sigstore"]
                           + list(extra) + [TARGET], capture_output=True, env=dict(os.environ,
                                                                                  **ENV))
        return p.returncode, p.stdout, p.stderr.decode(errors="replace")

    def test_verifies_at_its_time(self):
        rc, out, err = self.fetch("--now", "2026-08-22T00:00:00Z")
        self.assertEqual(rc, 0, err)
        self.assertEqual(hashlib.sha256(out).hexdigest(), self.DIGEST)
        self.assertIn("/15.root.json", self.server.paths())
        self.assertIn("/targets/%s.%s" % (self.DIGEST, TARGET), self.server.paths())

    def test_expired_today(self):
        rc, out, err = self.fetch()
        self.assertEqual((rc, out), (1, b""))
        self.assertIn("root.json version 15 expired at 2026-11-20T13:58:18Z", err)

    def test_timestamp_expired_after_a_week(self):
        rc, _, err = self.fetch("--now", "2026-09-01T00:00:00Z")
        self.assertEqual(rc, 1)
        self.assertIn("timestamp.json version 762 expired at 2026-08-28T19:25:56Z", err)

    def test_tampered_root(self):
        path = os.path.join(self.repo, "15.root.json")
        with open(path) as fp:
            doc = json.load(fp)
        doc["signed"]["expires"] = "2036-11-20T13:58:18Z"
        with open(path, "w") as fp:
            json.dump(doc, fp)
        rc, _, err = self.fetch("--now", "2026-08-22T00:00:00Z")
        self.assertEqual(rc, 1)
        self.assertIn("15.root.json: only 0 of the 3 signatures required from the root role "
                      "(root version 14)", err)


CANONICAL_JS = ("process.stdout.write(require('@tufjs/canonical-json').canonicalize("
                "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))))")
CANONICAL_CASES = [
    '{"b": [1, -2, {"z": null, "a": true}], "a": "x\\"y\\\\z\\n\\t\\u0001", "": false}',
    '{"B": 0, "\\u00fc": 1, "\\u00e9": {"k": []}, "ab": "", "a b": 9007199254740991}',
    '["\\u00e9\\u20ac\\ud83d\\ude00", [], {}, [[[]]], "/", "<>&\'"]',
    '{"signed": {"keys": {"x": {"keyval": {"public": "-----BEGIN-----\\nAB\\n"}}}}}',
]


class CanonicalTest(unittest.TestCase):
    """lib/tuf/canonical_json.c against @tufjs/canonical-json (the encoding tuf-js signs)."""

    def canon(self, path):
        c = subprocess.run([bbutil.binary("test/tuf_fetch"), "--canonical", path],
                           capture_output=True, check=True).stdout
        n = subprocess.run(["node", "-e", CANONICAL_JS, path], cwd=NPM, capture_output=True,
                           check=True).stdout
        return c, n

    def test_same_bytes_as_tufjs(self):
        with tempfile.TemporaryDirectory() as tmp:
            files = [os.path.join(bbutil.ROOT, "lib", "tuf", "roots", f)
                     for f in ("github.root.json", "sigstore.root.json")]
            for i, text in enumerate(CANONICAL_CASES):
                files.append(os.path.join(tmp, "%d.json" % i))
                with open(files[-1], "w") as fp:
                    fp.write(text)
            for path in files:
                c, n = self.canon(path)
                self.assertEqual(c, n, path)

    def test_floats_refused(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as fp:
            fp.write('{"a": 1.5}')
            fp.flush()
            p = subprocess.run([bbutil.binary("test/tuf_fetch"), "--canonical", fp.name],
                               capture_output=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no floating-point numbers", p.stderr.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
