// mock_sign.js - sign with npm's sigstore-js against @sigstore/mock's Fulcio,
// Rekor, CT log and RFC 3161 TSA, all in this one process: an independent
// signer whose bundles test/blackbox/test_sigstore_mock.py feeds to
// grm-verify (and to sigstore_verify.js) genuine and tampered.
//
// usage: node mock_sign.js OUTDIR ARTIFACT
//
// The mock services are @sigstore/mock 0.12.1's handlers served on a local
// http server (127.0.0.1, an ephemeral port); sigstore 4.1.1's sign() and
// attest() talk to it with an identity token minted here (unsigned JWT, the
// claims of a GitHub Actions token: the mock Fulcio does not check its
// signature). Writes into OUTDIR:
//   trusted_root.json         both CAs, the Rekor key, the CT log key, the TSA
//   trusted_root_github.json  GitHub's instance: the CA without CT, the TSA
//   blob-rekor.json    messageSignature, Rekor v1 hashedrekord entry + SCT
//   blob-tsa.json      messageSignature, RFC 3161 timestamp only (no log, no SCT)
//   dsse-rekor.json    DSSE in-toto statement, Rekor v1 dsse entry + SCT
//   dsse-tsa.json      DSSE in-toto statement, timestamp only
//   dsse-intoto.json   DSSE, legacyCompatibility: Rekor v1 intoto entry + SCT
//   dsse-rekor-mockbody.json  dsse-rekor, the body as @sigstore/mock logs it
//   blob-tsa-760.json  blob-tsa with genTime at .760 s (".76Z")
//   info.json          the identity and claims the certificates carry
// Leaves of the "pg" CA (public good) embed an SCT; the "gh" CA has no CT log.
//
// @sigstore/mock and sigstore are Apache-2.0 (The Sigstore Authors); this
// file uses them as libraries and copies none of their code.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const {
  initializeCA, initializeCTLog, initializeTLog, initializeTSA,
  fulcioHandler, rekorHandler, tsaHandler,
} = require('@sigstore/mock');
const { TrustedRoot, HashAlgorithm, PublicKeyDetails } = require('@sigstore/protobuf-specs');
const sigstore = require('sigstore');

const ISSUER = 'https://token.actions.githubusercontent.com';
const REPO = 'octo/demo';
const SHA = 'a3f1c2d4e5b6978812345678901234567890abcd';
const REF = 'refs/tags/v1.0.0';
const WORKFLOW = `${REPO}/.github/workflows/release.yml@${REF}`;
const SAN = `https://github.com/${WORKFLOW}`;
const CLAIMS = {
  iss: ISSUER,
  sub: SAN,
  aud: 'sigstore',
  repository: REPO,
  repository_owner: 'octo',
  repository_id: '1234',
  repository_owner_id: '5678',
  repository_visibility: 'public',
  sha: SHA,
  ref: REF,
  event_name: 'push',
  workflow: 'release',
  workflow_ref: WORKFLOW,
  workflow_sha: SHA,
  job_workflow_ref: WORKFLOW,
  job_workflow_sha: SHA,
  runner_environment: 'github-hosted',
  run_id: '42',
  run_attempt: '1',
};

