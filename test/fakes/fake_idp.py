"""fake_idp.py - a small OpenID Connect identity provider on 127.0.0.1 for
the credentials suites: Ceph RGW's STS verifies AssumeRoleWithWebIdentity
tokens against it, as AWS would against Concourse's idtoken issuer.

    idp = FakeIdP().start()          # http://127.0.0.1:PORT, stopped by stop()
    jwt = idp.token(sub="main/mirror", aud="sts.amazonaws.com", ttl=600)

It serves /.well-known/openid-configuration and a JWKS whose only key has
`x5c` (RGW 16 checks RS256 signatures with the x5c certificate). Tokens are
shaped like Concourse's idtoken var source: iss, sub = team/pipeline, aud,
iat, nbf, exp, plus the team/pipeline claims. The RSA key and self-signed
certificate are made with the openssl command line (Python's stdlib has no
RSA). Standard library only."""

import base64
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import time

from loopback import LoopbackServer


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeIdP(LoopbackServer):
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="grm-idp-")
        self.key = os.path.join(self.dir, "key.pem")
        self.cert = os.path.join(self.dir, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", self.key, "-out", self.cert, "-days", "2",
                        "-subj", "/CN=grm-test-idp"], check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"],
                             check=True, capture_output=True).stdout
        mod = subprocess.run(["openssl", "x509", "-in", self.cert, "-noout", "-modulus"],
                             check=True, capture_output=True, text=True).stdout
        n = bytes.fromhex(mod.strip().split("=", 1)[1])
        self.thumbprint = hashlib.sha1(der).hexdigest()
        self.kid = self.thumbprint[:16]
        self.jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
                    "n": b64url(n), "e": "AQAB", "x5c": [base64.b64encode(der).decode()]}
        self.requests = []
        idp = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                idp.requests.append(self.path)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": idp.url, "jwks_uri": idp.url + "/keys",
                            "response_types_supported": ["id_token"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == "/keys":
                    body = {"keys": [idp.jwk]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        LoopbackServer.__init__(self, Handler)
        self.host = "127.0.0.1:%d" % self.port  # how RGW names the provider

    def stop(self):
        LoopbackServer.stop(self)
        shutil.rmtree(self.dir, ignore_errors=True)

    def sign(self, data):
        p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=data,
                           check=True, capture_output=True)
        return p.stdout

    def token(self, sub="main/mirror", aud="sts.amazonaws.com", ttl=600, iat=None,
              **extra):
        """A signed RS256 JWT like Concourse's idtoken (team "main",
        pipeline "mirror" by default)."""
        now = int(iat if iat is not None else time.time())
        team, _, pipeline = sub.partition("/")
        claims = {"iss": self.url, "sub": sub, "aud": aud, "iat": now, "nbf": now - 5,
                  "exp": now + ttl, "team": team, "pipeline": pipeline}
        claims.update(extra)
        head = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": self.kid}))
        body = b64url(json.dumps(claims))
        signing_input = ("%s.%s" % (head, body)).encode()
        return "%s.%s.%s" % (head, body, b64url(self.sign(signing_input)))
