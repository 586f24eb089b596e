"""fake_imds.py - a fake EC2 instance metadata service (IMDSv2 only) and ECS
container credentials endpoint on 127.0.0.1, handing out credentials made by
a callable (the credentials suites pass one that asks RGW's STS for real
temporary keys).

    md = FakeMetadata(issue).start()   # issue() -> {"AccessKeyId", "SecretAccessKey",
                                       #              "Token", "Expiration"}
    md.url                              # AWS_EC2_METADATA_SERVICE_ENDPOINT
    md.ecs_url                          # AWS_CONTAINER_CREDENTIALS_FULL_URI
    md.ecs_token                        # AWS_CONTAINER_AUTHORIZATION_TOKEN
    md.log                              # [(method, path, status), ...]
    md.issued                           # how many credentials were handed out

IMDSv2: PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds gives
a token; GET /latest/meta-data/iam/security-credentials/ (the role name) and
GET .../ROLE (the credentials JSON) need X-aws-ec2-metadata-token. A GET
without a token (IMDSv1) or with a wrong one gets 401, as IMDS with
HttpTokens=required answers. ECS: GET /ecs/creds needs Authorization equal to
ecs_token, else 403. Standard library only."""

import http.server
import json
import secrets

from loopback import LoopbackServer

ROLE = "grm-instance-role"
ECS_PATH = "/ecs/creds"


class FakeMetadata(LoopbackServer):
    def __init__(self, issue):
        self.issue = issue
        self.tokens = set()
        self.ecs_token = "EcsAuth-" + secrets.token_hex(16)
        self.log = []
        self.issued = 0
        md = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self, status, body=b"", ctype="text/plain"):
                md.log.append((self.command, self.path, status))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
                if self.path != "/latest/api/token" or not ttl or not ttl.isdigit():
                    return self.answer(400)
                tok = "ImdsTok-" + secrets.token_urlsafe(24)
                md.tokens.add(tok)
                self.answer(200, tok.encode())

            def creds(self):
                md.issued += 1
                return json.dumps(dict(md.issue(), Code="Success", Type="AWS-HMAC",
                                       LastUpdated="2026-01-01T00:00:00Z")).encode()

            def do_GET(self):
                if self.path == ECS_PATH:
                    if self.headers.get("Authorization") != md.ecs_token:
                        return self.answer(403)
                    return self.answer(200, self.creds(), "application/json")
                if self.headers.get("X-aws-ec2-metadata-token") not in md.tokens:
                    return self.answer(401)
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path == base:
                    return self.answer(200, ROLE.encode())
                if self.path == base + ROLE:
                    return self.answer(200, self.creds(), "application/json")
                self.answer(404)

            def log_message(self, *a):
                pass

        LoopbackServer.__init__(self, Handler)
        self.ecs_url = self.url + ECS_PATH
