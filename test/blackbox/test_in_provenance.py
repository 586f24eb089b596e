"""test_in_provenance.py - `in` verifies the build provenance of release
assets (source.attestations.provenance) end to end against the fake GitHub,
with real bundles from test/data/attest (see LICENSES.md there): the
public-good actions/attest-build-provenance bundle (Rekor v1 dsse, SET) with
its artifact, and a GitHub-instance bundle (Fulcio l2, RFC 3161 timestamp)
with its wheel. Each artifact is served as the asset and its bundle at
/attestations/sha256:{digest}; the trusted root comes through
source.attestations.trusted_root. `out` mirrors the evidence to Ceph's RGW
(test_out.py's OutCase) and `grm-verify mirror` verifies an `aws s3 sync`
copy of the prefix, and a get directory."""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
import s3env  # noqa: E402
import test_in_attest as IA  # noqa: E402
from bbutil import OWNER, REPO, GitHubCase, binary  # noqa: E402
import test_tuf_wire as TW  # noqa: E402
from test_out import OutCase  # noqa: E402

DATA = os.path.join(HERE, "..", "data", "attest")
SLSA = "https://slsa.dev/provenance/v1"
ABP = os.path.join(DATA, "cli-cli_reusable-workflow-attestation.sigstore.json")
ABP_FILE = os.path.join(DATA, "cli-cli_reusable-workflow-artifact")
ABP_REPO = "malancas/attest-demo"
PG_ROOT = os.path.join(DATA, "public-good_trusted_root.sigstore-tuf-4.0.2.json")
DEMO = os.path.join(DATA, "cli-cli_github_provenance_demo-0.0.12-bundle.jsonl")
DEMO_WHL = os.path.join(DATA, "github_provenance_demo-0.0.12-py3-none-any.whl")
DEMO_NAME = "github_provenance_demo-0.0.12-py3-none-any.whl"
DEMO_REPO = "actions/attest-demo"
DEMO_WF = ".github/workflows/build-python.yml"
GH_ROOT = os.path.join(DATA, "github_trusted_root.json")


def load(path):
    with open(path) as f:
        return json.load(f)


def jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def read(path):
    with open(path, "rb") as f:
        return f.read()


class ProvCase(GitHubCase):
    def setUp(self):
        super().setUp()
        self.r = self.rel("v1.0.0")

    def asset(self, name, path):
        return self.gh.add_asset(self.r, name, content=read(path))

    def attest(self, asset, bundle, url_only=False):
        self.gh.add_asset_attestation(OWNER, REPO, asset.sha256, bundle, url_only=url_only)

    def demo(self, n_bundles=1, url_only=False):
        a = self.asset(DEMO_NAME, DEMO_WHL)
        for b in jsonl(DEMO)[:n_bundles]:
            self.attest(a, b, url_only)
        return a

    def abp(self):
        a = self.asset("artifact", ABP_FILE)
        self.attest(a, load(ABP))
        return a

    def src(self, root, **att):
        att.setdefault("provenance", "required")
        att["trusted_root"] = load(root)
        return self.source(attestations=att)

    def downloads(self):
        return [e for e in self.asset_log() if e["path"].startswith("/download/")]

    def attestation_requests(self):
        return self.api_log(r"/attestations/sha256:")

    def refused(self, source, *needles):
        dest = self.mkdir("refused")
        res = self.get(self.version(self.r), source=source, dest=dest)
        self.assertFailsClearly(res, *needles)
        self.assertEqual(self.downloads(), [], "downloaded before verifying")
        self.assertFalse([n for n in os.listdir(dest) if not n.startswith(".")], os.listdir(dest))
        return res


