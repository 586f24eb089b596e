#!/usr/bin/python3
"""test_retention.py - black-box tests of out's keep_versions and reserved
keys against Ceph RGW (test/s3), releases fetched by the real `in` from the
fake GitHub; the bucket is read back with AWS's own client.

  - retention deletes a key only when no kept release, not the release just
    mirrored and not latest.json name it (templates without {tag}, and with
    {version} shared by two tags);
  - an old release's manifest is deleted last;
  - releases whose tag holds '/' are found (listing without a delimiter);
  - an asset whose key would be the repository's latest.json fails before
    any request;
  - a versioned bucket is reported once (GetBucketVersioning).

Run: GRM_BIN_DIR=<build dir> /usr/bin/python3 test_retention.py."""

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
import s3env  # noqa: E402
from bbutil import OWNER, REPO  # noqa: E402
from test_out import OutCase  # noqa: E402

REPO_PRE = "%s/%s/" % (OWNER, REPO)
LATEST = REPO_PRE + "latest.json"


class RetentionCase(OutCase):
    def mirror_rel(self, tag, assets, source=None, params=None):
        """Add release tag with assets {name: size or bytes}, get it, put it."""
        r = self.rel(tag)
        out = {}
        for name, v in assets.items():
            if isinstance(v, bytes):
                out[name] = self.gh.add_asset(r, name, content=v)
            else:
                out[name] = self.gh.add_asset(r, name, size=v)
        name, _ = self.fetch(r, source, name=tag.replace("/", "_"))
        res = self.out(name, source, params)
        self.assertEqual((res.rc, res.errors), (0, []), res)
        return out, res


class TestKeepUsedKeys(RetentionCase):
    def test_template_without_tag_keeps_keys_the_kept_release_names(self):
        src = self.src(self.mirror(key_template="{owner}/{repository}/{asset}"))
        self.mirror_rel("v1.0.0", {"install.sh": b"#!/bin/sh\necho v1\n", "app-1.bin": 900},
                        src)
        a2, res = self.mirror_rel("v2.0.0", {"install.sh": b"#!/bin/sh\necho v2\n",
                                             "app-2.bin": 800}, src, {"keep_versions": 1})
        keys = self.keys()
        # v2's manifest and latest.json name install.sh: it stays, with v2's bytes.
        self.assertIn(REPO_PRE + "install.sh", keys, res)
        self.assertEqual(self.obj(REPO_PRE + "install.sh"), b"#!/bin/sh\necho v2\n")
        self.assertEqual(sorted(keys), sorted([
            REPO_PRE + "install.sh", REPO_PRE + "app-2.bin", LATEST,
            REPO_PRE + "v2.0.0/release.json", REPO_PRE + "v2.0.0/SHA256SUMS"]))
        latest = self.get_json(LATEST)
        for f in latest["files"]:
            self.assertIn(f["key"], keys)
        self.assertIn("keep_versions: deleted %sv1.0.0/" % REPO_PRE, res.stderr)

    def test_version_template_shared_by_two_tags(self):
        # "v1.0.0" and "1.0.0" have the same version: the same keys.
        src = self.src(self.mirror(key_template="{owner}/{repository}/{version}/{asset}"))
        self.mirror_rel("1.0.0", {"tool.tgz": b"tool-a" * 100}, src)
        _, res = self.mirror_rel("v1.0.0", {"tool.tgz": b"tool-b" * 100}, src,
                                 {"keep_versions": 1})
        key = REPO_PRE + "1.0.0/tool.tgz"
        self.assertIn(key, self.keys(), res)
        self.assertEqual(self.obj(key), b"tool-b" * 100)
        self.assertNotIn(REPO_PRE + "1.0.0/release.json", self.keys())
        self.assertIn(REPO_PRE + "v1.0.0/release.json", self.keys())

    def test_old_manifest_is_deleted_last(self):
        for tag in ("v1.0.0", "v2.0.0"):
            self.mirror_rel(tag, {"a-%s.bin" % tag: 300, "b-%s.bin" % tag: 300})
        self.proxy.clear()
        self.mirror_rel("v3.0.0", {"a.bin": 300}, params={"keep_versions": 1})
        deletes = [e for e in self.proxy.requests(method="POST") if "delete" in e["query"]]
        bodies = [e.get("body", b"").decode() for e in deletes]
        for tag in ("v1.0.0", "v2.0.0"):
            mkey = "<Key>%s%s/release.json</Key>" % (REPO_PRE, tag)
            idx = [i for i, b in enumerate(bodies) if mkey in b]
            self.assertEqual(len(idx), 1, bodies)
            others = [i for i, b in enumerate(bodies) if "%s%s/a-" % (REPO_PRE, tag) in b]
            self.assertTrue(others and max(others) < idx[0], bodies)
            self.assertNotIn("SHA256SUMS", bodies[idx[0]])  # alone in its batch


