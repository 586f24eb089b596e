#!/usr/bin/python3
"""test_s3_errors.py - every S3 error line names the operation, the key, the
status, and the method and URL of the request, never its query (issue 11,
item 14), against RGW through the logging proxy of test_out.py:
  - a wrong secret (RGW: 403 SignatureDoesNotMatch on the first HEAD);
  - a missing bucket (the HEAD's 404 means "absent"; the PUT's 404
    NoSuchBucket fails);
  - a multipart part refused (a proxy fault on one UploadPart, whose URL
    carries ?partNumber=&uploadId=).
Run: GRM_BIN_DIR=<build dir> /usr/bin/python3 test_s3_errors.py"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_out import PART, OutCase  # noqa: E402


class TestS3ErrorLines(OutCase):
    def setUp(self):
        super().setUp()
        r = self.rel("v1.0.0")
        self.gh.add_asset(r, "a.bin", size=3000)
        self.name, _ = self.fetch(r)

    def assertNamesRequest(self, res, methods, path):
        self.assertNotEqual(res.rc, 0, res)
        self.assertEqual(len(res.errors), 1, res)
        line = res.errors[0]
        self.assertTrue(any("(%s %s%s" % (m, self.proxy.endpoint, path) in line
                            for m in methods.split("|")), line)
        self.assertNotIn("?", line)
        return line

    def test_wrong_secret_names_method_and_url(self):
        res = self.out(self.name, self.src(self.mirror(secret_access_key="x" * 40)))
        # a HEAD error has no body: the GET that fetches its code is named
        line = self.assertNamesRequest(
            res, "HEAD|GET", "/%s/octo/widget/v1.0.0/a.bin" % self.bucket)
        self.assertIn("HTTP 403", line)

    def test_missing_bucket_names_method_and_url(self):
        res = self.out(self.name, self.src(self.mirror(bucket="no-such-bucket-grm")))
        line = self.assertNamesRequest(res, "PUT",
                                       "/no-such-bucket-grm/octo/widget/v1.0.0/a.bin")
        self.assertIn("HTTP 404", line)

    def test_refused_part_names_method_and_url_without_query(self):
        r = self.rel("v2.0.0")
        self.gh.add_asset(r, "big.bin", size=2 * PART + 100)
        name, _ = self.fetch(r)
        self.proxy.add_fault("error", method="PUT", query="partNumber=2", status=403,
                             code="AccessDenied", times=None)
        res = self.out(name, self.src())
        line = self.assertNamesRequest(
            res, "PUT", "/%s/octo/widget/v2.0.0/big.bin" % self.bucket)
        self.assertIn("part 2", line)
        self.assertIn("HTTP 403", line)


if __name__ == "__main__":
    unittest.main(verbosity=2)
