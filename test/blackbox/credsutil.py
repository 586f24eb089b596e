"""credsutil.py - RGW's STS set up for the credentials suites (test_creds*.py):
roles, an OIDC provider backed by test/fakes/fake_idp.py, temporary keys
fetched straight from RGW, and StsProxy, a recording proxy in front of RGW's
STS that can shorten the sessions it is asked for.

RGW (16.2.15) facts relied on (see issue 13): STS on the S3 port with
`rgw s3 auth use sts = true` and `rgw sts min session duration = 5`
(test/s3/rgw.sh); roles via radosgw-admin, ARN arn:aws:iam:::role/NAME; the
OIDC provider via IAM CreateOpenIDConnectProvider, named after host:port of
the issuer; trust conditions on HOST:app_id (the audience) and HOST:sub.
Standard library only."""

import http.client
import http.server
import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import s3env
from loopback import LoopbackServer

ALL_S3 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::*"}]}
READ_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
     "Resource": "arn:aws:s3:::*"}]}


def rgw_admin(info, *args):
    conf = os.path.join(info["rgw_dir"], "ceph.conf")
    return subprocess.run(["radosgw-admin", "-c", conf] + list(args), check=True,
                          capture_output=True, text=True, timeout=60).stdout


def make_role(info, trust, perm, prefix="grm"):
    """Create a role with a unique name; returns its ARN."""
    name = "%s-%s" % (prefix, uuid.uuid4().hex[:10])
    rgw_admin(info, "role", "create", "--role-name", name, "--path", "/",
              "--assume-role-policy-doc", json.dumps(trust))
    rgw_admin(info, "role-policy", "put", "--role-name", name, "--policy-name", "p",
              "--policy-doc", json.dumps(perm))
    return "arn:aws:iam:::role/" + name


def user_trust():
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam:::user/test"]},
         "Action": ["sts:AssumeRole"]}]}


def web_trust(idp, sub="main/mirror", aud="sts.amazonaws.com"):
    """The trust policy of a role for the IdP's tokens with this sub and aud."""
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow",
         "Principal": {"Federated": ["arn:aws:iam:::oidc-provider/" + idp.host]},
         "Action": ["sts:AssumeRoleWithWebIdentity"],
         "Condition": {"StringEquals": {idp.host + ":app_id": aud, idp.host + ":sub": sub}}}]}


def register_idp(idp, aud="sts.amazonaws.com"):
    s3env.aws("iam", "create-open-id-connect-provider", "--url", idp.url,
              "--client-id-list", aud, "--thumbprint-list", idp.thumbprint, check=True)


def parse_credentials(xml_bytes):
    """The Credentials of an STS answer as IMDS/ECS JSON fields, or None."""
    try:
        root = ET.fromstring(xml_bytes)
    except ET.ParseError:
        return None
    got = {}
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"):
            got[tag] = el.text
    if "AccessKeyId" not in got:
        return None
    return {"AccessKeyId": got["AccessKeyId"], "SecretAccessKey": got["SecretAccessKey"],
            "Token": got["SessionToken"],
            "Expiration": got["Expiration"][:19] + "Z"}


def web_identity_keys(endpoint, role_arn, jwt, duration=900):
    """Temporary keys straight from RGW (AssumeRoleWithWebIdentity)."""
    body = urllib.parse.urlencode({
        "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role_arn,
        "RoleSessionName": "fake-metadata", "DurationSeconds": str(duration),
        "WebIdentityToken": jwt}).encode()
    with urllib.request.urlopen(urllib.request.Request(endpoint + "/", data=body),
                                timeout=30) as r:
        creds = parse_credentials(r.read())
    if not creds:
        raise RuntimeError("no credentials from RGW")
    return creds


class StsProxy(LoopbackServer):
    """Forwards POSTs to RGW's STS unchanged (Host included, so a signature
    made for the proxy verifies), except that with `duration` set the form's
    DurationSeconds is rewritten (unsigned AssumeRoleWithWebIdentity only).
    self.calls: [(action, status)]; self.secrets: every key and token answered."""

    def __init__(self, upstream, duration=None):  # noqa: C901 - one handler
        up = urllib.parse.urlsplit(upstream)
        self.calls, self.secrets = [], []
        self.faults = []  # (status, code) answered instead of forwarding, in turn
        self.fail_after = None  # calls answered 503 once this many were forwarded
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
                action = form.get("Action", [""])[0]
                forwarded = sum(1 for c in proxy.calls if c[1] == 200)
                if proxy.faults or (proxy.fail_after is not None
                                    and forwarded >= proxy.fail_after):
                    status, code = proxy.faults.pop(0) if proxy.faults else (503, "ServiceUnavailable")
                    proxy.calls.append((action, status))
                    data = ("<ErrorResponse><Error><Code>%s</Code><Message>injected</Message>"
                            "</Error></ErrorResponse>" % code).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if duration and action == "AssumeRoleWithWebIdentity":
                    form["DurationSeconds"] = [str(duration)]
                    body = urllib.parse.urlencode({k: v[0] for k, v in form.items()}).encode()
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
                conn.putrequest("POST", self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():
                    if k.lower() != "content-length":
                        conn.putheader(k, v)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                proxy.calls.append((action, resp.status))
                c = parse_credentials(data)
                if c:
                    proxy.secrets += [c["AccessKeyId"], c["SecretAccessKey"], c["Token"]]
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.getheader("Content-Type") or "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        LoopbackServer.__init__(self, Handler)
        self.endpoint = self.url


def session_reader(info, creds):
    """A botocore S3 client (Debian's awscli copy) with temporary keys: RGW
    makes a web identity session, not the bucket's user, own what it writes."""
    from awscli.botocore.config import Config
    from awscli.botocore.session import Session
    return Session().create_client(
        "s3", endpoint_url=info["endpoint"], region_name=info["region"],
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["Token"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))
