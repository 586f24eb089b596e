"""test_rekor_synth.py - Rekor v1 entries from a throw-away log, black box:
a messageSignature bundle (hashedrekord 0.0.1) logged by a log key of our
own (attest_pki.py leaves, a P-256 log key from the openssl CLI; SET,
RFC 6962 inclusion proof in a tree of 2, checkpoint), verified by
grm-verify verify-bundle with no RFC 3161 timestamp; an entry for another
signature, a v0.1 bundle with its SET only, and one without it; then Rekor
v2 (hashedrekord 0.0.2 and dsse 0.0.2 in an Ed25519 log, checkpoint key
hint by name, time from an RFC 3161 token). npm's
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
from bbutil import grm_verify as run  # noqa: E402
from test_provenance import Base, oracle  # noqa: E402

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


class LogV2:
    """A Rekor v2-like log: an Ed25519 key; log id and note key hint
    SHA256(name || 0x0A || 0x01 || key); no SET, no integratedTime."""

    def __init__(self, pki, name="log.test"):
        self.pki, self.name = pki, name
        self.key = pki.path("rekor2.key")
        P.ossl("genpkey", "-algorithm", "ed25519", "-out", self.key)
        self.spki = P.ossl("pkey", "-in", self.key, "-pubout", "-outform", "DER")
        self.log_id = hashlib.sha256(name.encode() + b"\n\x01" + self.spki[-32:]).digest()

    def sign(self, data):
        path = self.pki.path("tosign2.bin")
        with open(path, "wb") as f:
            f.write(data)
        return P.ossl("pkeyutl", "-sign", "-rawin", "-inkey", self.key, "-in", path)

    def tlog(self, start):
        return {"baseUrl": "https://log.test", "hashAlgorithm": "SHA2_256",
                "publicKey": {"rawBytes": b64(self.spki), "keyDetails": "PKIX_ED25519",
                              "validFor": {"start": P.rfc3339(start)}},
                "logId": {"keyId": b64(self.log_id)}}

    def entry(self, body):
        leaf = hashlib.sha256(b"\x00" + body).digest()
        text = "%s\n1\n%s\n" % (self.name, b64(leaf))
        note = text + "\n\u2014 %s %s\n" % (self.name,
                                             b64(self.log_id[:4] + self.sign(text.encode())))
        return {"logIndex": "0", "logId": {"keyId": b64(self.log_id)},
                "kindVersion": {"kind": "hashedrekord", "version": "0.0.2"},
                "inclusionProof": {"logIndex": "0", "rootHash": b64(leaf), "treeSize": "1",
                                   "hashes": [], "checkpoint": {"envelope": note}},
                "canonicalizedBody": b64(body)}


def hashedrekord_v2(leaf_der, bundle):
    ms = bundle["messageSignature"]
    return json.dumps({"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {
        "hashedRekordV002": {
            "data": {"algorithm": "SHA2_256", "digest": ms["messageDigest"]["digest"]},
            "signature": {"content": ms["signature"], "verifier": {
                "x509Certificate": {"rawBytes": b64(leaf_der)},
                "keyDetails": "PKIX_ECDSA_P256_SHA_256"}}}}},
        separators=(",", ":")).encode()


class TestSyntheticLogV2(TestSyntheticLog):
    """hashedrekord 0.0.2 in an Ed25519 log, time from an RFC 3161 token."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.log2 = LogV2(cls.pki)
        with open(cls.root) as f:
            doc = json.load(f)
        doc["tlogs"] = [cls.log2.tlog(P.NOW - 30 * P.DAY)]
        cls.root = os.path.join(cls.tmp, "root-log2.json")
        with open(cls.root, "w") as f:
            json.dump(doc, f)

    def logged2(self, body_for=None):
        b = P.message_bundle(self.pki, self.leaf, ARTIFACT)
        body = hashedrekord_v2(self.pki.der(self.leaf), body_for or b)
        b["verificationMaterial"]["tlogEntries"] = [self.log2.entry(body)]
        return b

    def test_hashedrekord_verifies(self):
        b = self.logged2()
        self.verified(self.vb(b))
        if ORACLE:
            self.assertTrue(oracle(self.write("o.json", b), self.root, SAN, self.art))

    def test_entry_for_another_signature(self):
        other = P.message_bundle(self.pki, self.leaf, b"other bytes")
        self.refused(self.vb(self.logged2(body_for=other)), "tlog",
                     "hashedrekord entry does not bind")

    def test_checkpoint_other_name(self):
        b = self.logged2()
        cp = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]
        cp["envelope"] = cp["envelope"].replace("\u2014 log.test", "\u2014 log.other")
        self.refused(self.vb(b), "tlog", "not signed by the log's key")

    def test_no_timestamp(self):
        b = self.logged2()
        del b["verificationMaterial"]["timestampVerificationData"]
        self.refused(self.vb(b), "timestamp", "no log entry with a verified signed entry")

    def test_dsse_v2(self):
        stmt = {"_type": "https://in-toto.io/Statement/v1", "predicateType": "x",
                "subject": [{"name": "artifact.bin",
                             "digest": {"sha256": hashlib.sha256(ARTIFACT).hexdigest()}}]}
        b = P.bundle(self.pki, self.leaf, stmt)
        env = b["dsseEnvelope"]
        payload = base64.b64decode(env["payload"])

        def body(sig):
            return json.dumps({"apiVersion": "0.0.2", "kind": "dsse", "spec": {"dsseV002": {
                "payloadHash": {"algorithm": "SHA2_256",
                                "digest": b64(hashlib.sha256(payload).digest())},
                "signatures": [{"content": sig, "verifier": {
                    "x509Certificate": {"rawBytes": b64(self.pki.der(self.leaf))},
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256"}}]}}},
                separators=(",", ":")).encode()
        e = self.log2.entry(body(env["signatures"][0]["sig"]))
        e["kindVersion"] = {"kind": "dsse", "version": "0.0.2"}
        b["verificationMaterial"]["tlogEntries"] = [e]
        self.verified(self.vb(b))
        if ORACLE:
            self.assertTrue(oracle(self.write("o.json", b), self.root, SAN, self.art))
        e = self.log2.entry(body(b64(b"another signature")))
        e["kindVersion"] = {"kind": "dsse", "version": "0.0.2"}
        b["verificationMaterial"]["tlogEntries"] = [e]
        self.refused(self.vb(b), "tlog", "dsse entry does not bind")

    test_v01_set_only = test_proof_without_set_gives_no_time = test_wrong_sibling = None


if __name__ == "__main__":
    unittest.main(verbosity=2)