function b64url(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

function mintToken() {
  const now = Math.floor(Date.now() / 1000);
  return [b64url({ alg: 'none', typ: 'JWT' }),
    b64url({ ...CLAIMS, iat: now, nbf: now, exp: now + 600 }), ''].join('.');
}

function p256() {
  return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

// Serve {prefix: handler} on 127.0.0.1; a POST to prefix + handler.path
// gets the handler's answer.
function serve(routes) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const route = Object.entries(routes).find(([p, h]) => req.url === p + h.path);
      if (req.method !== 'POST' || !route) {
        res.writeHead(404).end();
        return;
      }
      const out = await route[1].fn(Buffer.concat(chunks).toString());
      res.writeHead(out.statusCode, { 'Content-Type': out.contentType || 'text/plain' });
      res.end(out.response);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// The entry as Rekor stores it: Rekor turns a proposed dsse entry (the
// envelope and verifiers) into hashes and signatures; @sigstore/mock logs the
// proposed entry as it is (kept as dsse-rekor-mockbody, which no verifier
// can bind). hashedrekord and intoto bodies are stored as proposed.
function rekorCanonical(entry) {
  if (entry.kind !== 'dsse')
    return entry;
  const sha256 = (b) => ({ algorithm: 'sha256',
    value: crypto.createHash('sha256').update(b).digest('hex') });
  const { envelope, verifiers } = entry.spec.proposedContent;
  const env = JSON.parse(envelope);
  return {
    apiVersion: entry.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: sha256(envelope),
      payloadHash: sha256(Buffer.from(env.payload, 'base64')),
      signatures: env.signatures.map((sig, i) => ({ signature: sig.sig, verifier: verifiers[i] })),
    },
  };
}

function write(dir, name, obj) {
  fs.writeFileSync(path.join(dir, name), JSON.stringify(obj, null, 2) + '\n');
}

async function main() {
  const [outdir, artifactPath] = process.argv.slice(2);
  if (!outdir || !artifactPath) {
    process.stderr.write('usage: node mock_sign.js OUTDIR ARTIFACT\n');
    process.exit(2);
  }
  const artifact = fs.readFileSync(artifactPath);
  fs.mkdirSync(outdir, { recursive: true });

  // The URL is needed before the log exists (it names the checkpoint's
  // origin), so listen first and route later.
  const routes = {};
  const server = await serve(routes);
  const base = `http://127.0.0.1:${server.address().port}`;

  // One clock for the CAs, logs and TSA (the mock reads the Date each time,
  // so it can be set): the second the self-signed roots were made, at a
  // millisecond of our choosing, so that TSTInfo.genTime has a known
  // fraction (see at() below).
  const clock = new Date();
  const ctlog = await initializeCTLog(p256(), clock);
  const caPG = await initializeCA(p256(), ctlog, clock);
  const caGH = await initializeCA(p256(), undefined, clock);
  const tlog = await initializeTLog(`${base}/rekor`, p256(), clock);
  const tsa = await initializeTSA(p256(), clock);
  const second = Math.floor(Date.now() / 1000) * 1000;
  const at = async (ms) => {
    clock.setTime(second + ms);
    while (Date.now() < clock.getTime()) await new Promise((r) => setTimeout(r, 10));
  };
  const rekor = rekorHandler(tlog);
  const rekorLike = rekorHandler(tlog);
  rekorLike.fn = (body) => rekor.fn(JSON.stringify(rekorCanonical(JSON.parse(body))));
  Object.assign(routes, {
    '/fulcio-pg': fulcioHandler(caPG),
    '/fulcio-gh': fulcioHandler(caGH),
    '/rekor': rekorLike,
    '/rekor-mock': rekor,
    '/tsa': tsaHandler(tsa),
  });

  const token = mintToken();
  const common = { identityToken: token, retry: 0, timeout: 10000 };
  const pg = { ...common, fulcioURL: `${base}/fulcio-pg`, rekorURL: `${base}/rekor` };
  // a TSA URL with a path is taken as the full endpoint
  const gh = { ...common, fulcioURL: `${base}/fulcio-gh`, tlogUpload: false,
    tsaServerURL: `${base}/tsa${routes['/tsa'].path}` };
  const statement = Buffer.from(JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: path.basename(artifactPath),
      digest: { sha256: crypto.createHash('sha256').update(artifact).digest('hex') } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: { workflow: { ref: REF, repository: `https://github.com/${REPO}`,
          path: '.github/workflows/release.yml' } } },
      runDetails: { builder: { id: `https://github.com/${WORKFLOW}` } },
    },
  }));
  const INTOTO = 'application/vnd.in-toto+json';

  // genTime ".123Z"; sigstore-js 4.1.1 (@sigstore/core's parseTime) takes
  // a GeneralizedTime fraction of exactly 3 digits only, while DER drops
  // trailing zeros: blob-tsa-760 (".76Z") is the case where they differ.
  await at(123);
  write(outdir, 'blob-rekor.json', await sigstore.sign(artifact, pg));
  write(outdir, 'blob-tsa.json', await sigstore.sign(artifact, gh));
  write(outdir, 'dsse-rekor.json', await sigstore.attest(statement, INTOTO, pg));
  write(outdir, 'dsse-tsa.json', await sigstore.attest(statement, INTOTO, gh));
  write(outdir, 'dsse-intoto.json',
    await sigstore.attest(statement, INTOTO, { ...pg, legacyCompatibility: true }));
  write(outdir, 'dsse-rekor-mockbody.json', await sigstore.attest(statement, INTOTO,
    { ...pg, rekorURL: `${base}/rekor-mock` }));
  await at(760);
  write(outdir, 'blob-tsa-760.json', await sigstore.sign(artifact, gh));
  server.close();

  // validFor.start a minute back: the roots' notBefore is "now" to the second
  const start = new Date(Date.now() - 60 * 1000);
  const ca = (c, uri) => ({
    subject: { commonName: 'sigstore', organization: 'sigstore.mock' },
    uri,
    certChain: { certificates: [{ rawBytes: Buffer.from(c.rootCertificate) }] },
    validFor: { start },
  });
  const log = (url, spki, keyId) => ({
    baseUrl: url,
    hashAlgorithm: HashAlgorithm.SHA2_256,
    publicKey: { rawBytes: Buffer.from(spki),
      keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start } },
    logId: { keyId: Buffer.from(keyId) },
  });
  const tsaAuthority = {
    subject: { commonName: 'tsa', organization: 'sigstore.mock' },
    uri: `${base}/tsa`,
    certChain: { certificates: [{ rawBytes: tsa.intCertificate },
      { rawBytes: tsa.rootCertificate }] },
    validFor: { start },
  };
  const root = (fields) => TrustedRoot.toJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
    ...fields,
  });
  write(outdir, 'trusted_root.json', root({
    tlogs: [log(`${base}/rekor`, tlog.publicKey,
      crypto.createHash('sha256').update(tlog.publicKey).digest())],
    certificateAuthorities: [ca(caPG, `${base}/fulcio-pg`), ca(caGH, `${base}/fulcio-gh`)],
    ctlogs: [log(`${base}/ctlog`, ctlog.publicKey, ctlog.logID)],
    timestampAuthorities: [tsaAuthority],
  }));
  write(outdir, 'trusted_root_github.json', root({
    certificateAuthorities: [ca(caGH, `${base}/fulcio-gh`)],
    timestampAuthorities: [tsaAuthority],
  }));
  write(outdir, 'info.json', { san: SAN, issuer: ISSUER, claims: CLAIMS,
    artifact: path.basename(artifactPath) });
}

main().catch((e) => {
  process.stderr.write(`mock_sign: ${e.stack || e}\n`);
  process.exit(1);
});
