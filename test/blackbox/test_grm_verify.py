"""test_grm_verify.py - grm-verify, black box: the two genuine GitHub release
attestations (JSON, JSON lines and raw snappy) against GitHub's trusted root,
and bundles signed by a throw-away PKI (attest_pki.py, openssl CLI) for each
way a release attestation must be refused. Exit 0 verified, 1 not verified
(one line "grm-verify: STEP: ..."), 2 usage or unreadable input."""

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
from bbutil import ROOT, GrmVerifyAsserts, binary, grm_verify, closed_port  # noqa: E402

DATA = os.path.join(ROOT, "test", "data", "attest")
GH_ROOT = os.path.join(DATA, "github_trusted_root.json")
CLI_JSONL = os.path.join(DATA, "cli-cli_v2.96.0_checksums_release_bundle.jsonl")
CLI_SN = os.path.join(DATA, "cli-cli_v2.96.0_checksums_release_bundle.json.sn")
DELME = os.path.join(DATA, "cli-cli_github_release_bundle.json")
CLI_COMMIT = "b300f2ec7ec9dc9addc39b2ad88c54097ded7ca0"
CLI_SUMS_SHA = "fc046371efa250e2875208341a786a35a01717d5eebec6903e199a9b8a3f3565"
DELME_COMMIT = "c5e17a62e06a1d201570249c61fae531e9244e1b"
DELME_ZIP = "e15b593c6ab8d7725a3cc82226ef816cac6bf9c70eed383bd459295cc65f5ec3"
DEMO = os.path.join(DATA, "cli-cli_github_provenance_demo-0.0.12-bundle.jsonl")
DEMO_WHL = os.path.join(DATA, "github_provenance_demo-0.0.12-py3-none-any.whl")
DEMO_ID = "https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main"
ACTIONS = "https://token.actions.githubusercontent.com"

OWNER, REPO, TAG, COMMIT = "octo", "widget", "v1.2.0", "1234567890abcdef1234567890abcdef12345678"
ASSETS = {"widget.tar.gz": b"the widget\n" * 100, "widget.zip": b"PK zip bytes"}



class Base(GrmVerifyAsserts, unittest.TestCase):
    pass


