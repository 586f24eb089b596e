"""test_tuf_wire.py - the default trusted root of attestations comes through
TUF: `in` (GitHub's repository, GRM_TUF_GITHUB_URL / GRM_TUF_GITHUB_ROOT)
and grm-verify (verify-bundle: Sigstore's, GRM_TUF_SIGSTORE_*; release:
GitHub's). Each test serves a local TUF repository written by npm's
@tufjs/models (test/npm/tufrepo.js, as in test_tuf.py) whose target
trusted_root.json is the test PKI's trusted root (attest_pki.py, as in
test_in_attest.py): a release signed by that PKI then verifies with no
source.attestations.trusted_root, a tampered target or an expired timestamp
fails with one `trust-root:` line before any download, and a second run with
the TUF host down uses the cache while it is unexpired.

Needs node and test/npm/node_modules, like test_tuf.py."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import attest_pki as P  # noqa: E402
import test_in_attest as IA  # noqa: E402
import test_tuf as T  # noqa: E402
from bbutil import OWNER, REPO, SANITIZER_MARKERS, binary  # noqa: E402

FAST = {"GRM_MAX_ATTEMPTS": "2", "GRM_RETRY_BASE_MS": "10"}
IDENT = ["--certificate-identity", "https://dotcom.releases.github.com",
         "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com"]


def tearDownModule():
    IA.tearDownModule()


def root_text():
    with open(IA.pki()["root"]) as f:
        return f.read()


class TufRepo:
    """A signed TUF repository in base/, served on 127.0.0.1, whose one
    target is trusted_root.json = text."""

    def __init__(self, base, text, ts_expires=T.FUTURE):
        if not shutil.which("node") or not os.path.isdir(os.path.join(T.NPM, "node_modules")):
            raise AssertionError("needs node and test/npm/node_modules: run scripts/install-deps")
        self.base, self.text = base, text
        self.out = os.path.join(base, "repo")
        os.makedirs(os.path.join(base, "keys"), exist_ok=True)
        self.plan = {
            "out": self.out, "keys_dir": os.path.join(base, "keys"),
            "roots": [{"version": 1, "expires": T.FUTURE, "roles": T.ROLES1,
                       "sign": ["r1", "r2", "ed-r3"]}],
            "targets": {"version": 1, "expires": T.FUTURE, "sign": ["tg1", "edtg2"],
                        "files": {T.TARGET: text}},
            "snapshot": {"version": 1, "expires": T.FUTURE, "sign": ["edsn1"]},
            "timestamp": {"version": 1, "expires": ts_expires, "sign": ["ts1"]},
        }
        path = os.path.join(base, "plan.json")
        with open(path, "w") as fp:
            json.dump(self.plan, fp)
        subprocess.run(["node", os.path.join(T.NPM, "tufrepo.js"), path], check=True,
                       stdout=subprocess.DEVNULL)
        self.root = os.path.join(base, "1.root.json")
        shutil.copy(os.path.join(self.out, "1.root.json"), self.root)
        self.server = T.Server(self.out)
        self.url = self.server.url
        self.up = True

    def stop(self):
        if self.up:
            self.server.stop()
            self.up = False

    def tamper_target(self, same_length=True):
        """Every copy of the target served (HASH.trusted_root.json) changed:
        one certificate byte (same length, so the hash catches it), or a
        longer document."""
        d = os.path.join(self.out, "targets")
        if same_length:
            i = self.text.index('"rawBytes": "') + 40
            evil = self.text[:i] + ("A" if self.text[i] != "A" else "B") + self.text[i + 1:]
        else:
            evil = self.text + " "
        for name in os.listdir(d):
            if name.endswith(T.TARGET):
                with open(os.path.join(d, name), "w") as f:
                    f.write(evil)

    def paths(self):
        return self.server.paths()

    def headers(self):
        return [{k.lower() for k in h} for _, h in self.server.httpd.requests]


class InTufCase(IA.AttestCase):
    """`in` of the immutable v1.0.0 with no source.attestations.trusted_root."""

    def setUp(self):
        super().setUp()
        self.attest()
        self.text = root_text()

    def repo(self, **kw):
        r = TufRepo(self.mkdir("tuf"), self.text, **kw)
        self.addCleanup(r.stop)
        return r

    def env(self, repo, url=None):
        return dict(FAST, GRM_TUF_GITHUB_URL=url or repo.url, GRM_TUF_GITHUB_ROOT=repo.root)

    def tuf_get(self, repo, dest, **kw):
        return self.get(self.version(self.r), dest=dest, env=self.env(repo, **kw),
                        source=self.source(attestations=None))

    def got_root(self, dest):
        with open(os.path.join(dest, "attestations", "trusted_root.json")) as f:
            return f.read()

    def assertRefused(self, res, dest, *needles):
        self.assertOneError(res, "trust-root:", *needles)
        self.assertEqual(self.downloads(), [], "downloaded before verifying")
        self.assertEqual(os.listdir(dest), [], "wrote into the get directory")


class TestInThroughTuf(InTufCase):
    def test_verifies_and_keeps_the_tuf_target(self):
        repo = self.repo()
        dest = self.mkdir("got")
        res = self.tuf_get(repo, dest)
        self.assertEqual(res.rc, 0, res)
        self.assertIn({"name": "attested", "value": "release"}, res.json["metadata"])
        self.assertEqual(self.got_root(dest), self.text)
        self.assertIn("/timestamp.json", repo.paths())
        self.assertIn("/targets/%s.%s" % (P.sha256(self.text.encode()), T.TARGET), repo.paths())
        for h in repo.headers():  # the GitHub token never goes to the TUF host
            self.assertNotIn("authorization", h)
        # verified metadata cached beside the release cache, in the container's TMPDIR
        cache = os.path.join(self.tmpdir, "github-release-mirror", "tuf",
                             repo.url.split("://")[1].replace(":", "_"))
        for name in ("root.json", "timestamp.json", "snapshot.json", "targets.json",
                     "targets/" + T.TARGET):
            self.assertTrue(os.path.isfile(os.path.join(cache, name)), name)
        # the TUF host down: the cache, unexpired, still verifies
        repo.stop()
        dest2 = self.mkdir("got2")
        res = self.tuf_get(repo, dest2)
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(res.errors, [], res)
        self.assertIn("using the cached trusted_root.json", res.stderr)
        self.assertEqual(self.got_root(dest2), self.text)

    def test_source_trusted_root_overrides_tuf(self):
        repo = self.repo()
        dest = self.mkdir("got")
        res = self.get(self.version(self.r), dest=dest, env=self.env(repo))
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(repo.paths(), [])
        self.assertEqual(json.loads(self.got_root(dest)), self.root)

    def test_no_tuf_unless_verifying(self):
        repo = self.repo()
        self.r.immutable = False
        res = self.tuf_get(repo, self.mkdir("got"))
        self.assertEqual(res.rc, 0, res)
        self.check_ok(source=self.source(attestations=None), env=self.env(repo))
        self.assertEqual(repo.paths(), [])


class TestInRefused(InTufCase):
    def test_tampered_target(self):
        repo = self.repo()
        repo.tamper_target()
        dest = self.mkdir("got")
        self.assertRefused(self.tuf_get(repo, dest), dest, "trusted_root.json", "sha256")
        repo.tamper_target(same_length=False)
        self.assertRefused(self.tuf_get(repo, dest), dest, "trusted_root.json", "larger than")

    def test_signed_target_not_a_trusted_root(self):
        self.text = '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",' \
            ' "certificateAuthorities": 1}\n'
        repo = self.repo()
        dest = self.mkdir("got")
        self.assertRefused(self.tuf_get(repo, dest), dest)

    def test_expired_timestamp(self):
        repo = self.repo(ts_expires=T.PAST)
        dest = self.mkdir("got")
        self.assertRefused(self.tuf_get(repo, dest), dest, "timestamp.json", "expired")

    def test_untrusted_initial_root(self):
        repo = self.repo()
        other = TufRepo(self.mkdir("other"), self.text)
        self.addCleanup(other.stop)
        dest = self.mkdir("got")
        res = self.get(self.version(self.r), dest=dest, source=self.source(attestations=None),
                       env=dict(self.env(repo), GRM_TUF_GITHUB_ROOT=other.root))
        self.assertRefused(res, dest, "timestamp.json", "signatures")

    def test_host_down_cache_expired(self):
        """The cached metadata expires: with the host down, no verification."""
        expires = time.time() + 10
        repo = self.repo(ts_expires=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)))
        res = self.tuf_get(repo, self.mkdir("got"))
        self.assertEqual(res.rc, 0, res)
        repo.stop()
        time.sleep(max(0.0, expires - time.time() + 1.5))
        self.downloads_before = len(self.downloads())
        dest = self.mkdir("got2")
        res = self.tuf_get(repo, dest)
        self.assertFailsClearly(res, "trust-root:", "cannot reach TUF repository", "expired")
        self.assertEqual(len(self.downloads()), self.downloads_before)
        self.assertEqual(os.listdir(dest), [])

    def test_host_down_no_cache(self):
        repo = self.repo()
        repo.stop()
        dest = self.mkdir("got")
        res = self.tuf_get(repo, dest)
        self.assertFailsClearly(res, "trust-root:", "cannot reach TUF repository " + repo.url,
                                "source.attestations.trusted_root")
        self.assertEqual(self.downloads(), [])


class TestGrmVerify(unittest.TestCase):
    """grm-verify without --trusted-root."""

    def setUp(self):
        self.k = IA.pki()
        self.tmp = tempfile.mkdtemp(prefix="grm-tufwire-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.text = root_text()
        self.xdg = os.path.join(self.tmp, "xdg")
        self.file = os.path.join(self.tmp, "app.tar.gz")
        with open(self.file, "wb") as f:
            f.write(b"app bytes\n" * 50)
        self.commit = "1234567890abcdef1234567890abcdef12345678"
        st = P.statement(OWNER, REPO, "v1.0.0", self.commit, {"app.tar.gz": P.sha256(
            b"app bytes\n" * 50)})
        self.bundle = self.write("release.json", P.bundle(self.k["pki"], self.k["leaf"], st))
        oidc = self.k["pki"].leaf("oidc-tufwire", oidc=True)
        self.oidc_bundle = self.write("oidc.json", P.bundle(self.k["pki"], oidc, st))

    def write(self, name, doc):
        p = os.path.join(self.tmp, name)
        with open(p, "w") as f:
            json.dump(doc, f)
        return p

    def repo(self, **kw):
        r = TufRepo(os.path.join(self.tmp, "tuf%d" % len(os.listdir(self.tmp))), self.text, **kw)
        self.addCleanup(r.stop)
        return r

    def run_verify(self, repo, *args, kind="SIGSTORE", env=None):
        dead = "http://127.0.0.1:%d" % T.free_port()
        e = {"PATH": "/usr/bin:/bin", "LANG": "C", "HOME": self.tmp, "XDG_CACHE_HOME": self.xdg,
             "GRM_TUF_GITHUB_URL": dead, "GRM_TUF_SIGSTORE_URL": dead, **FAST}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                e[k] = os.environ[k]
        e["GRM_TUF_%s_URL" % kind] = repo.url
        e["GRM_TUF_%s_ROOT" % kind] = repo.root
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        r = subprocess.run([binary("grm-verify"), *args], capture_output=True, text=True, env=e,
                           timeout=120)
        for m in SANITIZER_MARKERS:
            self.assertNotIn(m, r.stderr)
        return r

    def verify_bundle(self, repo, **kw):
        return self.run_verify(repo, "verify-bundle", "--bundle", self.oidc_bundle, *IDENT,
                               self.file, **kw)

    def refused(self, r, *needles):
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "")
        lines = [ln for ln in r.stderr.splitlines() if not ln.startswith("warning: ")]
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("grm-verify: trust-root: "), lines[0])
        for n in needles:
            self.assertIn(n, lines[0])

    def cache_dir(self, base, repo):
        return os.path.join(base, "github-release-mirror", "tuf",
                            repo.url.split("://")[1].replace(":", "_"))

    def test_verify_bundle_through_sigstore_tuf(self):
        repo = self.repo()
        r = self.verify_bundle(repo)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertIn("verified: bundle", r.stdout)
        self.assertIn("/timestamp.json", repo.paths())
        cached = os.path.join(self.cache_dir(self.xdg, repo), "targets", T.TARGET)
        with open(cached) as f:
            self.assertEqual(f.read(), self.text)
        repo.stop()  # the host down: the unexpired cache
        r = self.verify_bundle(repo)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("verified: bundle", r.stdout)
        self.assertIn("using the cached trusted_root.json", r.stderr)

    def test_cache_under_home_without_xdg(self):
        repo = self.repo()
        r = self.verify_bundle(repo, env={"XDG_CACHE_HOME": None})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(
            self.cache_dir(os.path.join(self.tmp, ".cache"), repo), "targets", T.TARGET)))

    def test_verify_bundle_tampered_target(self):
        repo = self.repo()
        repo.tamper_target()
        self.refused(self.verify_bundle(repo), "trusted_root.json")

    def test_verify_bundle_expired_timestamp(self):
        repo = self.repo(ts_expires=T.PAST)
        self.refused(self.verify_bundle(repo), "timestamp.json", "expired")

    def test_verify_bundle_uses_sigstore_not_github(self):
        repo = self.repo()
        r = self.verify_bundle(repo, kind="GITHUB")
        self.refused(r, "cannot reach TUF repository")
        self.assertEqual(repo.paths(), [])

    def test_release_through_github_tuf(self):
        repo = self.repo()
        args = ["release", "--bundle", self.bundle, "--repo", "%s/%s" % (OWNER, REPO), "--tag",
                "v1.0.0", "--commit", self.commit, self.file]
        r = self.run_verify(repo, *args, kind="GITHUB")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertIn("verified: release attestation", r.stdout)
        repo.tamper_target()
        shutil.rmtree(self.xdg)
        self.refused(self.run_verify(repo, *args, kind="GITHUB"), "trusted_root.json")


if __name__ == "__main__":
    unittest.main(verbosity=2)
