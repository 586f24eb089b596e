"""test_sigstore_mock.py - grm-verify verify-bundle on bundles from an
independent signer, black box: test/npm/mock_sign.js signs with npm's
sigstore (sign() and attest()) against @sigstore/mock's Fulcio, Rekor v1,
CT log and RFC 3161 TSA, started here, and writes their trusted roots. Each
genuine variant (messageSignature and DSSE, Rekor v1 hashedrekord, dsse and
intoto entries with SCT; RFC 3161 timestamp only, GitHub's way) verifies
with grm-verify and with sigstore-js (test/npm/sigstore_verify.js, the
oracle of test_provenance.py); each broken one (wrong identity, issuer or
artifact, a flipped signature, a tampered log entry, a missing SCT or
timestamp, a trusted root without the CA, log or TSA) is refused by
grm-verify with one line naming the step, and by sigstore-js wherever it can
judge it. Needs node and test/npm/node_modules/@sigstore/mock."""

import base64
import json
import os
import shutil
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_provenance import ACTIONS, NPM, SLSA, Base, flip, load, oracle, vb  # noqa: E402

MOCK = os.path.join(NPM, "node_modules", "@sigstore", "mock")
PG = ("blob-rekor", "dsse-rekor", "dsse-intoto")  # Rekor v1 entry, leaf with SCT
GH = ("blob-tsa", "dsse-tsa")  # RFC 3161 timestamp only, leaf without SCT
DSSE = ("dsse-rekor", "dsse-intoto", "dsse-tsa")
ARTIFACT = b"demo 1.0.0 release archive\n" * 64


class MockSigned(Base):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("node") or not os.path.isdir(MOCK):
            raise unittest.SkipTest("needs node and test/npm/node_modules/@sigstore/mock "
                                    "(scripts/install-deps runs npm ci in test/npm)")
        super().setUpClass()
        cls.art = os.path.join(cls.tmp, "demo-1.0.0.tar.gz")
        cls.other = os.path.join(cls.tmp, "other.tar.gz")
        for path, data in ((cls.art, ARTIFACT), (cls.other, ARTIFACT + b"!")):
            with open(path, "wb") as f:
                f.write(data)
        cls.out = os.path.join(cls.tmp, "out")
        r = subprocess.run(["node", os.path.join(NPM, "mock_sign.js"), cls.out, cls.art],
                           capture_output=True, text=True, cwd=NPM, timeout=60)
        if r.returncode != 0:
            raise AssertionError("mock_sign.js failed: " + r.stderr)
        cls.info = load(os.path.join(cls.out, "info.json"))
        cls.san = cls.info["san"]

    def path(self, name):
        return os.path.join(self.out, name + ".json")

    def bundle(self, name):
        return load(self.path(name))

    @staticmethod
    def root_name(name):
        return "trusted_root_github" if name in GH else "trusted_root"

    def root(self, name):
        return load(self.path(self.root_name(name)))

    def entry(self, b):
        return b["verificationMaterial"]["tlogEntries"][0]

    def both(self, name, bundle=None, root=None, artifact=None, san=None, issuer=ACTIONS,
             policy=None):
        """grm-verify's result and sigstore-js's verdict on variant `name`, or
        on `bundle` / `root` (a dict: written out; a str: a variant's name)."""
        bpath = self.write("b.json", bundle) if bundle is not None else self.path(name)
        if isinstance(root, dict):
            rpath = self.write("r.json", root)
        else:
            rpath = self.path(root or self.root_name(name))
        artifact = artifact or self.art
        san = san or self.san
        if policy is None:
            policy = ("--certificate-identity", san, "--certificate-oidc-issuer", issuer)
        r = vb(bpath, rpath, artifact, *policy)
        # a DSSE statement's subject is policy, which sigstore-js leaves to us
        js = oracle(bpath, rpath, san, None if name in DSSE else artifact, issuer)
        return r, js

    def refused_by_both(self, name, step, text="", oracle_refuses=True, **kw):
        """grm-verify refuses with one line naming step (and holding text);
        sigstore-js refuses too, or (oracle_refuses None) cannot judge it, or
        (oracle_refuses False) accepts it: a documented difference."""
        r, js = self.both(name, **kw)
        self.refused(r, step, text)
        if oracle_refuses is not None:
            self.assertEqual(js, not oracle_refuses,
                             "sigstore-js accepted it" if js else "sigstore-js refused it")


