#!/usr/bin/python3
"""test_out_attest.py - `out` mirrors the evidence of a verified release
attestation (attestations/release.sigstore.json and trusted_root.json)
under the release's prefix in Ceph's RGW, and a reader's copy of the
prefix, taken with `aws s3 sync`, verifies offline with `grm-verify mirror`.
Uses the RGW that S3_ENDPOINT (or RGW_DIR) names, else starts one."""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
import s3env  # noqa: E402
import test_in_attest  # noqa: E402
from bbutil import OWNER, REPO, binary  # noqa: E402
from test_out import OutCase  # noqa: E402


def tearDownModule():
    test_in_attest.tearDownModule()


class TestOutAttest(OutCase):
    def setUp(self):
        super().setUp()
        self.k = test_in_attest.pki()
        with open(self.k["root"]) as f:
            self.root = json.load(f)
        self.r = self.rel("v3.0.0")
        self.r.immutable = True
        self.assets = [self.gh.add_asset(self.r, "tool.tar.gz", content=b"tool\n" * 300),
                       self.gh.add_asset(self.r, "tool.sha256", content=b"sums\n")]
        st = test_in_attest.P.statement(OWNER, REPO, "v3.0.0", self.r.commit_sha,
                                        {a.name: a.sha256 for a in self.assets})
        self.gh.add_attestation(OWNER, REPO, self.r.commit_sha,
                                test_in_attest.P.bundle(self.k["pki"], self.k["leaf"], st))

    def src(self, mirror=None, **kw):
        kw.setdefault("attestations", {"trusted_root": self.root})
        return super().src(mirror, **kw)

    def verify_copy(self, prefix):
        d = self.mkdir("sync")
        s3env.aws("s3", "sync", "--no-progress", "s3://%s/%s" % (self.bucket, prefix), d,
                  check=True)
        return subprocess.run([binary("grm-verify"), "mirror", d], capture_output=True,
                              text=True), d

    def test_evidence_mirrored_and_verified_offline(self):
        name, _ = self.fetch(self.r)
        self.out_ok(name)
        prefix = "%s/%s/v3.0.0/" % (OWNER, REPO)
        keys = set(self.keys(prefix=prefix))
        self.assertIn(prefix + "attestations/release.sigstore.json", keys)
        self.assertIn(prefix + "attestations/trusted_root.json", keys)
        manifest = json.loads(self.s3r.get(self.bucket, prefix + "release.json"))
        self.assertTrue(all(f["attested"] == "release" for f in manifest["files"]))
        r, d = self.verify_copy(prefix)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("release attestation signed by https://dotcom.releases.github.com",
                      r.stdout)
        # a tampered object in the copy is found
        with open(os.path.join(d, "tool.sha256"), "wb") as f:
            f.write(b"SUMS\n")
        r = subprocess.run([binary("grm-verify"), "mirror", d], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("grm-verify: policy: 'tool.sha256'", r.stderr)

    def test_asset_key_collides_with_evidence(self):
        src = self.src(mirror=self.mirror(key_template="{owner}/{repository}/{tag}/attestations/"
                                                       "{asset}"))
        bad = self.gh.add_asset(self.r, "trusted_root.json", content=b"{}")
        st = test_in_attest.P.statement(OWNER, REPO, "v3.0.0", self.r.commit_sha,
                                        {a.name: a.sha256 for a in self.assets + [bad]})
        self.gh._attestations.clear()
        self.gh.add_attestation(OWNER, REPO, self.r.commit_sha,
                                test_in_attest.P.bundle(self.k["pki"], self.k["leaf"], st))
        name, _ = self.fetch(self.r, source=src)
        res = self.out(name, source=src)
        self.assertFailsClearly(res, "the key of the release's attestation", "key_template")
        self.assertEqual(self.keys(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
