"""test_pipeline.py - pipeline.yml stays valid for this resource type.

Parses pipeline.yml (with every ((var)) replaced by a placeholder of the right
shape), merges each github-release-mirror resource's source over its type's
defaults the way Concourse does (key by key), and runs the resource's own
source validation (test/tools/grm_validate, the same parser check and out
use) on the result. Also checks that every get/put names a declared resource
and every put's params.from names a get of the same plan.
"""
import json
import os
import re
import subprocess
import unittest

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("GRM_BIN_DIR", os.path.join(ROOT, "build"))
VALIDATE = os.path.join(BIN, "test", "grm_validate")

# Placeholder for each ((var)) pipeline.yml uses; a new var must be added here.
PLACEHOLDERS = {
    "image_repository": "registry.example.com/github-release-mirror",
    "github_token": "ghp_placeholder",
    "s3_bucket": "releases",
    "s3_endpoint": "https://s3.example.com:9000",
    "s3_region": "us-east-1",
    "s3_access_key_id": "AKIAPLACEHOLDER",
    "s3_secret_access_key": "placeholder-secret",
}
TYPE = "github-release-mirror"


def load_pipeline(text):
    unknown = sorted(set(re.findall(r"\(\(([^)]+)\)\)", text)) - set(PLACEHOLDERS))
    if unknown:
        raise AssertionError("pipeline.yml uses vars without a placeholder: %s" % unknown)
    text = re.sub(r"\(\(([^)]+)\)\)", lambda m: PLACEHOLDERS[m.group(1)], text)
    return yaml.safe_load(text)


def steps(plan):
    """Every step of a plan, descending into do/in_parallel/try."""
    for step in plan or []:
        yield step
        for key in ("do", "in_parallel", "aggregate"):
            inner = step.get(key)
            if isinstance(inner, dict):
                inner = inner.get("steps")
            if isinstance(inner, list):
                yield from steps(inner)
        if isinstance(step.get("try"), dict):
            yield from steps([step["try"]])


def validate(source):
    p = subprocess.run([VALIDATE], input=json.dumps({"source": source}).encode(),
                       capture_output=True, timeout=30)
    return p.returncode, p.stderr.decode()


class PipelineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(ROOT, "pipeline.yml")) as f:
            cls.pipeline = load_pipeline(f.read())

    def ours(self):
        return [r for r in self.pipeline["resources"] if r["type"] == TYPE]

    def test_at_least_three_repositories(self):
        repos = {(r["source"].get("owner"), r["source"].get("repository")) for r in self.ours()}
        self.assertGreaterEqual(len(repos), 3)
        self.assertIn(("cli", "cli"), repos)

    def test_every_resource_source_validates_with_defaults_merged(self):
        rtype = [t for t in self.pipeline["resource_types"] if t["name"] == TYPE]
        self.assertEqual(len(rtype), 1)
        defaults = rtype[0].get("defaults", {})
        for res in self.ours():
            merged = dict(defaults)
            merged.update(res.get("source", {}))
            code, err = validate(merged)
            self.assertEqual(code, 0, "%s: %s" % (res["name"], err))

    def test_validation_catches_a_typo(self):
        # Proves the check above can fail: a typo in a merged source is refused.
        defaults = [t for t in self.pipeline["resource_types"] if t["name"] == TYPE][0]["defaults"]
        merged = dict(defaults, owner="cli", repository="cli", acces_token="x")
        code, err = validate(merged)
        self.assertNotEqual(code, 0)
        self.assertIn("acces_token", err)

    def test_jobs_name_declared_resources(self):
        declared = {r["name"] for r in self.pipeline["resources"]}
        for job in self.pipeline["jobs"]:
            gets = set()
            for step in steps(job["plan"]):
                if "get" in step:
                    self.assertIn(step.get("resource", step["get"]), declared, job["name"])
                    gets.add(step["get"])
                if "put" in step:
                    self.assertIn(step.get("resource", step["put"]), declared, job["name"])
                    frm = (step.get("params") or {}).get("from")
                    self.assertIn(frm, gets, "%s: put params.from names no get" % job["name"])
                    self.assertTrue(step.get("no_get"), "%s: put without no_get" % job["name"])

    def test_every_release_resource_has_a_mirror_job(self):
        triggered = set()
        for job in self.pipeline["jobs"]:
            for step in steps(job["plan"]):
                if "get" in step and step.get("trigger"):
                    triggered.add(step["get"])
        for res in self.ours():
            self.assertIn(res["name"], triggered)


if __name__ == "__main__":
    unittest.main(verbosity=2)