class TestGenuine(MockSigned):
    def test_each_variant_verifies_with_both(self):
        for name in PG + GH:
            with self.subTest(name):
                r, js = self.both(name)
                self.verified(r)
                self.assertIn("signed by " + self.san, r.stdout)
                self.assertTrue(js, "sigstore-js refused a genuine " + name)

    def test_protobuf_json_omits_zero(self):
        """sigstore-js writes no inclusionProof.logIndex for index 0 and no
        empty hashes (protobuf JSON drops defaults): grm-verify read them as
        missing until lib/attest/rekor.c took an absent int64 as 0. Spelt out, they
        verify the same."""
        for name in PG:
            with self.subTest(name):
                b = self.bundle(name)
                proof = self.entry(b)["inclusionProof"]
                self.assertNotIn("logIndex", proof)
                self.assertNotIn("hashes", proof)
                proof["logIndex"], proof["hashes"] = "0", []
                r, js = self.both(name, bundle=b)
                self.verified(r)
                self.assertTrue(js)

    def test_github_policy(self):
        repo = self.info["claims"]["repository"]
        for name in DSSE:
            with self.subTest(name):
                self.verified(self.both(name, policy=(
                    "--signer-repository", repo, "--signer-workflow",
                    ".github/workflows/release.yml", "--predicate-type", SLSA))[0])
                r, _ = self.both(name, policy=("--signer-repository", "octo/other"))
                self.refused(r, "policy", "source repository")
                r, _ = self.both(name, policy=("--signer-repository", repo,
                                               "--signer-workflow", ".github/workflows/ci.yml"))
                self.refused(r, "policy", "signer workflow")
                r, _ = self.both(name, policy=("--signer-repository", repo,
                                               "--predicate-type", SLSA + "x"))
                self.refused(r, "policy", "predicateType")

    def test_genTime_fraction_of_two_digits(self):
        """Documented difference: sigstore-js 4.1.1 (@sigstore/core's
        parseTime) takes a GeneralizedTime fraction of exactly 3 digits, but
        DER drops trailing zeros, so a TSA's ".76Z" (0.760 s) is refused by
        it; grm-verify reads it as X.690 says. When sigstore-js accepts it,
        this becomes an ordinary agreeing case."""
        r, js = self.both("blob-tsa", bundle=self.bundle("blob-tsa-760"))
        self.verified(r)
        self.assertFalse(js)


