"""test_provenance.py - grm-verify verify-bundle on genuine build provenance,
black box: Sigstore public good (Rekor v1 dsse and intoto entries with SET,
inclusion proof and checkpoint; embedded SCT) and GitHub's instance (RFC 3161
timestamp, no log), each verified with the right policy and refused with a
wrong one, and the real bundles mutated one way each (bad SET, bad inclusion
proof, checkpoint by another key, entry for another signature, bad SCT, log
not trusted, time outside the log key's validFor). npm's sigstore-js
(test/npm/sigstore_verify.js) is the independent oracle: it must agree on
every bundle it can judge offline. Needs node and test/npm/node_modules."""

import base64
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bbutil import ROOT, GrmVerifyAsserts, grm_verify  # noqa: E402

DATA = os.path.join(ROOT, "test", "data", "attest")
NPM = os.path.join(ROOT, "test", "npm")
PG_ROOT = os.path.join(DATA, "public-good_trusted_root.sigstore-tuf-4.0.2.json")
GH_ROOT = os.path.join(DATA, "github_trusted_root.json")
ACTIONS = "https://token.actions.githubusercontent.com"
SLSA = "https://slsa.dev/provenance/v1"

# actions/attest-build-provenance through the reusable workflow (dsse 0.0.1)
ABP = os.path.join(DATA, "cli-cli_reusable-workflow-attestation.sigstore.json")
ABP_FILE = os.path.join(DATA, "cli-cli_reusable-workflow-artifact")
ABP_ID = ("https://github.com/github/artifact-attestations-workflows/.github/workflows/"
          "attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d")
ABP_REPO = "malancas/attest-demo"
# npm provenance of sigstore-js 2.1.0 (intoto 0.0.2, sha512 subject)
NPMB = os.path.join(DATA, "cli-cli_sigstore-js-2.1.0-bundle.json")
NPM_TGZ = os.path.join(DATA, "sigstore-2.1.0.tgz")
NPM_ID = "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"
# GitHub's instance (Fulcio l2, timestamp)
DEMO = os.path.join(DATA, "cli-cli_github_provenance_demo-0.0.12-bundle.jsonl")
DEMO_WHL = os.path.join(DATA, "github_provenance_demo-0.0.12-py3-none-any.whl")
DEMO_ID = "https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main"



def oracle(bundle, root, san, artifact=None, issuer=ACTIONS):
    """True when sigstore-js verifies the bundle (signature, log, SCT, identity)."""
    args = ["node", os.path.join(NPM, "sigstore_verify.js"), bundle, root, san, issuer]
    if artifact:
        args.append(artifact)
    r = subprocess.run(args, capture_output=True, text=True, cwd=NPM)
    return r.returncode == 0


def load(path):
    with open(path) as f:
        return json.loads(f.readline() if path.endswith(".jsonl") else f.read())


def b64(data):
    return base64.b64encode(data).decode()


