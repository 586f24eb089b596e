"""test_in_attest.py - `in` verifies GitHub release attestations end to end
against the fake GitHub: bundles signed by a throw-away PKI (attest_pki.py),
served inline or from a bundle_url on the asset host (raw snappy, and never
with the token), checked against the release's assets before any download;
the get directory keeps the evidence, which grm-verify mirror re-verifies."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import attest_pki as P  # noqa: E402
from bbutil import OWNER, REPO, GitHubCase, binary, closed_port  # noqa: E402

_PKI = {}


def pki():
    """One PKI per run (openssl is slow enough)."""
    if not _PKI:
        d = tempfile.mkdtemp(prefix="grm-in-attest-")
        p = P.Pki(d)
        _PKI.update(dir=d, pki=p, leaf=p.leaf("leaf"),
                    root=p.trusted_root(os.path.join(d, "root.json")))
    return _PKI


def tearDownModule():
    if _PKI:
        shutil.rmtree(_PKI["dir"], True)


class AttestCase(GitHubCase):
    def setUp(self):
        super().setUp()
        self.k = pki()
        with open(self.k["root"]) as f:
            self.root = json.load(f)
        self.r = self.rel("v1.0.0")
        self.r.immutable = True
        self.assets = [self.gh.add_asset(self.r, "app.tar.gz", content=b"app bytes\n" * 50),
                       self.gh.add_asset(self.r, "app.zip", content=b"zip bytes")]

    def source(self, **kw):
        kw.setdefault("attestations", {"trusted_root": self.root})
        return super().source(**kw)

    def bundle(self, tag="v1.0.0", assets=None, **kw):
        assets = assets if assets is not None else {a.name: a.sha256 for a in self.assets}
        st = P.statement(OWNER, REPO, tag, kw.pop("commit", self.r.commit_sha), assets)
        return P.bundle(self.k["pki"], kw.pop("leaf", self.k["leaf"]), st, **kw)

    def attest(self, bundle=None, **kw):
        return self.gh.add_attestation(OWNER, REPO, self.r.commit_sha,
                                       bundle if bundle is not None else self.bundle(), **kw)

    def downloads(self):
        return [e for e in self.asset_log() if e["path"].startswith("/download/")]

    def refused(self, *needles, source=None):
        res = self.get(self.version(self.r), source=source)
        self.assertFailsClearly(res, *needles)
        self.assertEqual(self.downloads(), [], "downloaded before verifying")
        return res


class TestVerified(AttestCase):
    def test_inline_bundle(self):
        self.attest()
        dest = self.mkdir("got")
        out = self.get_ok(self.version(self.r), dest=dest)
        self.assertIn({"name": "attested", "value": "release"}, out["metadata"])
        with open(os.path.join(dest, "release.json")) as f:
            doc = json.load(f)
        for entry in doc["files"]:
            self.assertEqual(entry["attested"], "release")
            self.assertEqual(entry["signer"], "https://dotcom.releases.github.com")
        for name in ("release.sigstore.json", "trusted_root.json"):
            self.assertTrue(os.path.isfile(os.path.join(dest, "attestations", name)))
        q = self.api_log(r"/attestations/")
        self.assertEqual(len(q), 1)
        self.assertEqual(q[0]["path"], "/repos/%s/%s/attestations/sha1:%s"
                         % (OWNER, REPO, self.r.commit_sha))
        self.assertEqual(q[0]["query"].get("predicate_type"), "release")
        # the reader's side: the get directory verifies offline
        r = subprocess.run([binary("grm-verify"), "mirror", dest], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("release attestation signed by", r.stdout)

    def test_bundle_url_snappy_without_token(self):
        body = P.snappy(json.dumps(self.bundle()).encode())
        self.attest(body=body, url_only=True)
        dest = self.mkdir("got")
        self.get_ok(self.version(self.r), dest=dest)
        hits = [e for e in self.asset_log() if e["path"].startswith("/attestation-bundle/")]
        self.assertEqual(len(hits), 1)
        self.assertNotIn("authorization", hits[0]["headers"])
        self.assertFalse(hits[0]["authorization_rejected"])
        self.assertTrue(os.path.isfile(os.path.join(dest, "attestations",
                                                    "release.sigstore.json")))

    def test_not_immutable_auto_skips(self):
        self.r.immutable = False
        dest = self.mkdir("got")
        out = self.get_ok(self.version(self.r), dest=dest)
        self.assertNotIn({"name": "attested", "value": "release"}, out["metadata"])
        self.assertFalse(os.path.exists(os.path.join(dest, "attestations")))
        self.assertEqual(self.api_log(r"/attestations/"), [])

    def test_off(self):
        self.get_ok(self.version(self.r),
                    source=self.source(attestations={"release": "off"}))
        self.assertEqual(self.api_log(r"/attestations/"), [])

    def test_other_tags_attestation_beside(self):
        self.attest(self.bundle(tag="v0.9.0"))
        self.attest()
        self.get_ok(self.version(self.r))


class TestRefused(AttestCase):
    def test_none_for_immutable(self):
        self.refused("policy: no release attestation for v1.0.0", "immutable")

    def test_required_on_mutable(self):
        self.r.immutable = False
        self.refused("no release attestation", "required",
                     source=self.source(attestations={"release": "required",
                                                      "trusted_root": self.root}))

    def test_subject_digest_differs_from_api_digest(self):
        self.attest(self.bundle(assets={"app.tar.gz": "ab" * 32, "app.zip": self.assets[1].sha256}))
        self.refused("policy: asset 'app.tar.gz' has sha256")

    def test_asset_missing_from_subjects(self):
        self.attest(self.bundle(assets={"app.zip": self.assets[1].sha256}))
        self.refused("policy: asset 'app.tar.gz' is not a subject")

    def test_extra_subject(self):
        names = {a.name: a.sha256 for a in self.assets}
        names["ghost.bin"] = "cd" * 32
        self.attest(self.bundle(assets=names))
        self.refused("policy: subject 'ghost.bin' is not an asset")

    def test_wrong_tag_and_commit(self):
        self.attest(self.bundle(tag="v9"))
        self.refused("policy: predicate.tag")

    def test_two_attestations(self):
        self.attest()
        self.attest()
        self.refused("policy: 2 attestations for tag 'v1.0.0'")

    def test_truncated_snappy(self):
        body = P.snappy(json.dumps(self.bundle()).encode())
        self.attest(body=body[:len(body) // 2], url_only=True)
        res = self.refused("bundle:", "/attestation-bundle/")
        self.assertNotIn("sig=", res.stderr)  # the pre-signed query is never shown

    def test_oversized_snappy(self):
        self.attest(body=bytes([0x80, 0x80, 0x80, 0x40]) + b"x" * 32, url_only=True)
        self.refused("bundle:", "cap")

    def test_bad_signature_identity(self):
        evil = self.k["pki"].leaf("evil", san="https://evil.releases.github.com")
        self.attest(self.bundle(leaf=evil))
        self.refused("identity:", "evil.releases.github.com")

    def test_no_trusted_root(self):
        """GitHub's TUF repository unreachable (test_tuf_wire.py has the rest)."""
        self.attest()
        env = {"GRM_TUF_GITHUB_URL": "http://127.0.0.1:%d" % closed_port(),
               "GRM_MAX_ATTEMPTS": "1"}
        res = self.get(self.version(self.r), env=env,
                       source=self.source(attestations={"release": "auto"}))
        self.assertFailsClearly(res, "trust-root:", "source.attestations.trusted_root")
        self.assertEqual(self.downloads(), [], "downloaded before verifying")

    def test_asset_named_attestations(self):
        self.gh.add_asset(self.r, "attestations", content=b"x")
        self.refused("asset \"attestations\"", "asset_dir")

    def test_bad_source_fields(self):
        for att, needle in (({"release": "sometimes"}, "source.attestations.release"),
                            ({"bogus": 1}, "bogus"),
                            ({"trusted_root": {"mediaType": "x"}},
                             "source.attestations.trusted_root"),
                            ("yes", "source.attestations")):
            with self.subTest(att=att):
                self.refused(needle, source=self.source(attestations=att))


if __name__ == "__main__":
    unittest.main(verbosity=2)