class TestRefused(MockSigned):
    def test_wrong_identity(self):
        for name in PG + GH:
            with self.subTest(name):
                self.refused_by_both(name, "identity", "",
                                     san=self.san.replace("release.yml", "evil.yml"))
                self.refused_by_both(name, "identity", "OIDC issuer",
                                     issuer="https://accounts.google.com")

    def test_wrong_artifact(self):
        for name in PG + GH:
            with self.subTest(name):
                if name in DSSE:
                    self.refused_by_both(name, "policy", "no subject", oracle_refuses=None,
                                         artifact=self.other)
                else:
                    self.refused_by_both(name, "policy", "messageDigest is not the artifact's",
                                         artifact=self.other)

    def test_flipped_signature(self):
        """The log entry (or the timestamp) binds the signature and is
        checked before it: that is the step named."""
        for name in PG + GH:
            with self.subTest(name):
                b = self.bundle(name)
                if name in DSSE:
                    s = b["dsseEnvelope"]["signatures"][0]
                    s["sig"] = flip(s["sig"])
                else:
                    s = b["messageSignature"]
                    s["signature"] = flip(s["signature"])
                if name in PG:
                    self.refused_by_both(name, "tlog", "entry does not bind", bundle=b)
                else:
                    self.refused_by_both(name, "timestamp", "message imprint", bundle=b)

    def test_tampered_tlog_entry(self):
        def bump(key, proof=False):
            def change(e):
                obj = e["inclusionProof"] if proof else e
                obj[key] = str(int(obj.get(key, "0")) + 1)
            return change

        def body(e):
            spec = json.loads(base64.b64decode(e["canonicalizedBody"]))
            spec["apiVersion"] += " "
            e["canonicalizedBody"] = base64.b64encode(json.dumps(spec).encode()).decode()

        def set_(e):
            p = e["inclusionPromise"]
            p["signedEntryTimestamp"] = flip(p["signedEntryTimestamp"])

        def root_hash(e):
            p = e["inclusionProof"]
            p["rootHash"] = flip(p["rootHash"])

        def extra_hash(e):
            e["inclusionProof"]["hashes"] = [e["inclusionProof"]["rootHash"]]

        def checkpoint(e):
            cp = e["inclusionProof"]["checkpoint"]
            cp["envelope"] = cp["envelope"].replace("\n\n", "\nextra\n\n", 1)

        cases = (
            ("integratedTime", bump("integratedTime"), "signed entry timestamp", True),
            ("logIndex", bump("logIndex"), "signed entry timestamp", True),
            ("body", body, "signed entry timestamp", True),
            ("SET", set_, "signed entry timestamp", True),
            # Documented difference: sigstore-js takes the tree's size and
            # root from the signed checkpoint and never reads the proof's
            # treeSize and rootHash; grm-verify wants them to agree with it.
            ("rootHash", root_hash, "root hash", False),
            ("treeSize", bump("treeSize", proof=True), "inclusion proof", False),
            ("proof logIndex", bump("logIndex", proof=True), "inclusion proof", True),
            ("extra hash", extra_hash, "inclusion proof", True),
            ("checkpoint", checkpoint, "checkpoint is not signed by the log's key", True),
        )
        for name in PG:
            for what, change, text, js_refuses in cases:
                with self.subTest(name=name, tamper=what):
                    b = self.bundle(name)
                    change(self.entry(b))
                    self.refused_by_both(name, "tlog", text, oracle_refuses=js_refuses,
                                         bundle=b)

    def test_mock_rekor_dsse_body(self):
        """@sigstore/mock logs a dsse entry as proposed (envelope and
        verifiers), not as Rekor stores it (hashes and signatures), so its
        entry binds nothing: both refuse. mock_sign.js rewrites the body as
        Rekor does for dsse-rekor."""
        self.refused_by_both("dsse-rekor", "tlog", "dsse entry does not bind",
                             bundle=self.bundle("dsse-rekor-mockbody"))

    def test_no_tlog_entry_or_no_timestamp(self):
        for name in PG:
            with self.subTest(name):
                b = self.bundle(name)
                del b["verificationMaterial"]["tlogEntries"]
                self.refused_by_both(name, "timestamp", "holds no RFC 3161 timestamp", bundle=b)
        for name in GH:
            with self.subTest(name):
                b = self.bundle(name)
                del b["verificationMaterial"]["timestampVerificationData"]
                self.refused_by_both(name, "timestamp", "holds no RFC 3161 timestamp", bundle=b)
                b = self.bundle(name)
                ts = b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
                ts[0]["signedTimestamp"] = flip(ts[0]["signedTimestamp"])
                self.refused_by_both(name, "timestamp", "", bundle=b)

    def test_sct(self):
        # the GitHub-style leaf has no SCT: a root with a CT log wants one
        for name in GH:
            with self.subTest(name):
                self.refused_by_both(name, "sct", "embeds no signed certificate timestamp",
                                     root="trusted_root")
        # the SCT's log is not the trusted CT log
        for name in PG:
            with self.subTest(name):
                root = self.root(name)
                ct, tl = root["ctlogs"][0], root["tlogs"][0]
                ct["publicKey"], ct["logId"] = tl["publicKey"], tl["logId"]
                self.refused_by_both(name, "sct", "from a CT log of the trusted root", root=root)

    def test_root_without_ca_tlog_or_tsa(self):
        for name in PG + GH:
            with self.subTest(name):
                root = self.root(name)
                ca = "/fulcio-gh" if name in GH else "/fulcio-pg"
                root["certificateAuthorities"] = [
                    c for c in root["certificateAuthorities"] if not c["uri"].endswith(ca)]
                self.refused_by_both(name, "certificate", "trusted root", root=root)
        for name in PG:
            with self.subTest(name):
                root = self.root(name)
                root["tlogs"] = []
                self.refused_by_both(name, "tlog", "log id", root=root)
        for name in GH:
            with self.subTest(name):
                root = self.root(name)
                root["timestampAuthorities"] = []
                self.refused_by_both(name, "timestamp", "timestamp authority of the trusted root",
                                     root=root)


if __name__ == "__main__":
    unittest.main(verbosity=2)
