// tufrepo.js - write a TUF repository for test/blackbox/test_tuf.py with
// @tufjs/models, signing with real keys (ECDSA P-256, Ed25519).
//
// usage: node tufrepo.js PLAN.json
// PLAN: {
//   out, keys_dir, consistent_snapshot (default true),
//   roots: [{version, expires, roles: {ROLE: {keys: [NAME], threshold}}, sign: [NAME]}],
//   targets:   {version, expires, sign, files: {NAME: TEXT}, length_delta: {NAME: N}},
//   snapshot:  {version, expires, sign, targets_version?, hashes? (default true)},
//   timestamp: {version, expires, sign, snapshot_version?, hashes? (default true)}
// }
// Keys are made on first use and kept in keys_dir (NAME.pem); a name
// starting with "ed" is Ed25519, any other ECDSA P-256. Output in `out`:
// N.root.json for every root, timestamp.json, [V.]snapshot.json,
// [V.]targets.json and targets/[HASH.]NAME (sha256 and sha512 prefixes).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { Key, Metadata, MetaFile, Root, Signature, Snapshot, TargetFile, Targets, Timestamp } =
  require('@tufjs/models');

const SPEC = '1.0.31';

function loadKey(dir, name) {
  const file = path.join(dir, `${name}.pem`);
  if (!fs.existsSync(file)) {
    const { privateKey } = name.startsWith('ed')
      ? crypto.generateKeyPairSync('ed25519')
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const priv = crypto.createPrivateKey(fs.readFileSync(file));
  const pub = crypto.createPublicKey(priv);
  const ed = name.startsWith('ed');
  const keyVal = ed
    ? { public: pub.export({ type: 'spki', format: 'der' }).subarray(-32).toString('hex') }
    : { public: pub.export({ type: 'spki', format: 'pem' }) };
  const json = ed
    ? { keytype: 'ed25519', scheme: 'ed25519', keyval: keyVal }
    : { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyval: keyVal };
  const { canonicalize } = require('@tufjs/canonical-json');
  const keyID = crypto.createHash('sha256').update(canonicalize(json)).digest('hex');
  const key = new Key({ keyID, keyType: json.keytype, scheme: json.scheme, keyVal });
  return { name, priv, key, keyID, ed };
}

function signer(k) {
  return (bytes) => new Signature({
    keyID: k.keyID,
    sig: crypto.sign(k.ed ? null : 'sha256', bytes, k.priv).toString('hex'),
  });
}

function signAll(md, names, keys) {
  for (const n of names || []) md.sign(signer(keys(n)));
  return md;
}

function hashes(data) {
  return {
    sha256: crypto.createHash('sha256').update(data).digest('hex'),
    sha512: crypto.createHash('sha512').update(data).digest('hex'),
  };
}

function write(out, name, md) {
  const data = Buffer.from(JSON.stringify(md.toJSON(), null, 1));
  fs.writeFileSync(path.join(out, name), data);
  return data;
}

function main() {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const cache = {};
  const keys = (n) => (cache[n] = cache[n] || loadKey(plan.keys_dir, n));
  const consistent = plan.consistent_snapshot !== false;
  fs.mkdirSync(path.join(plan.out, 'targets'), { recursive: true });

  for (const r of plan.roots) {
    const roles = {};
    const rootKeys = {};
    for (const [role, def] of Object.entries(r.roles)) {
      roles[role] = { keyids: def.keys.map((n) => keys(n).keyID), threshold: def.threshold };
      for (const n of def.keys) rootKeys[keys(n).keyID] = keys(n).key.toJSON();
    }
    const root = Root.fromJSON({ _type: 'root', spec_version: SPEC, version: r.version,
      expires: r.expires, keys: rootKeys, roles, consistent_snapshot: consistent });
    write(plan.out, `${r.version}.root.json`, signAll(new Metadata(root), r.sign, keys));
  }

  const t = plan.targets;
  const files = {};
  for (const [name, text] of Object.entries(t.files || {})) {
    const data = Buffer.from(text);
    const delta = (t.length_delta || {})[name] || 0;
    files[name] = new TargetFile({ path: name, length: data.length + delta, hashes: hashes(data) });
    const h = hashes(data);
    for (const prefix of consistent ? [h.sha256, h.sha512] : [null]) {
      const base = prefix ? `${prefix}.${path.basename(name)}` : path.basename(name);
      const dir = path.join(plan.out, 'targets', path.dirname(name));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, base), data);
    }
  }
  const targets = new Targets({ version: t.version, specVersion: SPEC, expires: t.expires,
    targets: files });
  const tdata = write(plan.out, consistent ? `${t.version}.targets.json` : 'targets.json',
    signAll(new Metadata(targets), t.sign, keys));

  const s = plan.snapshot;
  const tmeta = new MetaFile({ version: s.targets_version || t.version,
    ...(s.hashes === false ? {} : { length: tdata.length, hashes: hashes(tdata) }) });
  const snapshot = new Snapshot({ version: s.version, specVersion: SPEC, expires: s.expires,
    meta: { 'targets.json': tmeta } });
  const sdata = write(plan.out, consistent ? `${s.version}.snapshot.json` : 'snapshot.json',
    signAll(new Metadata(snapshot), s.sign, keys));

  const ts = plan.timestamp;
  const smeta = new MetaFile({ version: ts.snapshot_version || s.version,
    ...(ts.hashes === false ? {} : { length: sdata.length, hashes: hashes(sdata) }) });
  const timestamp = new Timestamp({ version: ts.version, specVersion: SPEC, expires: ts.expires,
    snapshotMeta: smeta });
  write(plan.out, 'timestamp.json', signAll(new Metadata(timestamp), ts.sign, keys));
}

main();