class TestVerified(ProvCase):
    def test_github_instance_required_with_workflow(self):
        self.demo(url_only=True)
        dest = self.mkdir("got")
        out = self.get_ok(self.version(self.r), dest=dest,
                          source=self.src(GH_ROOT, signer_repository=DEMO_REPO,
                                          signer_workflow=DEMO_WF))
        self.assertIn({"name": "provenance_verified", "value": "1"}, out["metadata"])
        doc = load(os.path.join(dest, "release.json"))
        (entry,) = doc["files"]
        self.assertEqual(entry["attested"], "provenance")
        prov = entry["provenance"]
        self.assertTrue(prov["signer_workflow"].startswith(
            "https://github.com/%s/%s@" % (DEMO_REPO, DEMO_WF)), prov)
        self.assertEqual(prov["signer_repository"], DEMO_REPO)
        self.assertRegex(prov["signer_commit"], "^[0-9a-f]{40}$")
        self.assertEqual(prov["predicate_type"], SLSA)
        att = os.path.join(dest, "attestations")
        self.assertEqual(sorted(os.listdir(att)),
                         [DEMO_NAME + ".sigstore.json", "trusted_root.github.json"])
        self.assertEqual(load(os.path.join(att, "trusted_root.github.json")), load(GH_ROOT))
        # the bundle_url was fetched, without the token (the fake refuses one)
        fetched = [e for e in self.asset_log() if e["path"].startswith("/attestation-bundle/")]
        self.assertEqual(len(fetched), 1)
        self.assertFalse(fetched[0].get("authorization_rejected"))

    def test_public_good_required(self):
        self.abp()
        dest = self.mkdir("got")
        self.get_ok(self.version(self.r), dest=dest,
                    source=self.src(PG_ROOT, signer_repository=ABP_REPO))
        att = os.path.join(dest, "attestations")
        self.assertEqual(sorted(os.listdir(att)),
                         ["artifact.sigstore.json", "trusted_root.public-good.json"])
        self.assertEqual(load(os.path.join(att, "artifact.sigstore.json")), load(ABP))
        entry = load(os.path.join(dest, "release.json"))["files"][0]
        self.assertEqual(entry["provenance"]["signer_repository"], ABP_REPO)

    def test_paginated_list(self):
        a = self.asset(DEMO_NAME, DEMO_WHL)
        other = load(ABP)  # a bundle of another artifact, on the first page
        for _ in range(31):
            self.attest(a, other)
        self.attest(a, jsonl(DEMO)[0])
        self.get_ok(self.version(self.r),
                    source=self.src(GH_ROOT, signer_repository=DEMO_REPO, provenance="if_present"))
        self.assertEqual(len(self.attestation_requests()), 2)

    def test_if_present_with_none(self):
        self.gh.add_asset(self.r, "plain.tar.gz", content=b"no provenance\n")
        dest = self.mkdir("got")
        out = self.get_ok(self.version(self.r), dest=dest,
                          source=self.src(GH_ROOT, provenance="if_present"))
        self.assertNotIn("provenance_verified", [m["name"] for m in out["metadata"]])
        self.assertFalse(os.path.exists(os.path.join(dest, "attestations")))
        self.assertEqual(len(self.attestation_requests()), 1)

    def test_off_makes_no_request(self):
        self.demo()
        self.get_ok(self.version(self.r), source=self.source())
        self.get_ok(self.version(self.r), source=self.src(GH_ROOT, provenance="off"))
        self.assertEqual(self.attestation_requests(), [])


class TestRefused(ProvCase):
    def test_wrong_workflow(self):
        self.demo()
        self.refused(self.src(GH_ROOT, signer_repository=DEMO_REPO,
                              signer_workflow=".github/workflows/release.yml"),
                     "policy", DEMO_NAME, "workflow")

    def test_wrong_repository(self):
        self.demo()
        self.refused(self.src(GH_ROOT), "policy", DEMO_NAME, "%s/%s" % (OWNER, REPO))
        self.refused(self.src(GH_ROOT, signer_repository="octo/other"), "policy", DEMO_NAME,
                     "octo/other")

    def test_wrong_predicate_type(self):
        self.demo()
        self.refused(self.src(GH_ROOT, signer_repository=DEMO_REPO,
                              predicate_type="https://spdx.dev/Document"),
                     "policy", DEMO_NAME, "predicateType")

    def test_wrong_root(self):
        self.abp()
        self.refused(self.src(GH_ROOT, signer_repository=ABP_REPO), "artifact")

    def test_required_with_asset_lacking_provenance(self):
        self.demo()
        self.gh.add_asset(self.r, "plain.tar.gz", content=b"no provenance\n")
        self.refused(self.src(GH_ROOT, signer_repository=DEMO_REPO),
                     "policy", "plain.tar.gz", "predicateType")

    def test_if_present_fails_on_one_that_does_not_verify(self):
        self.demo()
        self.refused(self.src(GH_ROOT, provenance="if_present"), "policy", DEMO_NAME)

    def test_bundle_for_another_artifact(self):
        a = self.asset(DEMO_NAME, DEMO_WHL)
        self.attest(a, load(ABP))
        self.refused(self.src(PG_ROOT, signer_repository=ABP_REPO), DEMO_NAME)


def merged_root(*docs):
    """One trusted root holding every CA, TSA and log of docs."""
    out = dict(docs[0])
    for k in ("certificateAuthorities", "timestampAuthorities", "tlogs", "ctlogs"):
        out[k] = [x for d in docs for x in d.get(k, [])]
    return out