class TestSlashTags(RetentionCase):
    def test_tags_with_a_slash_are_retained_and_deleted(self):
        for tag in ("app/v1.0.0", "app/v2.0.0"):
            self.mirror_rel(tag, {"x.bin": 200})
        self.assertIn(REPO_PRE + "app/v1.0.0/release.json", self.keys())
        _, res = self.mirror_rel("app/v3.0.0", {"x.bin": 200}, params={"keep_versions": 1})
        self.assertEqual(self.keys(), sorted([
            REPO_PRE + "app/v3.0.0/x.bin", REPO_PRE + "app/v3.0.0/release.json",
            REPO_PRE + "app/v3.0.0/SHA256SUMS", LATEST]), res)

    def test_nested_release_prefix_is_not_swept_with_its_parent(self):
        # Tag "v1" is a prefix of tag "v1/extra": dropping v1 keeps v1/extra.
        self.mirror_rel("v1", {"one.bin": 100})
        self.mirror_rel("v1/extra", {"two.bin": 100})
        self.mirror_rel("v2", {"three.bin": 100}, params={"keep_versions": 2})
        keys = self.keys()
        self.assertIn(REPO_PRE + "v1/extra/two.bin", keys)
        self.assertIn(REPO_PRE + "v1/extra/release.json", keys)


class TestReservedKeys(RetentionCase):
    def test_asset_named_latest_json_at_repository_level_fails_first(self):
        src = self.src(self.mirror(key_template="{owner}/{repository}/{asset}"))
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "latest.json", content=b'{"version": "tauri"}')
        name, _ = self.fetch(r, src)
        res = self.out(name, src)
        self.assertOneError(res, '"latest.json"', LATEST, "key_template")
        self.assertEqual(self.proxy.requests(), [])
        self.assertEqual(self.keys(), [])


class TestVersionedBucket(RetentionCase):
    def test_versioned_bucket_is_noted_once(self):
        s3env.aws("s3api", "put-bucket-versioning", "--bucket", self.bucket,
                  "--versioning-configuration", "Status=Enabled", check=True)
        for tag in ("v1.0.0", "v2.0.0"):
            self.mirror_rel(tag, {"x.bin": 100})
        _, res = self.mirror_rel("v3.0.0", {"x.bin": 100}, params={"keep_versions": 1})
        notes = [ln for ln in res.lines if "versioning Enabled" in ln]
        self.assertEqual(len(notes), 1, res)
        self.assertIn("delete markers", notes[0])
        self.assertNotIn(REPO_PRE + "v1.0.0/release.json", self.keys())

    def test_unversioned_bucket_says_nothing(self):
        self.mirror_rel("v1.0.0", {"x.bin": 100})
        _, res = self.mirror_rel("v2.0.0", {"x.bin": 100}, params={"keep_versions": 1})
        self.assertNotIn("versioning", res.stderr, res)


if __name__ == "__main__":
    unittest.main(verbosity=2)
