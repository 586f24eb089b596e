// sigstore_verify.js - verify one Sigstore bundle offline with npm's
// sigstore-js (@sigstore/verify), the independent verifier that
// test/blackbox/test_provenance.py compares grm-verify with.
//
// usage: node sigstore_verify.js BUNDLE TRUSTED_ROOT SAN ISSUER [ARTIFACT]
// The public-good thresholds: one tlog entry and one SCT when the root lists
// CT logs, else one RFC 3161 timestamp (GitHub's instance).
// Prints "ok" on success; on failure the error on stderr, exit 1.
'use strict';
const fs = require('fs');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

function main() {
  const [bundlePath, rootPath, san, issuer, artifact] = process.argv.slice(2);
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootPath, 'utf8')));
  const material = toTrustMaterial(root);
  const publicGood = root.ctlogs.length > 0;
  const verifier = new Verifier(material, publicGood
    ? { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }
    : { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 });
  const entity = toSignedEntity(bundle, artifact ? fs.readFileSync(artifact) : undefined);
  verifier.verify(entity, { subjectAlternativeName: san, extensions: { issuer } });
  process.stdout.write('ok\n');
}

try {
  main();
} catch (e) {
  process.stderr.write(`sigstore-js: ${e.code || ''} ${e.message}\n`);
  process.exit(1);
}