class TestGenuine(Base):
    """Real GitHub release attestations and GitHub's trusted root."""

    def release(self, bundle, *extra, repo="cli/cli", tag="v2.96.0"):
        return grm_verify("release", "--bundle", bundle, "--trusted-root", GH_ROOT, "--repo", repo,
                   "--tag", tag, *extra)

    def test_v2_96_0_jsonl_and_snappy(self):
        for b in (CLI_JSONL, CLI_SN):
            self.verified(self.release(b, "--commit", CLI_COMMIT, "sha256:" + CLI_SUMS_SHA))

    def test_delme_v01_predicate(self):
        r = grm_verify("release", "--bundle", DELME, "--trusted-root", GH_ROOT, "--repo",
                "bdehamer/delme", "--tag", "v6", "--commit", DELME_COMMIT, "sha256:" + DELME_ZIP)
        self.verified(r)
        self.assertIn("https://dotcom.releases.github.com", r.stdout)
        self.assertIn("2025-05-30T20:13:39Z", r.stdout)

    def test_wrong_repo_tag_commit_digest_domain(self):
        self.refused(self.release(CLI_SN, repo="cli/other"), "policy", "predicate.repository")
        self.refused(self.release(CLI_SN, tag="v2.96.1"), "policy", "predicate.tag")
        self.refused(self.release(CLI_SN, "--commit", "0" * 40), "policy", "commit")
        self.refused(self.release(CLI_SN, "sha256:" + "0" * 64), "policy", "sha256")
        self.refused(self.release(CLI_SN, "sha256:" + CLI_SUMS_SHA[:-1] + "0"), "policy")
        self.refused(self.release(CLI_SN, "--trust-domain", "evil"), "identity", "SAN")

    def test_file_matched_by_name_and_digest(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        # right name, wrong bytes: refused; right bytes under another name: refused
        p = os.path.join(d, "gh_2.96.0_checksums.txt")
        with open(p, "wb") as f:
            f.write(b"not the checksums\n")
        self.refused(self.release(CLI_SN, p), "policy", "'gh_2.96.0_checksums.txt' has sha256")
        q = os.path.join(d, "renamed.txt")
        with open(q, "wb") as f, open(CLI_SN, "rb"):
            f.write(b"x")
        self.refused(self.release(CLI_SN, q), "policy", "'renamed.txt' is not a subject")

    def test_other_trusted_root(self):
        pg = os.path.join(ROOT, "test", "data", "attest", "github_trusted_root.json")
        with open(pg) as f:
            doc = json.load(f)
        doc["timestampAuthorities"] = doc["timestampAuthorities"][:1]  # 2023 generation only
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        p = os.path.join(d, "root.json")
        with open(p, "w") as f:
            json.dump(doc, f)
        r = grm_verify("release", "--bundle", CLI_SN, "--trusted-root", p, "--repo", "cli/cli",
                "--tag", "v2.96.0")
        self.refused(r, "timestamp")

    def test_snappy_truncated_oversized_framed(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        with open(CLI_SN, "rb") as f:
            sn = f.read()
        cases = {"truncated": sn[:len(sn) // 2],
                 "oversized": P.snappy(b"{}")[:0] + bytes([0x80, 0x80, 0x80, 0x40]) + b"x" * 16,
                 "framed": b"\xff\x06\x00\x00sNaPpY" + sn,
                 "notjson": P.snappy(b"[1, 2]")}
        for name, data in cases.items():
            p = os.path.join(d, name)
            with open(p, "wb") as f:
                f.write(data)
            r = self.release(p)
            self.refused(r, "bundle")
        self.assertIn("framed", self.release(os.path.join(d, "framed")).stderr)
        self.assertIn("cap", self.release(os.path.join(d, "oversized")).stderr)

    def test_usage_and_unreadable(self):
        self.assertEqual(grm_verify().returncode, 2)
        self.assertEqual(grm_verify("release", "--bundle", CLI_SN).returncode, 2)
        self.assertEqual(grm_verify("release", "--bundle", CLI_SN, "--bogus", "x").returncode, 2)
        r = self.release(os.path.join(DATA, "missing.json"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing.json", r.stderr)
        r = self.release(CLI_SN, "/nonexistent/asset")
        self.assertEqual(r.returncode, 2)

    def test_verify_bundle_genuine_provenance(self):
        """GitHub's own build provenance (timestamped, no log): the
        sigstore-conformance verify-bundle protocol."""
        def vb(ident=DEMO_ID, issuer=ACTIONS, artifact=DEMO_WHL):
            return grm_verify("verify-bundle", "--bundle", DEMO, "--certificate-identity", ident,
                       "--certificate-oidc-issuer", issuer, "--trusted-root", GH_ROOT, artifact)
        r = vb()
        self.verified(r)
        self.assertIn("2024-04-22T17:33:26Z", r.stdout)
        self.verified(vb(artifact="sha256:ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b"))
        self.refused(vb(ident=DEMO_ID.replace("main", "evil")), "identity", "SAN")
        self.refused(vb(issuer="https://accounts.google.com"), "identity", "OIDC issuer")
        self.refused(vb(artifact=DELME), "policy", "no subject")
        # a build provenance is not a release attestation
        r = grm_verify("release", "--bundle", DEMO, "--trusted-root", GH_ROOT, "--repo",
                "actions/attest-demo", "--tag", "v0.0.12")
        self.refused(r, "identity", "SAN")

    def test_verify_bundle_without_trusted_root(self):
        """Sigstore's TUF repository unreachable (test_tuf_wire.py has the rest)."""
        env = dict(os.environ, GRM_TUF_SIGSTORE_URL="http://127.0.0.1:%d" % closed_port(),
                   GRM_MAX_ATTEMPTS="1", XDG_CACHE_HOME=tempfile.mkdtemp(prefix="grm-xdg-"))
        self.addCleanup(shutil.rmtree, env["XDG_CACHE_HOME"], True)
        r = subprocess.run([binary("grm-verify"), "verify-bundle", "--bundle", DELME,
                            "--certificate-identity", "https://dotcom.releases.github.com",
                            "--certificate-oidc-issuer", "x", "sha256:" + DELME_ZIP],
                           capture_output=True, text=True, env=env)
        self.refused(r, "trust-root", "TUF")


class TestSynthetic(Base):
    """Bundles from the test PKI, each broken one way."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="grm-attest-")
        cls.pki = P.Pki(os.path.join(cls.dir, "pki"))
        cls.leaf = cls.pki.leaf("leaf")
        cls.oidc_leaf = cls.pki.leaf("oidc", oidc=True)
        cls.root = cls.pki.trusted_root(os.path.join(cls.dir, "root.json"))
        cls.files = []
        for name, data in ASSETS.items():
            p = os.path.join(cls.dir, name)
            with open(p, "wb") as f:
                f.write(data)
            cls.files.append(p)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def stmt(self, **kw):
        assets = {n: P.sha256(d) for n, d in ASSETS.items()}
        assets.update(kw.pop("assets", {}))
        return P.statement(kw.pop("owner", OWNER), kw.pop("repo", REPO), kw.pop("tag", TAG),
                           kw.pop("commit", COMMIT), assets, **kw)

    def write(self, name, docs, raw=None):
        p = os.path.join(self.dir, name)
        with open(p, "wb") as f:
            if raw is not None:
                f.write(raw)
            elif isinstance(docs, list):
                f.write(b"".join(json.dumps(d).encode() + b"\n" for d in docs))
            else:
                f.write(json.dumps(docs).encode())
        return p

    def release(self, bundle_path, *extra, root=None, files=None):
        return grm_verify("release", "--bundle", bundle_path, "--trusted-root", root or self.root,
                   "--repo", "%s/%s" % (OWNER, REPO), "--tag", TAG, "--commit", COMMIT, *extra,
                   *(self.files if files is None else files))

    def test_good(self):
        b = P.bundle(self.pki, self.leaf, self.stmt())
        self.verified(self.release(self.write("good.json", b)))
        self.verified(self.release(self.write("good.sn", None,
                                              raw=P.snappy(json.dumps(b).encode()))))
        self.verified(self.release(self.write("good.jsonl", [b])))

    def test_tampered_asset(self):
        b = self.write("good2.json", P.bundle(self.pki, self.leaf, self.stmt()))
        d = tempfile.mkdtemp(dir=self.dir)
        p = os.path.join(d, "widget.zip")
        with open(p, "wb") as f:
            f.write(b"PK zip bytes, altered")
        self.refused(self.release(b, files=[p]), "policy", "'widget.zip' has sha256")

    def test_subject_digest_differs(self):
        st = self.stmt(assets={"widget.zip": "ab" * 32})
        b = self.write("subj.json", P.bundle(self.pki, self.leaf, st))
        self.refused(self.release(b), "policy", "'widget.zip'")

    def test_asset_not_a_subject(self):
        st = self.stmt()
        st["subject"] = [s for s in st["subject"] if s.get("name") != "widget.zip"]
        b = self.write("nosubj.json", P.bundle(self.pki, self.leaf, st))
        self.refused(self.release(b), "policy", "not a subject")

    def test_wrong_tag_repo_commit(self):
        for name, st, text in (
                ("tag", self.stmt(tag="v9"), "predicate.tag"),
                ("repo", self.stmt(repo="other"), "predicate.repository"),
                ("commit", self.stmt(commit="f" * 40), "commit")):
            b = self.write("wrong-%s.json" % name, P.bundle(self.pki, self.leaf, st))
            self.refused(self.release(b), "policy", text)

    def test_two_attestations_for_one_tag(self):
        a = P.bundle(self.pki, self.leaf, self.stmt())
        b = P.bundle(self.pki, self.leaf, self.stmt())
        self.refused(self.release(self.write("two.jsonl", [a, b])), "policy", "2 attestations")
        # another tag's attestation beside ours is fine
        c = P.bundle(self.pki, self.leaf, self.stmt(tag="v0.9"))
        self.verified(self.release(self.write("other-tag.jsonl", [c, a])))

    def test_expired_leaf_outside_timestamp(self):
        leaf = self.pki.leaf("expired", start=P.NOW - 3 * P.DAY, end=P.NOW - P.DAY)
        b = self.write("expired.json", P.bundle(self.pki, leaf, self.stmt()))
        self.refused(self.release(b), "certificate", "expired")

    def test_timestamp_outside_tsa_window(self):
        root = self.pki.trusted_root(os.path.join(self.dir, "root-tsa-window.json"),
                                     tsa_valid=(P.NOW - 30 * P.DAY, P.NOW - P.DAY))
        b = self.write("tsa-window.json", P.bundle(self.pki, self.leaf, self.stmt()))
        self.refused(self.release(b, root=root), "timestamp", "outside the validFor")

    def test_ca_window_does_not_cover(self):
        root = self.pki.trusted_root(os.path.join(self.dir, "root-ca-window.json"),
                                     ca_valid=(P.NOW - 30 * P.DAY, P.NOW - P.DAY))
        b = self.write("ca-window.json", P.bundle(self.pki, self.leaf, self.stmt()))
        self.refused(self.release(b, root=root), "certificate", "valid at")

    def test_untrusted_ca(self):
        other = P.Pki(os.path.join(self.dir, "other-ca"))
        leaf = other.leaf("leaf")
        b = self.write("untrusted-ca.json", P.bundle(self.pki, leaf, self.stmt()))
        self.refused(self.release(b), "certificate")

    def test_untrusted_tsa(self):
        other = P.Pki(os.path.join(self.dir, "other-tsa"))
        b = self.write("untrusted-tsa.json",
                       P.bundle(self.pki, self.leaf, self.stmt(), tsa=other.tsa))
        self.refused(self.release(b), "timestamp", "not signed")

    def test_foreign_timestamp(self):
        """A genuine token of our TSA, taken from another bundle."""
        a = P.bundle(self.pki, self.leaf, self.stmt(tag="v0.1"))
        b = P.bundle(self.pki, self.leaf, self.stmt())
        b["verificationMaterial"]["timestampVerificationData"] = \
            a["verificationMaterial"]["timestampVerificationData"]
        self.refused(self.release(self.write("foreign.json", b)), "timestamp", "imprint")

    def test_timestamp_over_other_bytes(self):
        st = self.stmt()
        b = P.bundle(self.pki, self.leaf, st, ts_over=json.dumps(st).encode())
        self.refused(self.release(self.write("ts-other.json", b)), "timestamp", "imprint")

    def test_no_timestamp(self):
        b = P.bundle(self.pki, self.leaf, self.stmt(), n_ts=0)
        self.refused(self.release(self.write("no-ts.json", b)), "timestamp")

    def test_two_timestamps(self):
        b = P.bundle(self.pki, self.leaf, self.stmt(), n_ts=2)
        self.verified(self.release(self.write("two-ts.json", b)))

    def test_missing_eku(self):
        leaf = self.pki.leaf("noeku", eku=False)
        b = self.write("noeku.json", P.bundle(self.pki, leaf, self.stmt()))
        self.refused(self.release(b), "certificate", "codeSigning")

    def test_san_evil_subdomain(self):
        leaf = self.pki.leaf("evil", san="https://evil.releases.github.com")
        b = self.write("evil.json", P.bundle(self.pki, leaf, self.stmt()))
        self.refused(self.release(b), "identity", "evil.releases.github.com")
        self.verified(self.release(b, "--trust-domain", "evil"))
        self.assertEqual(self.release(b, "--trust-domain", "x.y").returncode, 1)

    def test_issuer_with_two_orgs(self):
        ca = self.pki.ca("twoorg", None, "Fulcio Intermediate l1", self.pki.root,
                         orgs=["GitHub, Inc.", "Evil"])
        leaf = self.pki.leaf("twoorg-leaf", issuer=ca)
        root = self.pki.trusted_root(os.path.join(self.dir, "root-twoorg.json"),
                                     cas=[[ca, self.pki.root]])
        b = self.write("twoorg.json", P.bundle(self.pki, leaf, self.stmt()))
        self.refused(self.release(b, root=root), "identity", "exactly one O=")

    def test_two_dsse_signatures(self):
        b = P.bundle(self.pki, self.leaf, self.stmt(), extra_sigs=1)
        self.refused(self.release(self.write("twosig.json", b)), "signature", "2 signatures")

    def test_bad_payload_type(self):
        b = P.bundle(self.pki, self.leaf, self.stmt(), payload_type="application/json")
        self.refused(self.release(self.write("ptype.json", b)), "bundle", "payloadType")

    def test_tampered_payload(self):
        b = P.bundle(self.pki, self.leaf, self.stmt())
        st = self.stmt(tag="v9")
        b["dsseEnvelope"]["payload"] = P.b64(json.dumps(st).encode())
        self.refused(self.release(self.write("tampered.json", b)), "signature")

    def test_not_a_release_predicate(self):
        st = self.stmt(predicate_type="https://slsa.dev/provenance/v1")
        b = self.write("slsa.json", P.bundle(self.pki, self.leaf, st))
        self.refused(self.release(b), "statement", "not a release predicate")

    def test_verify_bundle_identity_and_key(self):
        b = self.write("vb.json", P.bundle(self.pki, self.leaf, self.stmt()))
        digest = "sha256:" + P.sha256(ASSETS["widget.zip"])
        args = ["verify-bundle", "--bundle", b, "--trusted-root", self.root]
        ident = ["--certificate-identity", "https://dotcom.releases.github.com",
                 "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com"]
        self.refused(grm_verify(*args, *ident, digest), "identity", "OIDC issuer")  # none in the leaf
        ob = self.write("vb-oidc.json", P.bundle(self.pki, self.oidc_leaf, self.stmt()))
        self.verified(grm_verify("verify-bundle", "--bundle", ob, "--trusted-root", self.root, *ident,
                          self.files[1]))
        self.refused(grm_verify("verify-bundle", "--bundle", ob, "--trusted-root", self.root,
                         *ident[:3], "https://other.example", self.files[1]),
                     "identity", "OIDC issuer")
        r = grm_verify(*args, "--certificate-identity", "https://x.example",
                "--certificate-oidc-issuer", "u", self.files[0])
        self.refused(r, "identity", "SAN")
        self.assertEqual(grm_verify(*args, digest).returncode, 2)
        # a pinned key: a bundle with a publicKey hint
        pub = os.path.join(self.dir, "leaf.pub")
        P.ossl("pkey", "-in", self.leaf + ".key", "-pubout", "-out", pub)
        kb = P.bundle(self.pki, self.leaf, self.stmt())
        kb["verificationMaterial"].pop("certificate")
        kb["verificationMaterial"]["publicKey"] = {"hint": "k"}
        kp = self.write("vb-key.json", kb)
        self.verified(grm_verify("verify-bundle", "--bundle", kp, "--trusted-root", self.root,
                          "--key", pub, digest))
        self.refused(grm_verify("verify-bundle", "--bundle", kp, "--trusted-root", self.root,
                         "--key", pub, "sha256:" + "0" * 64), "policy")

    def test_verify_bundle_message_signature(self):
        b = self.write("msg.json", P.message_bundle(self.pki, self.oidc_leaf, ASSETS["widget.zip"]))
        ident = ["--certificate-identity", "https://dotcom.releases.github.com",
                 "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com"]
        args = ["verify-bundle", "--bundle", b, "--trusted-root", self.root, *ident]
        self.verified(grm_verify(*args, self.files[1]))
        self.verified(grm_verify(*args, "sha256:" + P.sha256(ASSETS["widget.zip"])))
        self.refused(grm_verify(*args, self.files[0]), "policy", "messageDigest")
        # the digest claimed matches, the signature is over other bytes
        mb = P.message_bundle(self.pki, self.oidc_leaf, b"other bytes")
        mb["messageSignature"]["messageDigest"]["digest"] = P.b64(
            __import__("hashlib").sha256(ASSETS["widget.zip"]).digest())
        self.refused(grm_verify("verify-bundle", "--bundle", self.write("msg-bad.json", mb),
                         "--trusted-root", self.root, *ident, self.files[1]), "signature")
        # a message signature is not a release attestation
        self.refused(self.release(b), "bundle", "messageSignature")


class TestMirror(Base):
    """grm-verify mirror DIR on a copy of a mirrored prefix (keys under
    "prefix") and on a get directory (paths)."""

    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="grm-attest-mirror-")
        cls.pki = P.Pki(os.path.join(cls.base, "pki"))
        cls.leaf = cls.pki.leaf("leaf")
        cls.root_path = cls.pki.trusted_root(os.path.join(cls.base, "root.json"))
        st = P.statement(OWNER, REPO, TAG, COMMIT, {n: P.sha256(d) for n, d in ASSETS.items()})
        cls.bundle = json.dumps(P.bundle(cls.pki, cls.leaf, st)).encode()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base)

    def make(self, attest=True, mirrored=True):
        d = tempfile.mkdtemp(dir=self.base)
        prefix = "github/%s/%s/%s/" % (OWNER, REPO, TAG)
        files, sums = [], ""
        for name, data in sorted(ASSETS.items()):
            rel = "assets/" + name if not mirrored else name
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "wb") as f:
                f.write(data)
            entry = {"name": name, "path": rel, "size": len(data), "sha256": P.sha256(data),
                     "kind": "asset"}
            if attest:
                entry["attested"] = "release"
            if mirrored:
                entry["key"] = prefix + rel
            files.append(entry)
            sums += "%s  %s\n" % (P.sha256(data), rel)
        doc = {"owner": OWNER, "repository": REPO, "tag": TAG, "commit_sha": COMMIT,
               "files": files}
        if mirrored:
            doc.update(bucket="b", prefix=prefix)
        with open(os.path.join(d, "release.json"), "w") as f:
            json.dump(doc, f)
        with open(os.path.join(d, "SHA256SUMS"), "w") as f:
            f.write(sums)
        if attest:
            os.mkdir(os.path.join(d, "attestations"))
            with open(os.path.join(d, "attestations", "release.sigstore.json"), "wb") as f:
                f.write(self.bundle)
            shutil.copy(self.root_path, os.path.join(d, "attestations", "trusted_root.json"))
        return d

    def test_good(self):
        for mirrored in (True, False):
            r = grm_verify("mirror", self.make(mirrored=mirrored))
            self.verified(r)
            self.assertIn("release attestation signed by https://dotcom.releases.github.com",
                          r.stdout)
        r = grm_verify("mirror", self.make(attest=False))
        self.verified(r)
        self.assertIn("no attestation stored", r.stdout)

    def test_tampered_file(self):
        d = self.make()
        with open(os.path.join(d, "widget.zip"), "r+b") as f:
            f.write(b"X")
        self.refused(grm_verify("mirror", d), "policy", "'widget.zip' has sha256")
        with open(os.path.join(d, "widget.zip"), "ab") as f:
            f.write(b"more")
        self.refused(grm_verify("mirror", d), "policy", "bytes")
        os.unlink(os.path.join(d, "widget.zip"))
        self.refused(grm_verify("mirror", d), "policy", "missing")

    def test_sums_disagree(self):
        d = self.make()
        with open(os.path.join(d, "SHA256SUMS"), "a") as f:
            f.write("%s  extra\n" % ("0" * 64))
        self.refused(grm_verify("mirror", d), "policy", "SHA256SUMS")
        os.unlink(os.path.join(d, "SHA256SUMS"))
        self.refused(grm_verify("mirror", d), "policy", "SHA256SUMS")

    def test_attestation_checked(self):
        d = self.make()
        p = os.path.join(d, "release.json")
        with open(p) as f:
            doc = json.load(f)
        doc["tag"] = "v9.9.9"
        with open(p, "w") as f:
            json.dump(doc, f)
        self.refused(grm_verify("mirror", d), "policy", "predicate.tag")
        d = self.make()
        os.unlink(os.path.join(d, "attestations", "release.sigstore.json"))
        self.refused(grm_verify("mirror", d), "bundle", "missing")
        d = self.make()
        os.unlink(os.path.join(d, "attestations", "trusted_root.json"))
        self.refused(grm_verify("mirror", d), "trust-root", "missing")

    def test_path_out_of_the_copy(self):
        d = self.make(attest=False, mirrored=False)
        p = os.path.join(d, "release.json")
        with open(p) as f:
            doc = json.load(f)
        doc["files"][0]["path"] = "../" + doc["files"][0]["path"]
        with open(p, "w") as f:
            json.dump(doc, f)
        self.refused(grm_verify("mirror", d), "policy", "bad path")

    def test_unreadable(self):
        self.assertEqual(grm_verify("mirror", os.path.join(self.base, "nope")).returncode, 2)
        self.assertEqual(grm_verify("mirror").returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
