#!/usr/bin/env python3
"""test_tls_scope.py - source.ca_cert and source.insecure apply to the
origin of github_api_url only, and ca_cert is trusted in addition to the
system CAs, not instead of them (issue 11, item 9).

The fake GitHub (test/fakes/fake_github.py) serves its API and its download
host over HTTPS with certificates made here (nethelp.make_ca/make_cert):
  ca1   the CA given as source.ca_cert
  sys   a CA standing in for the system store, through SSL_CERT_FILE
        (OpenSSL's variable, which the executables read as the system
        bundle's path)
Run: GRM_BIN_DIR=<build dir> python3 test_tls_scope.py"""

import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bbutil import TOKEN, GitHubCase, sha256_file  # noqa: E402
from fake_github import FakeGitHub  # noqa: E402
from nethelp import make_ca, make_cert, read  # noqa: E402


class TLSCase(GitHubCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = tempfile.mkdtemp(prefix="grm-pki-")
        cls.ca1 = make_ca(cls.pki, "ca1")
        cls.sys_ca = make_ca(cls.pki, "sys")
        cls.ctx = {"ca1": make_cert(cls.pki, "by-ca1", cls.ca1),
                   "sys": make_cert(cls.pki, "by-sys", cls.sys_ca),
                   "self": make_cert(cls.pki, "self-signed", None)}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki, True)
        super().tearDownClass()

    def serve(self, api, asset):
        """Restart the fake with the API's and the download host's certificates."""
        self.gh.stop()
        self.gh = FakeGitHub(token=TOKEN, tls={"api": self.ctx[api], "asset": self.ctx[asset]})
        self.gh.start()
        self.addCleanup(self.gh.stop)
        r = self.rel("v1.0.0")
        self.asset = self.gh.add_asset(r, "tool.bin", size=4000)
        return r

    def env(self):
        return {"SSL_CERT_FILE": self.sys_ca[0]}

    def get_tls(self, r, **source):
        dest = self.mkdir("dest-%d" % len(os.listdir(self.scratch)))
        return self.get(self.version(r), source=self.source(**source), dest=dest,
                        env=self.env()), dest


class TestCaCert(TLSCase):
    def test_ca_cert_is_trusted_for_the_api(self):
        r = self.serve("ca1", "sys")
        res, dest = self.get_tls(r, ca_cert=read(self.ca1[0]))
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(sha256_file(os.path.join(dest, "tool.bin")), self.asset.sha256)

    def test_ca_cert_does_not_replace_the_system_cas(self):
        """The API's certificate comes from a system CA: a ca_cert for
        something else must not make it untrusted."""
        r = self.serve("sys", "sys")
        res, dest = self.get_tls(r, ca_cert=read(self.ca1[0]))
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(sha256_file(os.path.join(dest, "tool.bin")), self.asset.sha256)

    def test_ca_cert_does_not_apply_to_the_download_host(self):
        """The download host (another origin) presents a certificate only
        ca_cert would vouch for: the get fails, naming that host."""
        r = self.serve("ca1", "ca1")
        res, dest = self.get_tls(r, ca_cert=read(self.ca1[0]))
        self.assertFailsClearly(res, self.gh.asset_url, "tool.bin")
        self.assertEqual(os.listdir(dest), [])

    def test_without_ca_cert_the_system_cas_decide(self):
        r = self.serve("ca1", "sys")
        res, _ = self.get_tls(r)
        self.assertFailsClearly(res, self.gh.api_url)


class TestInsecure(TLSCase):
    def test_insecure_skips_verification_of_the_api(self):
        r = self.serve("self", "sys")
        res, dest = self.get_tls(r, insecure=True)
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(sha256_file(os.path.join(dest, "tool.bin")), self.asset.sha256)

    def test_insecure_does_not_apply_to_the_download_host(self):
        r = self.serve("self", "self")
        res, dest = self.get_tls(r, insecure=True)
        self.assertFailsClearly(res, self.gh.asset_url, "tool.bin")
        self.assertEqual(os.listdir(dest), [])

    def test_check_with_insecure(self):
        r = self.serve("self", "self")
        res = self.check(source=self.source(insecure=True), env=self.env())
        self.assertEqual((res.rc, res.json), (0, [self.version(r)]), res)


if __name__ == "__main__":
    unittest.main(verbosity=2)
