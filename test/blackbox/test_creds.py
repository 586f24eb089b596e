"""test_creds.py - put without static S3 keys, against Ceph RGW's real STS:
AssumeRole signed with static keys, AssumeRoleWithWebIdentity with a JWT from
a local OpenID Connect IdP shaped like Concourse's idtoken, IMDSv2 and ECS
container credentials from a fake metadata server handing out RGW-issued
temporary keys, a 200 MiB multipart put outliving 5 s credentials, and the
refusals. Every run is made with debug: true and every secret involved is
looked for in stdout and stderr, raw, URL-encoded and base64.

Starts its own RGW with STS on (s3env.use_sts(): rgw.sh with RGW_STS=1, 5 s
minimum sessions, caps roles=*;oidc-provider=* for the test user; set
RGW_STS_DIR to share one) and needs the openssl command line."""

import base64
import os
import socket
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
import credsutil  # noqa: E402
import fault_proxy  # noqa: E402
import s3env  # noqa: E402
from bbutil import closed_port  # noqa: E402
from fake_idp import FakeIdP  # noqa: E402
from fake_imds import FakeMetadata  # noqa: E402
from test_out import MIB, OutCase, query  # noqa: E402

fault_proxy.LOGGED_HEADERS = tuple(fault_proxy.LOGGED_HEADERS) + ("authorization",)
AUD = "sts.amazonaws.com"
SUB = "main/mirror"  # Concourse's idtoken: sub = team/pipeline


def forms(secret):
    """The secret as it could leak: raw, URL-encoded, base64."""
    return {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret),
            base64.b64encode(secret.encode()).decode()}


class CredsCase(OutCase):
    @classmethod
    def setUpClass(cls):
        s3env.use_sts()  # its own RGW, with STS on
        super().setUpClass()
        cls.idp = FakeIdP().start()
        credsutil.register_idp(cls.idp, AUD)
        cls.writer = credsutil.make_role(cls.s3, credsutil.user_trust(), credsutil.ALL_S3)
        cls.reader = credsutil.make_role(cls.s3, credsutil.user_trust(), credsutil.READ_ONLY)
        cls.web = credsutil.make_role(cls.s3, credsutil.web_trust(cls.idp, SUB, AUD),
                                      credsutil.ALL_S3)

    @classmethod
    def tearDownClass(cls):
        cls.idp.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.sts = credsutil.StsProxy(self.s3["endpoint"]).start()
        self.addCleanup(self.sts.stop)
        self.secrets = [self.s3["secret_key"]]
        r = self.rel("v1.0.0")
        self.asset = self.gh.add_asset(r, "tool.tgz", size=3000)
        self.name, _ = self.fetch(r)

    def creds_mirror(self, **kw):
        """source.mirror without static keys, STS through the recording proxy."""
        m = self.mirror(access_key_id=None, secret_access_key=None,
                        sts_endpoint=self.sts.endpoint)
        m.update(kw)
        return {k: v for k, v in m.items() if v is not None}

    def jwt(self, **kw):
        t = self.idp.token(**kw)
        self.secrets.append(t)
        return t

    def put(self, mirror, env=None, **kw):
        res = self.out(self.name, self.src(mirror=mirror, debug=True), env=env, **kw)
        self.assertNoSecrets(res)
        return res

    def assertNoSecrets(self, res, extra=()):
        text = res.stdout + res.stderr
        for field in ("RoleSessionName=", "WebIdentityToken", "DurationSeconds="):
            self.assertNotIn(field, text, "the STS request body was logged")
        for s in list(self.secrets) + list(self.sts.secrets) + list(extra):
            for f in forms(s):
                self.assertNotIn(f, text, "a secret leaked (%d chars)" % len(s))

    def assertMirrored(self, res):
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(res.errors, [], res)
        key = "octo/widget/v1.0.0/tool.tgz"
        self.assertIn(key, self.keys())
        self.assertEqual(s3env.sha256(self.read(key)), self.asset.sha256)
        return key

    def read(self, key):
        """The object's bytes, read as a web identity session of the same
        role (which owns what such sessions write)."""
        if not hasattr(self, "_reader"):
            c = credsutil.web_identity_keys(self.s3["endpoint"], self.web,
                                            self.idp.token(sub=SUB, aud=AUD))
            self._reader = credsutil.session_reader(self.s3, c)
        return self._reader.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def assertRefused(self, res, *needles):
        self.assertFailsClearly(res, *needles)
        self.assertEqual(self.keys(), [])
        self.assertNoUploads()

    def tokens_sent(self):
        """The session tokens the S3 requests carried."""
        return {e["headers"].get("x-amz-security-token") for e in self.proxy.requests()}


