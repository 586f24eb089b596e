"""test_rekor_synth.py - Rekor v1 entries from a throw-away log, black box:
a messageSignature bundle (hashedrekord 0.0.1) logged by a log key of our
own (attest_pki.py leaves, a P-256 log key from the openssl CLI; SET,
RFC 6962 inclusion proof in a tree of 2, checkpoint), verified by
grm-verify verify-bundle with no RFC 3161 timestamp; an entry for another
signature, a v0.1 bundle with its SET only, and one without it. npm's
sigstore-js, when test/npm/node_modules is there, agrees on the logged bundle
and the broken ones."""

import base64
import hashlib
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
from test_provenance import Base, oracle, run  # noqa: E402

SAN = "https://dotcom.releases.github.com"
ACTIONS = "https://token.actions.githubusercontent.com"
ARTIFACT = b"the artifact bytes\n" * 50
ORACLE = shutil.which("node") and os.path.isdir(
    os.path.join(HERE, "..", "npm", "node_modules", "@sigstore", "verify"))


def b64(data):
    return base64.b64encode(data).decode()


class Log:
    """A Rekor-like log: a P-256 key, SETs and checkpoints signed with it."""

    def __init__(self, pki):
        self.pki = pki
        self.key = pki.key("rekor")
        self.spki = P.ossl("pkey", "-in", self.key, "-pubout", "-outform", "DER")
        self.log_id = hashlib.sha256(self.spki).digest()

    def sign(self, data):
        path = self.pki.path("tosign.bin")
        with open(path, "wb") as f:
            f.write(data)
        return P.ossl("dgst", "-sha256", "-sign", self.key, path)

    def tlog(self, start):
        return {"baseUrl": "https://rekor.test", "hashAlgorithm": "SHA2_256",
                "publicKey": {"rawBytes": b64(self.spki), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                              "validFor": {"start": P.rfc3339(start)}},
                "logId": {"keyId": b64(self.log_id)}}

    def entry(self, body, when, other_leaf=b"\x00other"):
        """The entry at index 1 of a tree of 2 (leaf 0: other_leaf)."""
        itime, index = int(when.timestamp()), 1
        canon = json.dumps({"body": b64(body), "integratedTime": itime,
                            "logID": self.log_id.hex(), "logIndex": index},
                           separators=(",", ":"), sort_keys=True).encode()
        leaf0 = hashlib.sha256(other_leaf).digest()
        leaf1 = hashlib.sha256(b"\x00" + body).digest()
        root = hashlib.sha256(b"\x01" + leaf0 + leaf1).digest()
        text = "rekor.test - 1\n2\n%s\n" % b64(root)
        hint = hashlib.sha256(self.spki).digest()[:4]
        note = text + "\n\u2014 rekor.test %s\n" % b64(hint + self.sign(text.encode()))
        return {"logIndex": str(index), "logId": {"keyId": b64(self.log_id)},
                "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
                "integratedTime": str(itime),
                "inclusionPromise": {"signedEntryTimestamp": b64(self.sign(canon))},
                "inclusionProof": {"logIndex": str(index), "rootHash": b64(root),
                                   "treeSize": "2", "hashes": [b64(leaf0)],
                                   "checkpoint": {"envelope": note}},
                "canonicalizedBody": b64(body)}


def hashedrekord(pki, leaf, bundle):
    ms = bundle["messageSignature"]
    with open(leaf + ".pem", "rb") as f:
        pem = f.read()
    return json.dumps({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "data": {"hash": {"algorithm": "sha256",
                          "value": base64.b64decode(ms["messageDigest"]["digest"]).hex()}},
        "signature": {"content": ms["signature"], "publicKey": {"content": b64(pem)}}}},
        separators=(",", ":")).encode()


class TestSyntheticLog(Base):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="grm-rekor-")
        cls.pki = P.Pki(os.path.join(cls.tmp, "pki"))
        cls.leaf = cls.pki.leaf("leaf", oidc=True)
        cls.log = Log(cls.pki)
        root = cls.pki.trusted_root(os.path.join(cls.tmp, "root.json"))
        with open(root) as f:
            doc = json.load(f)
        doc["tlogs"] = [cls.log.tlog(P.NOW - 30 * P.DAY)]
        cls.root = os.path.join(cls.tmp, "root-log.json")
        with open(cls.root, "w") as f:
            json.dump(doc, f)
        cls.art = os.path.join(cls.tmp, "artifact.bin")
        with open(cls.art, "wb") as f:
            f.write(ARTIFACT)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def logged(self, data=ARTIFACT, body_for=None):
        b = P.message_bundle(self.pki, self.leaf, data)
        del b["verificationMaterial"]["timestampVerificationData"]
        src = body_for or b
        b["verificationMaterial"]["tlogEntries"] = [
            self.log.entry(hashedrekord(self.pki, self.leaf, src), P.NOW)]
        return b

    def vb(self, bundle):
        return run("verify-bundle", "--bundle", self.write("b.json", bundle), "--trusted-root",
                   self.root, "--certificate-identity", SAN, "--certificate-oidc-issuer",
                   ACTIONS, self.art)

    def test_hashedrekord_verifies(self):
        b = self.logged()
        r = self.vb(b)
        self.verified(r)
        if ORACLE:
            self.assertTrue(oracle(self.write("o.json", b), self.root, SAN, self.art))
        self.assertIn(P.rfc3339(P.NOW), r.stdout)

    def test_entry_for_another_signature(self):
        other = P.message_bundle(self.pki, self.leaf, b"other bytes")
        b = self.logged(body_for=other)
        self.refused(self.vb(b), "tlog", "hashedrekord entry does not bind")
        if ORACLE:
            self.assertFalse(oracle(self.write("o.json", b), self.root, SAN, self.art))

    def test_v01_set_only(self):
        b = self.logged()
        b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1"
        b["verificationMaterial"]["x509CertificateChain"] = {
            "certificates": [b["verificationMaterial"].pop("certificate")]}
        del b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
        self.verified(self.vb(b))
        del b["verificationMaterial"]["tlogEntries"][0]["inclusionPromise"]
        self.refused(self.vb(b), "tlog", "needs a signed entry timestamp")

    def test_proof_without_set_gives_no_time(self):
        b = self.logged()
        del b["verificationMaterial"]["tlogEntries"][0]["inclusionPromise"]
        self.refused(self.vb(b), "timestamp", "no log entry with a verified signed entry")

    def test_wrong_sibling(self):
        b = self.logged()
        p = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
        p["hashes"] = [b64(hashlib.sha256(b"\x00else").digest())]
        self.refused(self.vb(b), "tlog", "inclusion proof")
        if ORACLE:
            self.assertFalse(oracle(self.write("o.json", b), self.root, SAN, self.art))


if __name__ == "__main__":
    unittest.main(verbosity=2)
