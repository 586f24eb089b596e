"""attest_pki.py - a throw-away Sigstore-like PKI made with the openssl CLI,
and bundles signed with it, for the attestation tests.

Pki(dir) makes a root and a "Fulcio" intermediate (O=GitHub, Inc.), a TSA
chain (root, intermediate, leaf with a critical timeStamping EKU), and on
demand leaves (SAN URI, codeSigning EKU, dates chosen) and RFC 3161 tokens
from `openssl ts -reply` (no embedded certificates, like GitHub's). It
writes trusted_root.json files and Sigstore bundle v0.3 JSON; snappy() makes
a raw snappy block of literals. Standard library and openssl only: an oracle
independent of the C code under test."""

import base64
import datetime
import hashlib
import json
import os
import subprocess

RELEASE_V02 = "https://in-toto.io/attestation/release/v0.2"
INTOTO = "application/vnd.in-toto+json"


def b64(data):
    return base64.b64encode(data).decode()


def ossl(*args, data=None, cwd=None):
    r = subprocess.run(["openssl", *args], input=data, capture_output=True, cwd=cwd)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout


def asn1_time(dt):
    return dt.strftime("%Y%m%d%H%M%SZ")


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
DAY = datetime.timedelta(days=1)

CA_CONF = """
[ca]
default_ca = ca_sect
[ca_sect]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}/new
serial = {dir}/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no
[any]
organizationName = optional
commonName = optional
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectAltName = URI:{san}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_leaf_oidc]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectAltName = URI:{san}
1.3.6.1.4.1.57264.1.8 = ASN1:UTF8String:https://token.actions.githubusercontent.com
[v3_leaf_noeku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectAltName = URI:{san}
[v3_tsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
default_tsa = tsa_sect
[tsa_sect]
serial = {dir}/tsaserial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.57264.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class Pki:
    """Everything lives under dir; names are files there (PEM)."""

    def __init__(self, dir):
        self.dir = dir
        os.makedirs(os.path.join(dir, "new"), exist_ok=True)
        self.n = 0
        self.root = self.ca("root", "GitHub, Inc.", "Internal Services Root")
        self.fulcio = self.ca("fulcio", "GitHub, Inc.", "Fulcio Intermediate l1", self.root)
        self.tsa_root = self.ca("tsaroot", "GitHub, Inc.", "TSA Root")
        self.tsa_int = self.ca("tsaint", "GitHub, Inc.", "TSA intermediate", self.tsa_root)
        self.tsa = self.cert("tsa", "/O=GitHub, Inc./CN=TSA Timestamping", self.tsa_int, "v3_tsa")

    def path(self, name):
        return os.path.join(self.dir, name)

    def conf(self, san="https://dotcom.releases.github.com"):
        self.n += 1
        d = os.path.join(self.dir, "ca%d" % self.n)
        os.makedirs(os.path.join(d, "new"))
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("%02X\n" % (self.n + 16))
        with open(os.path.join(d, "tsaserial"), "w") as f:
            f.write("01\n")
        p = os.path.join(d, "ca.cnf")
        with open(p, "w") as f:
            f.write(CA_CONF.format(dir=d, san=san))
        return p

    def key(self, name):
        ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", self.path(name + ".key"))
        return self.path(name + ".key")

    def sign(self, name, subj, issuer, ext, start, end, san=None, selfsign=False):
        conf = self.conf(san) if san else self.conf()
        key = self.key(name)
        csr = self.path(name + ".csr")
        ossl("req", "-new", "-key", key, "-subj", subj, "-out", csr, "-config", conf)
        args = ["ca", "-batch", "-config", conf, "-in", csr, "-out", self.path(name + ".pem"),
                "-extensions", ext, "-startdate", asn1_time(start), "-enddate", asn1_time(end),
                "-notext"]
        if selfsign:
            args += ["-selfsign", "-keyfile", key]
        else:
            args += ["-cert", issuer + ".pem", "-keyfile", issuer + ".key"]
        ossl(*args)
        return self.path(name)

    def ca(self, name, org, cn, issuer=None, orgs=None):
        subj = "".join("/O=%s" % o for o in (orgs or [org])) + "/CN=" + cn
        return self.sign(name, subj, issuer, "v3_ca", NOW - 400 * DAY, NOW + 400 * DAY,
                         selfsign=issuer is None)

    def cert(self, name, subj, issuer, ext, start=None, end=None, san=None):
        return self.sign(name, subj, issuer, ext, start or NOW - DAY, end or NOW + DAY, san=san)

    def leaf(self, name, san="https://dotcom.releases.github.com", issuer=None, eku=True,
             start=None, end=None, oidc=False):
        ext = "v3_leaf_oidc" if oidc else "v3_leaf" if eku else "v3_leaf_noeku"
        return self.cert(name, "/O=GitHub, Inc./CN=Attester", issuer or self.fulcio, ext,
                         start, end, san)

    def der(self, base):
        return ossl("x509", "-in", base + ".pem", "-outform", "DER")

    def timestamp(self, data, tsa=None, chain=None):
        """An RFC 3161 TimeStampResp over data, signed by tsa (default: ours)."""
        tsa = tsa or self.tsa
        q = self.path("q%d.tsq" % self.n)
        dfile = self.path("q%d.data" % self.n)
        with open(dfile, "wb") as f:
            f.write(data)
        ossl("ts", "-query", "-data", dfile, "-sha256", "-no_nonce", "-out", q)
        conf = self.conf()
        chain_args = ["-chain", chain] if chain else []
        ossl("ts", "-reply", "-config", conf, "-queryfile", q, "-signer", tsa + ".pem",
                    "-inkey", tsa + ".key", *chain_args, "-out", q + ".tsr")
        with open(q + ".tsr", "rb") as f:
            return f.read()

    def trusted_root(self, path, cas=None, tsas=None, tsa_valid=None, ca_valid=None):
        """cas/tsas: lists of chains (leaf-most first, as base names)."""
        def entry(chain, valid):
            start, end = valid or (NOW - 30 * DAY, None)
            vf = {"start": rfc3339(start)}
            if end:
                vf["end"] = rfc3339(end)
            return {"subject": {"organization": "GitHub, Inc.", "commonName": "test"},
                    "certChain": {"certificates": [{"rawBytes": b64(self.der(c))}
                                                   for c in chain]},
                    "validFor": vf}
        doc = {"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
               "certificateAuthorities": [entry(c, ca_valid)
                                          for c in (cas or [[self.fulcio, self.root]])],
               "timestampAuthorities": [entry(c, tsa_valid) for c in
                                        (tsas or [[self.tsa, self.tsa_int, self.tsa_root]])]}
        with open(path, "w") as f:
            json.dump(doc, f)
        return path


def statement(owner, repo, tag, commit, assets, predicate_type=RELEASE_V02):
    """An in-toto release statement; assets: {name: sha256_hex}."""
    subjects = [{"uri": "pkg:github/%s/%s@%s" % (owner, repo, tag), "digest": {"sha1": commit}}]
    subjects += [{"name": n, "digest": {"sha256": d}} for n, d in sorted(assets.items())]
    return {"_type": "https://in-toto.io/Statement/v1", "subject": subjects,
            "predicateType": predicate_type,
            "predicate": {"repository": "%s/%s" % (owner, repo), "tag": tag,
                          "releaseId": "1", "ownerId": "2",
                          "purl": "pkg:github/%s/%s@%s" % (owner, repo, tag)}}


def pae(ptype, payload):
    return b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)


def bundle(pki, leaf, stmt, payload_type=INTOTO, extra_sigs=0, ts_over=None, tsa=None,
           n_ts=1, raw_payload=None):
    """A bundle v0.3 over stmt signed by leaf; ts_over: bytes to timestamp
    instead of the signature."""
    payload = raw_payload if raw_payload is not None else json.dumps(stmt).encode()
    pfile = pki.path("pae.bin")
    with open(pfile, "wb") as f:
        f.write(pae(payload_type, payload))
    sig = ossl("dgst", "-sha256", "-sign", leaf + ".key", pfile)
    sigs = [{"sig": b64(sig)}] * (1 + extra_sigs)
    stamps = [{"signedTimestamp": b64(pki.timestamp(ts_over if ts_over is not None else sig,
                                                    tsa))} for _ in range(n_ts)]
    vm = {"certificate": {"rawBytes": b64(pki.der(leaf))}}
    if n_ts:
        vm["timestampVerificationData"] = {"rfc3161Timestamps": stamps}
    return {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": vm,
            "dsseEnvelope": {"payload": b64(payload), "payloadType": payload_type,
                             "signatures": sigs}}


def message_bundle(pki, leaf, data):
    """A bundle v0.3 with a messageSignature over data, timestamped."""
    dfile = pki.path("artifact.bin")
    with open(dfile, "wb") as f:
        f.write(data)
    sig = ossl("dgst", "-sha256", "-sign", leaf + ".key", dfile)
    return {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "certificate": {"rawBytes": b64(pki.der(leaf))},
                "timestampVerificationData": {"rfc3161Timestamps": [
                    {"signedTimestamp": b64(pki.timestamp(sig))}]}},
            "messageSignature": {"messageDigest": {"algorithm": "SHA2_256",
                                                   "digest": b64(hashlib.sha256(data).digest())},
                                 "signature": b64(sig)}}


def snappy(data):
    """A raw snappy block made of literals only (valid for any decoder)."""
    out = bytearray()
    n = len(data)
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            break
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        if len(chunk) <= 60:
            out.append((len(chunk) - 1) << 2)
        else:
            out.append(61 << 2)
            out += (len(chunk) - 1).to_bytes(2, "little")
        out += chunk
    return bytes(out)


def sha256(data):
    return hashlib.sha256(data).hexdigest()