def flip(s):
    raw = bytearray(base64.b64decode(s))
    raw[len(raw) // 2] ^= 1
    return b64(bytes(raw))


class Base(GrmVerifyAsserts, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("node") or not os.path.isdir(os.path.join(NPM, "node_modules")):
            raise unittest.SkipTest("needs node and test/npm/node_modules")
        cls.tmp = tempfile.mkdtemp(prefix="grm-prov-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def write(self, name, obj):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump(obj, f)
        return path



def vb(bundle, root, artifact, *policy):
    return grm_verify("verify-bundle", "--bundle", bundle, "--trusted-root", root, *policy, artifact)


def ident(san):
    return ("--certificate-identity", san, "--certificate-oidc-issuer", ACTIONS)


class TestGenuine(Base):
    """The three real bundles: right policy verifies, wrong policy refuses."""

    def test_public_good_dsse(self):
        r = vb(ABP, PG_ROOT, ABP_FILE, *ident(ABP_ID))
        self.verified(r)
        self.assertIn("2024-05-24T19:14:24Z", r.stdout)  # Rekor's integratedTime
        self.assertTrue(oracle(ABP, PG_ROOT, ABP_ID))
        self.verified(vb(ABP, PG_ROOT, ABP_FILE, "--signer-repository", ABP_REPO))
        self.verified(vb(ABP, PG_ROOT, ABP_FILE, "--signer-repository", "malancas"))
        self.verified(vb(ABP, PG_ROOT, ABP_FILE, "--signer-repository", ABP_REPO,
                         "--predicate-type", SLSA))

    def test_public_good_dsse_wrong_policy(self):
        self.refused(vb(ABP, PG_ROOT, ABP_FILE, "--certificate-identity", ABP_ID,
                        "--certificate-oidc-issuer", "https://accounts.google.com"),
                     "identity", "OIDC issuer")
        self.assertFalse(oracle(ABP, PG_ROOT, ABP_ID.replace("attest.yml", "evil.yml")))
        self.refused(vb(ABP, PG_ROOT, ABP_FILE, "--signer-repository", "malancas/other"),
                     "policy", "source repository")
        self.refused(vb(ABP, PG_ROOT, ABP_FILE, "--signer-repository", "octo"),
                     "policy", "source repository owner")
        # the SAN names the reusable workflow, not the source repository's
        self.refused(vb(ABP, PG_ROOT, ABP_FILE, "--signer-repository", ABP_REPO,
                        "--signer-workflow", ".github/workflows/attest.yml"),
                     "policy", "signer workflow")
        self.refused(vb(ABP, PG_ROOT, ABP_FILE, "--signer-repository", ABP_REPO,
                        "--predicate-type", "https://slsa.dev/provenance/v0.2"),
                     "policy", "predicateType")
        self.refused(vb(ABP, PG_ROOT, NPM_TGZ, "--signer-repository", ABP_REPO),
                     "policy", "no subject")
        # public-good bundles need the public-good root
        self.refused(vb(ABP, GH_ROOT, ABP_FILE, *ident(ABP_ID)), "tlog", "log id")

    def test_npm_intoto_sha512(self):
        self.verified(vb(NPMB, PG_ROOT, NPM_TGZ, *ident(NPM_ID)))
        self.assertTrue(oracle(NPMB, PG_ROOT, NPM_ID))
        self.verified(vb(NPMB, PG_ROOT, NPM_TGZ, "--signer-repository", "sigstore/sigstore-js",
                         "--signer-workflow", ".github/workflows/release.yml"))
        self.refused(vb(NPMB, PG_ROOT, NPM_TGZ, "--signer-repository", "sigstore/sigstore-js",
                        "--signer-workflow", ".github/workflows/ci.yml"),
                     "policy", "signer workflow")
        self.refused(vb(NPMB, PG_ROOT, NPM_TGZ, "--signer-repository", "sigstore/sigstore-go"),
                     "policy", "source repository")
        self.refused(vb(NPMB, PG_ROOT, ABP_FILE, *ident(NPM_ID)), "policy", "no subject")

    def test_github_instance(self):
        pol = ("--signer-repository", "actions/attest-demo", "--signer-workflow",
               ".github/workflows/build-python.yml")
        self.verified(vb(DEMO, GH_ROOT, DEMO_WHL, *pol))
        first = self.write("demo.json", load(DEMO))
        self.assertTrue(oracle(first, GH_ROOT, DEMO_ID))
        self.refused(vb(DEMO, GH_ROOT, DEMO_WHL, "--signer-repository", "actions/attest-demo",
                        "--signer-workflow", ".github/workflows/release.yml"),
                     "policy", "signer workflow")
        self.refused(vb(DEMO, GH_ROOT, DEMO_WHL, "--signer-repository", "actions/other"),
                     "policy", "source repository")
        self.refused(vb(DEMO, GH_ROOT, DEMO_WHL, *pol, "--predicate-type",
                        "https://in-toto.io/attestation/release/v0.1"), "policy", "predicateType")


    def test_usage(self):
        r = vb(ABP, PG_ROOT, ABP_FILE, *ident(ABP_ID), "--signer-workflow", "x.yml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("need --signer-repository", r.stderr)
        r = vb(ABP, PG_ROOT, ABP_FILE, "--signer-repository", ABP_REPO, "--key", ABP_FILE)
        self.assertEqual(r.returncode, 2)


class TestMutated(Base):
    """Each real public-good bundle broken one way: grm-verify names the step,
    and sigstore-js refuses it too."""

    def check(self, bundle, step, text, root=PG_ROOT, san=ABP_ID, artifact=ABP_FILE,
              oracle_agrees=True):
        path = self.write("m.json", bundle) if isinstance(bundle, dict) else bundle
        self.refused(vb(path, root, artifact, *ident(san)), step, text)
        if oracle_agrees:
            self.assertFalse(oracle(path, root, san), "sigstore-js accepted it")

    def entry(self, b):
        return b["verificationMaterial"]["tlogEntries"][0]

    def test_bad_set(self):
        for src, san, art in ((ABP, ABP_ID, ABP_FILE), (NPMB, NPM_ID, NPM_TGZ)):
            b = load(src)
            p = self.entry(b)["inclusionPromise"]
            p["signedEntryTimestamp"] = flip(p["signedEntryTimestamp"])
            self.check(b, "tlog", "signed entry timestamp", san=san, artifact=art)
            b = load(src)
            self.entry(b)["integratedTime"] = str(int(self.entry(b)["integratedTime"]) + 1)
            self.check(b, "tlog", "signed entry timestamp", san=san, artifact=art)

    def test_bad_inclusion_proof(self):
        b = load(ABP)
        h = self.entry(b)["inclusionProof"]["hashes"]
        h[3] = flip(h[3])
        self.check(b, "tlog", "inclusion proof")
        b = load(ABP)
        p = self.entry(b)["inclusionProof"]
        p["logIndex"] = str(int(p["logIndex"]) + 1)
        self.check(b, "tlog", "inclusion proof")
        b = load(ABP)
        del self.entry(b)["inclusionProof"]
        self.check(b, "tlog", "no inclusion proof")

    def resign(self, note):
        """The note's text signed by a fresh P-256 key, with that key's hint."""
        key = os.path.join(self.tmp, "other.pem")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                        "-out", key], check=True, capture_output=True)
        spki = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                              check=True, capture_output=True).stdout
        text = note[:note.index("\n\n") + 1]
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                             input=text.encode(), check=True, capture_output=True).stdout
        import hashlib
        hint = hashlib.sha256(spki).digest()[:4]
        origin = text.split("\n")[0].split(" - ")[0]
        return text + "\n\u2014 %s %s\n" % (origin, b64(hint + sig))

    def test_checkpoint_by_another_key(self):
        b = load(ABP)
        cp = self.entry(b)["inclusionProof"]["checkpoint"]
        cp["envelope"] = self.resign(cp["envelope"])
        self.check(b, "tlog", "checkpoint is not signed by the log's key")
        # the log's hint, a signature over other text
        b = load(ABP)
        cp = self.entry(b)["inclusionProof"]["checkpoint"]
        cp["envelope"] = cp["envelope"].replace("\n\n", "\nextra\n\n", 1)
        self.check(b, "tlog", "checkpoint is not signed by the log's key")
        # another root hash than the proof's
        b = load(ABP)
        cp = self.entry(b)["inclusionProof"]["checkpoint"]
        lines = cp["envelope"].split("\n")
        lines[2] = flip(lines[2])
        cp["envelope"] = "\n".join(lines)
        self.check(b, "tlog", "root hash")

    def test_entry_for_another_signature(self):
        """A genuine entry of the same log, transplanted: the log's proofs
        verify, the body binds another bundle."""
        a, n = load(ABP), load(NPMB)
        a["verificationMaterial"]["tlogEntries"] = n["verificationMaterial"]["tlogEntries"]
        self.check(a, "tlog", "intoto entry does not bind")
        a, n = load(ABP), load(NPMB)
        n["verificationMaterial"]["tlogEntries"] = a["verificationMaterial"]["tlogEntries"]
        self.check(n, "tlog", "dsse entry does not bind", san=NPM_ID, artifact=NPM_TGZ)

    def test_log_not_trusted_or_out_of_validity(self):
        root = load(PG_ROOT)
        bad = copy.deepcopy(root)
        bad["tlogs"] = [t for t in bad["tlogs"] if "log2025" in t["baseUrl"]]
        self.check(ABP, "tlog", "log id", root=self.write("r1.json", bad))
        bad = copy.deepcopy(root)
        for t in bad["tlogs"]:
            t["publicKey"]["validFor"] = {"start": "2025-01-01T00:00:00Z"}
        self.check(ABP, "timestamp", "verified signed entry timestamp",
                   root=self.write("r2.json", bad))

    def test_bad_sct(self):
        root = load(PG_ROOT)
        bad = copy.deepcopy(root)
        a, b = bad["ctlogs"][0]["publicKey"], bad["ctlogs"][1]["publicKey"]
        a["rawBytes"], b["rawBytes"] = b["rawBytes"], a["rawBytes"]
        self.check(ABP, "sct", "does not verify", root=self.write("r3.json", bad))
        bad = copy.deepcopy(root)
        bad["ctlogs"] = bad["ctlogs"][:1]
        self.check(ABP, "sct", "no SCT", root=self.write("r4.json", bad))

    def test_leaf_without_sct(self):
        """GitHub's instance issues leaves without SCTs: with a CT log in the
        trusted root, such a leaf is refused."""
        root = load(GH_ROOT)
        root["ctlogs"] = load(PG_ROOT)["ctlogs"]
        demo = self.write("demo.json", load(DEMO))
        self.check(demo, "sct", "embeds no signed certificate timestamp",
                   root=self.write("r5.json", root), san=DEMO_ID, artifact=DEMO_WHL)

    def test_v01_needs_set(self):
        b = load(ABP)
        b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1"
        b["verificationMaterial"]["x509CertificateChain"] = {
            "certificates": [b["verificationMaterial"].pop("certificate")]}
        del self.entry(b)["inclusionPromise"]
        self.check(b, "tlog", "needs a signed entry timestamp")


if __name__ == "__main__":
    unittest.main(verbosity=2)