class TestModes(CredsCase):
    def test_assume_role_with_static_keys(self):
        res = self.put(self.creds_mirror(access_key_id=self.s3["access_key"],
                                         secret_access_key=self.s3["secret_key"],
                                         aws_role_arn=self.writer, aws_external_id="ext-1",
                                         aws_role_session_name="grm-test"))
        self.assertMirrored(res)
        self.assertEqual(self.sts.calls, [("AssumeRole", 200)])
        token = self.sts.secrets[2]
        self.assertEqual(self.tokens_sent(), {token})  # signed, on every S3 request

    def test_web_identity_with_a_concourse_shaped_jwt(self):
        res = self.put(self.creds_mirror(aws_role_arn=self.web,
                                         web_identity_token=self.jwt(sub=SUB, aud=AUD)))
        self.assertMirrored(res)
        self.assertEqual(self.sts.calls, [("AssumeRoleWithWebIdentity", 200)])
        self.assertEqual(self.tokens_sent(), {self.sts.secrets[2]})

    def metadata(self):
        def issue():
            c = credsutil.web_identity_keys(self.s3["endpoint"], self.web,
                                            self.idp.token(sub=SUB, aud=AUD))
            self.secrets += [c["AccessKeyId"], c["SecretAccessKey"], c["Token"]]
            return c
        md = FakeMetadata(issue).start()
        self.addCleanup(md.stop)
        self.secrets.append(md.ecs_token)
        return md

    def test_imds_v2(self):
        md = self.metadata()
        res = self.put(self.creds_mirror(enable_aws_creds_provider=True),
                       env={"AWS_EC2_METADATA_SERVICE_ENDPOINT": md.url})
        self.assertNoSecrets(res, md.tokens)
        self.assertMirrored(res)
        self.assertEqual([m for m, _, _ in md.log], ["PUT", "GET", "GET"])
        self.assertTrue(all(st == 200 for _, _, st in md.log), md.log)
        self.assertEqual(self.sts.calls, [])

    def test_fake_imds_refuses_v1_and_wrong_tokens(self):
        md = self.metadata()
        for hdrs in ({}, {"X-aws-ec2-metadata-token": "wrong"}):
            req = urllib.request.Request(md.url + "/latest/meta-data/iam/security-credentials/",
                                         headers=hdrs)
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(req, timeout=5)
            self.assertEqual(cm.exception.code, 401)
        self.assertEqual(md.issued, 0)

    def test_ecs_container_credentials(self):
        md = self.metadata()
        res = self.put(self.creds_mirror(enable_aws_creds_provider=True),
                       env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": md.ecs_url,
                            "AWS_CONTAINER_AUTHORIZATION_TOKEN": md.ecs_token,
                            "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:%d"
                            % closed_port()})
        self.assertMirrored(res)
        self.assertEqual(md.log, [("GET", "/ecs/creds", 200)])

    def test_ecs_authorization_token_file(self):
        md = self.metadata()
        path = os.path.join(self.scratch, "ecs-token")
        with open(path, "w") as f:
            f.write(md.ecs_token + "\n")
        res = self.put(self.creds_mirror(enable_aws_creds_provider=True),
                       env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": md.ecs_url,
                            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": path})
        self.assertMirrored(res)

    def test_web_identity_token_file_in_the_chain(self):
        """EKS IRSA's shape: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, read
        before container credentials and IMDS."""
        md = self.metadata()
        path = os.path.join(self.scratch, "token")
        with open(path, "w") as f:
            f.write(self.jwt(sub=SUB, aud=AUD) + "\n")
        res = self.put(self.creds_mirror(enable_aws_creds_provider=True),
                       env={"AWS_WEB_IDENTITY_TOKEN_FILE": path, "AWS_ROLE_ARN": self.web,
                            "AWS_ROLE_SESSION_NAME": "irsa-session",
                            "AWS_CONTAINER_CREDENTIALS_FULL_URI": md.ecs_url,
                            "AWS_CONTAINER_AUTHORIZATION_TOKEN": md.ecs_token,
                            "AWS_EC2_METADATA_SERVICE_ENDPOINT": md.url})
        self.assertMirrored(res)
        self.assertEqual(self.sts.calls, [("AssumeRoleWithWebIdentity", 200)])
        self.assertEqual(md.log, [])

    def test_environment_keys_come_first_in_the_chain(self):
        md = self.metadata()
        res = self.put(self.creds_mirror(enable_aws_creds_provider=True, aws_role_arn=self.writer),
                       env={"AWS_ACCESS_KEY_ID": self.s3["access_key"],
                            "AWS_SECRET_ACCESS_KEY": self.s3["secret_key"],
                            "AWS_EC2_METADATA_SERVICE_ENDPOINT": md.url})
        self.assertMirrored(res)
        self.assertEqual(md.log, [])
        self.assertEqual(self.sts.calls, [("AssumeRole", 200)])

    def test_no_credentials_at_all_sends_unsigned_requests(self):
        res = self.out(self.name, self.src(mirror=self.creds_mirror(), debug=True))
        self.assertNotEqual(res.rc, 0, res)
        for e in self.proxy.requests():
            self.assertNotIn("authorization", {k.lower() for k in e["headers"]}, e)
        self.assertEqual(self.keys(), [])


class TestRefusals(CredsCase):
    def test_wrong_role(self):
        arn = "arn:aws:iam:::role/grm-no-such-role"
        res = self.put(self.creds_mirror(access_key_id=self.s3["access_key"],
                                         secret_access_key=self.s3["secret_key"],
                                         aws_role_arn=arn))
        self.assertRefused(res, "sts AssumeRole", arn, self.sts.endpoint, "HTTP 4")
        self.assertEqual(len(self.sts.calls), 1)  # not retried

    def refused_jwt(self, jwt, *needles):
        res = self.put(self.creds_mirror(aws_role_arn=self.web, web_identity_token=jwt))
        self.assertRefused(res, *needles)
        return res

    def test_wrong_aud(self):
        self.refused_jwt(self.jwt(sub=SUB, aud="someone-else"), "AssumeRoleWithWebIdentity",
                         self.web, "HTTP 4")

    def test_wrong_sub(self):
        self.refused_jwt(self.jwt(sub="main/other-pipeline", aud=AUD), self.web, "HTTP 403")

    def test_expired_jwt(self):
        res = self.refused_jwt(self.jwt(sub=SUB, aud=AUD, iat=time.time() - 7200, ttl=60),
                               "web_identity_token has expired")
        self.assertEqual(self.sts.calls, [])

    def test_tampered_jwt(self):
        head, body, sig = self.jwt(sub="main/other", aud=AUD).split(".")
        claims = base64.urlsafe_b64decode(body + "==").replace(b"main/other", b"main/mirror")
        forged = "%s.%s.%s" % (head, base64.urlsafe_b64encode(claims).rstrip(b"=").decode(), sig)
        self.secrets.append(forged)
        self.refused_jwt(forged, self.web, "HTTP 4")

    def test_unreachable_imds(self):
        t0 = time.monotonic()
        res = self.put(self.creds_mirror(enable_aws_creds_provider=True),
                       env={"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:%d"
                            % closed_port()})
        self.assertRefused(res, "unreachable", "hop limit")
        self.assertLess(time.monotonic() - t0, 20)

    def test_imds_that_never_answers(self):
        """What a container behind an IMDSv2 hop limit of 1 sees: the token
        PUT connects but its answer never comes back."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        self.addCleanup(sock.close)
        t0 = time.monotonic()
        res = self.put(self.creds_mirror(enable_aws_creds_provider=True),
                       env={"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:%d"
                            % sock.getsockname()[1], "GRM_LOW_SPEED_TIME": None})
        self.assertRefused(res, "imds", "unreachable from this container", "hop limit")
        self.assertLess(time.monotonic() - t0, 15)

    def test_imds_disabled(self):
        res = self.put(self.creds_mirror(enable_aws_creds_provider=True),
                       env={"AWS_EC2_METADATA_DISABLED": "true"})
        self.assertRefused(res, "enable_aws_creds_provider", "no credentials found")

    def test_read_only_role_cannot_put(self):
        res = self.put(self.creds_mirror(access_key_id=self.s3["access_key"],
                                         secret_access_key=self.s3["secret_key"],
                                         aws_role_arn=self.reader))
        self.assertRefused(res, "HTTP 403", "AccessDenied")
        self.assertEqual(self.sts.calls, [("AssumeRole", 200)])


class TestRefresh(CredsCase):
    def test_multipart_put_outlives_5s_credentials(self):
        """200 MiB in 5 MiB parts, two at a time, each part held 0.3 s by the
        fault proxy: the upload takes well over 5 s, the STS proxy turns the
        sessions into 5 s ones, and the credentials are refreshed at half
        life without losing a part."""
        self.sts.stop()
        self.sts = credsutil.StsProxy(self.s3["endpoint"], duration=5).start()
        self.addCleanup(self.sts.stop)
        r = self.rel("v9.0.0")
        big = self.gh.add_asset(r, "big.bin", size=200 * MIB)
        name, _ = self.fetch(r)
        self.proxy.add_fault("delay", method="PUT", query="partNumber", delay=0.3, times=None)
        m = self.creds_mirror(aws_role_arn=self.web, web_identity_token=self.jwt(sub=SUB, aud=AUD),
                              concurrency=2)
        t0 = time.monotonic()
        res = self.out(name, self.src(mirror=m, debug=True), timeout=600)
        took = time.monotonic() - t0
        self.assertNoSecrets(res)
        self.assertEqual(res.rc, 0, res)
        self.assertGreater(took, 6, "the upload did not outlive the credentials")
        key = "octo/widget/v9.0.0/big.bin"
        self.assertEqual(s3env.sha256(self.read(key)), big.sha256)
        self.assertNoUploads()
        calls = self.sts.calls
        self.assertGreaterEqual(len(calls), 3, calls)
        self.assertTrue(all(c == ("AssumeRoleWithWebIdentity", 200) for c in calls), calls)
        parts = [e for e in self.proxy.requests("PUT") if "partNumber" in query(e)]
        self.assertEqual(len({query(e)["partNumber"] for e in parts}), 40)
        self.assertGreaterEqual(len({e["headers"].get("x-amz-security-token") for e in parts}), 2)


    def expired_token_put(self, times, status=400, code="ExpiredToken"):
        r = self.rel("v3.0.0")
        big = self.gh.add_asset(r, "mid.bin", size=12 * MIB)  # 3 parts
        name, _ = self.fetch(r)
        self.proxy.add_fault("error", method="PUT", query="partNumber=2&", status=status,
                             code=code, times=times)
        m = self.creds_mirror(aws_role_arn=self.web, web_identity_token=self.jwt(sub=SUB, aud=AUD))
        res = self.out(name, self.src(mirror=m, debug=True))
        self.assertNoSecrets(res)
        return res, big

    def test_expired_token_answer_refreshes_once_and_retries_once(self):
        res, big = self.expired_token_put(times=1)
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(len(self.sts.calls), 2, self.sts.calls)  # first keys, one refresh
        puts = [e for e in self.proxy.requests("PUT") if "partNumber" in query(e)]
        part2 = [e for e in puts if query(e)["partNumber"] == "2"]
        self.assertEqual(len(part2), 2)
        self.assertEqual(len(puts), 4)  # parts 1 and 3 were not sent again
        self.assertNotEqual(part2[0]["headers"]["x-amz-security-token"],
                            part2[1]["headers"]["x-amz-security-token"])
        self.assertEqual(s3env.sha256(self.read("octo/widget/v3.0.0/mid.bin")), big.sha256)
        self.assertNoUploads()

    def test_token_refresh_required_403_refreshes_too(self):
        res, big = self.expired_token_put(times=1, status=403, code="TokenRefreshRequired")
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(len(self.sts.calls), 2, self.sts.calls)
        self.assertNoUploads()

    def test_a_second_expired_token_answer_fails(self):
        res, _ = self.expired_token_put(times=2)
        self.assertFailsClearly(res, "UploadPart", "part 2", "HTTP 400 ExpiredToken")
        self.assertEqual(len(self.sts.calls), 2, self.sts.calls)
        self.assertNotIn("octo/widget/v3.0.0/mid.bin", self.keys())
        self.assertNoUploads()


    def test_throttling_is_retried_and_refusals_are_not(self):
        self.sts.faults = [(400, "Throttling"), (503, "ServiceUnavailable")]
        res = self.put(self.creds_mirror(aws_role_arn=self.web,
                                         web_identity_token=self.jwt(sub=SUB, aud=AUD)))
        self.assertMirrored(res)
        self.assertEqual([st for _, st in self.sts.calls], [400, 503, 200])

    def test_region_disabled_is_one_line_and_not_retried(self):
        self.sts.faults = [(403, "RegionDisabledException")]
        res = self.put(self.creds_mirror(aws_role_arn=self.web,
                                         web_identity_token=self.jwt(sub=SUB, aud=AUD)))
        self.assertRefused(res, "sts AssumeRoleWithWebIdentity", self.web, self.sts.endpoint,
                           "HTTP 403 RegionDisabledException")
        self.assertEqual(len(self.sts.calls), 1)

    def test_failed_early_refresh_keeps_the_current_keys(self):
        """20 s sessions, refreshed from 10 s on; STS fails after the first
        call: the put (3 parts, 4 s each, one at a time) finishes on the keys
        in hand, with a warning."""
        self.sts.stop()
        self.sts = credsutil.StsProxy(self.s3["endpoint"], duration=20).start()
        self.addCleanup(self.sts.stop)
        self.sts.fail_after = 1
        r = self.rel("v4.0.0")
        big = self.gh.add_asset(r, "slow.bin", size=12 * MIB)
        name, _ = self.fetch(r)
        self.proxy.add_fault("delay", method="PUT", query="partNumber", delay=4, times=None)
        m = self.creds_mirror(aws_role_arn=self.web, web_identity_token=self.jwt(sub=SUB, aud=AUD),
                              concurrency=1)
        res = self.out(name, self.src(mirror=m, debug=True), timeout=300)
        self.assertNoSecrets(res)
        self.assertEqual(res.rc, 0, res)
        self.assertTrue(any("cannot refresh the credentials yet" in w for w in res.warnings), res)
        self.assertGreater(len(self.sts.calls), 1)
        self.assertEqual(s3env.sha256(self.read("octo/widget/v4.0.0/slow.bin")), big.sha256)


if __name__ == "__main__":
    unittest.main()
