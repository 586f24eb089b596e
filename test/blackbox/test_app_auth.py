#!/usr/bin/env python3
"""test_app_auth.py - black-box tests of GitHub App authentication (source
app_id, private_key, installation_id) against the fake GitHub's App
endpoints (FakeApp in test/fakes/fake_github.py, which verifies every JWT's
RS256 signature with python3-cryptography, its claims and times, and the
scope each token is asked for): what a cold and a warm check cost, the
encrypted token cache, expiry, a refused cached token, clock skew, the error
lines for a wrong key or a missing installation, secrets with debug on, and
bad inputs refused before any request.
Run: GRM_BIN_DIR=<build dir> python3 test_app_auth.py"""

import glob
import os
import shutil
import stat
import sys
import time
import unittest

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bbutil import OWNER, REPO, GitHubCase  # noqa: E402
from fake_github import FakeApp  # noqa: E402

APP_ID = 123456
SCOPE = {"repositories": [REPO], "permissions": {"contents": "read", "metadata": "read"}}


def _pem(key, fmt):
    return key.private_bytes(serialization.Encoding.PEM, fmt,
                             serialization.NoEncryption()).decode()


def _public(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


_KEYS = {}


def rsa_key(name, bits=2048):
    """A test RSA key, generated once per name."""
    if name not in _KEYS:
        _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _KEYS[name]


PKCS1 = serialization.PrivateFormat.TraditionalOpenSSL
PKCS8 = serialization.PrivateFormat.PKCS8


class AppCase(GitHubCase):
    """A fake GitHub with App APP_ID (keys "k1" and "k2") installed on
    OWNER/REPO, which has release v1.0.0."""

    lifetime = 3600

    def setUp(self):
        super().setUp()
        self.app = FakeApp(APP_ID, [_public(rsa_key("k1")), _public(rsa_key("k2"))],
                           token_lifetime=self.lifetime, expect_scope=SCOPE)
        self.gh.app = self.app
        self.installation = self.app.install(OWNER, REPO)
        self.r1 = self.rel("v1.0.0")
        self.key_pem = _pem(rsa_key("k1"), PKCS1)

    def app_source(self, **kw):
        kw.setdefault("private_key", self.key_pem)
        return self.source(access_token=None, app_id=APP_ID, **kw)

    def app_check(self, tmpdir=None, **kw):
        return self.check(source=self.app_source(**kw), **({"tmpdir": tmpdir} if tmpdir else {}))

    def assertChecked(self, res):
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertEqual(res.json, [self.version(self.r1)], res)
        self.assertNoSecrets(res)

    def assertNoSecrets(self, res):
        out = res.stdout + res.stderr
        for t in self.app.jwt_texts + [m["token"] for m in self.app.minted]:
            self.assertNotIn(t, out, "JWT or installation token leaked")
        for pem in {_pem(rsa_key(k), f) for k in ("k1", "k2") for f in (PKCS1, PKCS8)}:
            for line in pem.splitlines()[1:-1]:
                self.assertNotIn(line, out, "private key leaked")

    def listing(self, log=None):
        return [e for e in (log if log is not None else self.api_log()) if "/releases" in e["path"]]

    def cache_files(self, tmpdir=None):
        return glob.glob(os.path.join(tmpdir or self.tmpdir, "github-release-mirror",
                                      "app-token-*.bin"))


class TestFlow(AppCase):
    def test_cold_check_mints_a_scoped_token(self):
        before = int(time.time())
        res = self.app_check()
        self.assertChecked(res)
        paths = [(e["method"], e["path"]) for e in self.api_log()]
        self.assertEqual(paths, [
            ("GET", "/repos/%s/%s/installation" % (OWNER, REPO)),
            ("POST", "/app/installations/%d/access_tokens" % self.installation),
            ("GET", "/repos/%s/%s/releases" % (OWNER, REPO))])
        self.assertEqual(len(self.app.minted), 1)
        self.assertEqual(self.app.scope_errors, [])
        m = self.app.minted[0]
        self.assertEqual((m["repositories"], m["permissions"]),
                         ([REPO], {"contents": "read", "metadata": "read"}))
        listing = self.api_log()[2]
        self.assertTrue(listing["authorized"])
        self.assertEqual(listing["headers"]["authorization"], "Bearer " + m["token"])
        self.assertEqual(len(self.app.jwts), 2)
        for claims in self.app.jwts:
            self.assertEqual(str(claims["iss"]), str(APP_ID))
            self.assertEqual(claims["exp"] - claims["iat"], 600)
            self.assertTrue(before - 61 <= claims["iat"] <= time.time() - 59, claims)

    def test_warm_check_costs_one_request_and_no_units(self):
        self.assertChecked(self.app_check())
        self.gh.clear_log()
        res = self.app_check()
        self.assertChecked(res)
        log = self.api_log()
        self.assertEqual(len(log), 1, log)
        self.assertEqual((log[0]["path"], log[0]["status"], log[0]["counted"]),
                         ("/repos/%s/%s/releases" % (OWNER, REPO), 304, False))
        self.assertEqual(len(self.app.minted), 1)
        self.assertEqual(log[0]["headers"]["authorization"],
                         "Bearer " + self.app.minted[0]["token"])

    def test_installation_id_skips_the_lookup(self):
        res = self.app_check(installation_id=str(self.installation))
        self.assertChecked(res)
        self.assertEqual([e["method"] for e in self.api_log()], ["POST", "GET"])

    def test_app_id_as_string_and_pkcs8_key(self):
        src = self.app_source(private_key=_pem(rsa_key("k2"), PKCS8))
        src["app_id"] = str(APP_ID)
        res = self.check(source=src)
        self.assertChecked(res)

    def test_in_with_app_auth(self):
        self.gh.add_asset(self.r1, "a.bin", content=b"hello")
        dest = self.mkdir("dest")
        res = self.get(self.version(self.r1), source=self.app_source(debug=True), dest=dest)
        self.assertEqual((res.rc, res.errors), (0, []), res)
        self.assertNoSecrets(res)
        with open(os.path.join(dest, "a.bin"), "rb") as fp:
            self.assertEqual(fp.read(), b"hello")
        self.assertEqual(len(self.app.minted), 1)


class TestCache(AppCase):
    def test_cache_file_is_private_and_sealed(self):
        self.assertChecked(self.app_check())
        files = self.cache_files()
        self.assertEqual(len(files), 1, files)
        self.assertEqual(stat.S_IMODE(os.stat(files[0]).st_mode), 0o600)
        with open(files[0], "rb") as fp:
            data = fp.read()
        self.assertTrue(data.startswith(b"grm-app-token 1\n"))
        self.assertNotIn(self.app.minted[0]["token"].encode(), data)
        self.assertNotIn(self.app.minted[0]["token"][4:12].encode(), data)

    def test_cache_copied_to_another_container_is_useless(self):
        self.assertChecked(self.app_check())
        other = self.mkdir("other-tmp")
        os.makedirs(os.path.join(other, "github-release-mirror"), mode=0o700)
        shutil.copy(self.cache_files()[0], os.path.join(other, "github-release-mirror"))
        self.gh.clear_log()
        # the other container has another key of the same App, not this one
        res = self.app_check(tmpdir=other, private_key=_pem(rsa_key("k2"), PKCS8))
        self.assertChecked(res)
        self.assertEqual(len(self.app.minted), 2)
        listing = self.listing()
        self.assertEqual(listing[-1]["headers"]["authorization"],
                         "Bearer " + self.app.minted[1]["token"])
        # and it replaced the file with one its key opens: warm from then on
        self.gh.clear_log()
        self.assertChecked(self.app_check(tmpdir=other, private_key=_pem(rsa_key("k2"), PKCS8)))
        self.assertEqual(len(self.api_log()), 1)
        self.assertEqual(len(self.app.minted), 2)

    def test_corrupt_cache_is_ignored_and_replaced(self):
        self.assertChecked(self.app_check())
        path = self.cache_files()[0]
        for garbage in (b"", b"grm-app-token 1\n" + b"\0" * 40, b"not a cache at all"):
            with open(path, "wb") as fp:
                fp.write(garbage)
            res = self.app_check()
            self.assertChecked(res)
        self.assertEqual(len(self.app.minted), 4)
        self.gh.clear_log()
        self.assertChecked(self.app_check())
        self.assertEqual(len(self.api_log()), 1)

    def test_tampered_cache_is_ignored(self):
        self.assertChecked(self.app_check())
        path = self.cache_files()[0]
        with open(path, "rb") as fp:
            data = bytearray(fp.read())
        data[len(data) // 2] ^= 1
        with open(path, "wb") as fp:
            fp.write(bytes(data))
        self.assertChecked(self.app_check())
        self.assertEqual(len(self.app.minted), 2)

    def test_401_with_cached_token_mints_a_new_one_once(self):
        self.assertChecked(self.app_check())
        self.app.revoke_all()
        self.gh.clear_log()
        res = self.app_check()
        self.assertChecked(res)
        self.assertEqual(len(self.app.minted), 2)
        got = [(e["method"], e["status"]) for e in self.api_log()]
        self.assertEqual(got, [("GET", 401), ("POST", 201), ("GET", 304)])

    def test_401_again_after_reminting_fails_clearly(self):
        self.assertChecked(self.app_check())
        self.gh.clear_log()
        self.gh.add_fault(path_regex=r"/releases$", times=None, code=401,
                          body={"message": "Bad credentials"})
        res = self.app_check()
        self.assertFailsClearly(res, "HTTP 401", "Bad credentials")
        self.assertNoSecrets(res)
        self.assertEqual(len(self.app.minted), 2)
        self.assertEqual(len(self.listing()), 2)


class TestExpiry(AppCase):
    lifetime = 308      # reusable for 8 s: 5 minutes before expiry it is dropped

    def test_after_expiry_exactly_one_new_token(self):
        self.assertChecked(self.app_check())
        self.gh.clear_log()
        self.assertChecked(self.app_check())
        self.assertEqual(len(self.api_log()), 1)
        self.assertEqual(len(self.app.minted), 1)
        time.sleep(max(0.0, self.app.minted[0]["expires_at"] - 300 - time.time()) + 0.5)
        self.gh.clear_log()
        self.assertChecked(self.app_check())
        self.assertEqual(len(self.app.minted), 2)
        # the installation id came from the cache: only the token request
        self.assertEqual([(e["method"], e["status"]) for e in self.api_log()],
                         [("POST", 201), ("GET", 304)])


class TestClockSkew(AppCase):
    def check_skew(self, offset, claim):
        self.app.clock_offset = offset
        res = self.app_check()
        self.assertChecked(res)
        self.assertEqual(len(self.app.jwt_errors), 1, self.app.jwt_errors)
        self.assertIn(claim, self.app.jwt_errors[0])
        self.assertEqual(len(self.app.minted), 1)
        # the retried JWT (and the token request after it) use GitHub's clock
        for claims in self.app.jwts[1:]:
            self.assertAlmostEqual(claims["iat"], time.time() + offset - 60, delta=5)

    def test_github_behind(self):
        self.check_skew(-600, "('iat')")

    def test_github_ahead(self):
        self.check_skew(900, "('exp')")

    def test_refused_again_after_the_retry_fails_clearly(self):
        from fake_github import _JWT_IAT
        self.gh.add_fault(path_regex=r"/installation$", times=None, code=401,
                          body={"message": _JWT_IAT})
        res = self.app_check()
        self.assertFailsClearly(res, "GitHub App %d cannot authenticate for %s/%s" % (
            APP_ID, OWNER, REPO), "also with GitHub's clock", "('iat')")
        self.assertEqual(len(self.api_log("/installation$")), 2)
        self.assertEqual(self.listing(), [])


class TestErrors(AppCase):
    def test_wrong_key(self):
        res = self.app_check(private_key=_pem(rsa_key("stranger"), PKCS1))
        self.assertOneError(res, "GitHub App %d" % APP_ID, "%s/%s" % (OWNER, REPO), "HTTP 401")
        self.assertNoSecrets(res)
        self.assertEqual(self.listing(), [])

    def test_wrong_app_id(self):
        src = self.app_source()
        src["app_id"] = 999
        res = self.check(source=src)
        self.assertOneError(res, "GitHub App 999", "%s/%s" % (OWNER, REPO))

    def test_not_installed(self):
        self.app.installations.clear()
        self.app.install(OWNER, "other")
        res = self.app_check()
        self.assertOneError(res, "GitHub App %d is not installed on %s/%s" % (APP_ID, OWNER, REPO))
        self.assertEqual(self.listing(), [])

    def test_not_installed_with_installation_id(self):
        other = self.app.install(OWNER, "other")
        res = self.app_check(installation_id=other)
        self.assertOneError(res, "GitHub App %d is not installed on %s/%s" % (APP_ID, OWNER, REPO),
                            "HTTP 422")
        self.assertEqual(self.app.minted, [])

    def test_secrets_absent_with_debug(self):
        for _ in range(2):
            res = self.app_check(debug=True)
            self.assertChecked(res)
            self.assertIn("debug", res.stderr.lower())
        self.app.revoke_all()
        self.assertChecked(self.app_check(debug=True))
        self.app.clock_offset = -600
        self.app.revoke_all()
        self.assertChecked(self.app_check(debug=True))
        self.assertGreaterEqual(len(self.app.minted), 3)


class TestBadInput(AppCase):
    def refused(self, needle, **kw):
        src = self.app_source()
        for k, v in kw.items():
            if v is None:
                src.pop(k, None)
            else:
                src[k] = v
        res = self.check(source=src)
        self.assertOneError(res, needle)
        self.assertNoSecrets(res)
        self.assertEqual(self.gh.log, [], "a request was made")
        return res

    def test_non_numeric_app_id(self):
        self.refused("invalid source.app_id \"12ab\"", app_id="12ab")

    def test_app_id_wrong_type(self):
        self.refused("invalid source.app_id", app_id=True)

    def test_non_pem_key(self):
        self.refused("invalid source.private_key: not a PEM private key",
                     private_key="MIIEowIBAAKCAQEA not a pem")

    def test_public_key(self):
        self.refused("invalid source.private_key: not a PEM private key",
                     private_key=_public(rsa_key("k1")).decode())

    def test_ec_key(self):
        key = ec.generate_private_key(ec.SECP256R1())
        self.refused("invalid source.private_key: an EC key", private_key=_pem(key, PKCS8))

    def test_short_key(self):
        self.refused("invalid source.private_key: an RSA key of 1024 bits is too short",
                     private_key=_pem(rsa_key("short", 1024), PKCS1))

    def test_garbled_pem(self):
        pem = self.key_pem.replace("A", "!", 3)
        self.refused("invalid source.private_key: cannot read", private_key=pem)

    def test_access_token_and_app_id(self):
        self.refused("access_token or app_id, not both", access_token="ghp_x")

    def test_app_id_without_private_key(self):
        self.refused("app_id requires private_key", private_key=None)

    def test_private_key_without_app_id(self):
        self.refused("private_key requires app_id", app_id=None)

    def test_bad_installation_id(self):
        self.refused("invalid source.installation_id", installation_id="-3")


if __name__ == "__main__":
    unittest.main()