class TestBothKinds(ProvCase):
    def test_release_attestation_and_provenance(self):
        k = IA.pki()
        self.r.immutable = True
        a = self.demo()
        st = IA.P.statement(OWNER, REPO, "v1.0.0", self.r.commit_sha, {a.name: a.sha256})
        self.gh.add_attestation(OWNER, REPO, self.r.commit_sha,
                                IA.P.bundle(k["pki"], k["leaf"], st))
        root = merged_root(load(k["root"]), load(GH_ROOT))
        dest = self.mkdir("got")
        out = self.get_ok(self.version(self.r), dest=dest, source=self.source(attestations={
            "provenance": "required", "signer_repository": DEMO_REPO, "trusted_root": root}))
        self.assertIn({"name": "attested", "value": "release"}, out["metadata"])
        self.assertIn({"name": "provenance_verified", "value": "1"}, out["metadata"])
        (entry,) = load(os.path.join(dest, "release.json"))["files"]
        self.assertEqual(entry["attested"], "release,provenance")
        self.assertEqual(entry["signer"], "https://dotcom.releases.github.com")
        self.assertEqual(sorted(os.listdir(os.path.join(dest, "attestations"))),
                         [DEMO_NAME + ".sigstore.json", "release.sigstore.json",
                          "trusted_root.github.json", "trusted_root.json"])
        r = grm_verify_mirror(dest)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class TestPublicGoodThroughTuf(ProvCase):
    """No source.attestations.trusted_root: the public-good root comes from
    a local TUF repository (as test_tuf_wire.py; GRM_TUF_SIGSTORE_*) and is
    kept as evidence; GitHub's repository (dead here) is not asked."""

    def test_root_from_tuf_kept(self):
        with open(PG_ROOT) as f:
            text = f.read()
        repo = TW.TufRepo(self.mkdir("tuf"), text)
        self.addCleanup(repo.stop)
        self.abp()
        dest = self.mkdir("got")
        env = dict(TW.FAST, GRM_TUF_SIGSTORE_URL=repo.url, GRM_TUF_SIGSTORE_ROOT=repo.root,
                   GRM_TUF_GITHUB_URL="http://127.0.0.1:9/")
        src = self.source(attestations={"provenance": "required",
                                        "signer_repository": ABP_REPO})
        self.get_ok(self.version(self.r), dest=dest, source=src, env=env)
        with open(os.path.join(dest, "attestations", "trusted_root.public-good.json")) as f:
            self.assertEqual(f.read(), text)
        self.assertTrue(any(p.endswith("trusted_root.json") for p in repo.paths()))


def grm_verify_mirror(d):
    return subprocess.run([binary("grm-verify"), "mirror", d], capture_output=True, text=True)


class TestVerifyGetDir(ProvCase):
    def test_grm_verify_mirror_on_the_get_directory(self):
        self.demo()
        dest = self.mkdir("got")
        self.get_ok(self.version(self.r), dest=dest,
                    source=self.src(GH_ROOT, signer_repository=DEMO_REPO,
                                    signer_workflow=DEMO_WF))
        r = grm_verify_mirror(dest)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # a record naming another workflow is caught
        doc = load(os.path.join(dest, "release.json"))
        san = doc["files"][0]["provenance"]["signer_workflow"]
        doc["files"][0]["provenance"]["signer_workflow"] = san.replace("build-python", "other")
        with open(os.path.join(dest, "release.json"), "w") as f:
            json.dump(doc, f)
        r = grm_verify_mirror(dest)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("policy", r.stderr)
        # a removed bundle is caught
        doc["files"][0]["provenance"]["signer_workflow"] = san
        with open(os.path.join(dest, "release.json"), "w") as f:
            json.dump(doc, f)
        os.unlink(os.path.join(dest, "attestations", DEMO_NAME + ".sigstore.json"))
        r = grm_verify_mirror(dest)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("bundle", r.stderr)


class TestOutProvenance(OutCase):
    def setUp(self):
        super().setUp()
        self.r = self.rel("v4.0.0")
        a = self.gh.add_asset(self.r, "artifact", content=read(ABP_FILE))
        self.gh.add_asset_attestation(OWNER, REPO, a.sha256, load(ABP))

    def test_evidence_mirrored_and_verified_offline(self):
        att = {"provenance": "required", "signer_repository": ABP_REPO,
               "trusted_root": load(PG_ROOT)}
        src = self.src(attestations=att)
        name, _ = self.fetch(self.r, source=src)
        self.out_ok(name, source=src)
        prefix = "%s/%s/v4.0.0/" % (OWNER, REPO)
        keys = set(self.keys(prefix=prefix))
        self.assertIn(prefix + "attestations/artifact.sigstore.json", keys)
        self.assertIn(prefix + "attestations/trusted_root.public-good.json", keys)
        d = self.mkdir("sync")
        s3env.aws("s3", "sync", "--no-progress", "s3://%s/%s" % (self.bucket, prefix), d,
                  check=True)
        r = grm_verify_mirror(d)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # a tampered bundle in the copy is found
        path = os.path.join(d, "attestations", "artifact.sigstore.json")
        b = load(path)
        b["dsseEnvelope"]["signatures"][0]["sig"] = b["dsseEnvelope"]["signatures"][0][
            "sig"][::-1]
        with open(path, "w") as f:
            json.dump(b, f)
        r = grm_verify_mirror(d)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("artifact", r.stderr)


def tearDownModule():
    IA.tearDownModule()


if __name__ == "__main__":
    unittest.main()
