// tufclient.js - fetch one target with npm's tuf-js, the independent TUF
// client test/blackbox/test_tuf.py compares lib/tuf/tuf.c with.
//
// usage: node tufclient.js METADATA_URL INITIAL_ROOT CACHE_DIR NAME
// prints the target's bytes on stdout; on failure the error on stderr, exit 1.
'use strict';
const fs = require('fs');
const path = require('path');
const { Updater } = require('tuf-js');

async function main() {
  const [url, root, dir, name] = process.argv.slice(2);
  const metadataDir = path.join(dir, 'metadata');
  const targetDir = path.join(dir, 'targets');
  fs.mkdirSync(metadataDir, { recursive: true });
  fs.mkdirSync(targetDir, { recursive: true });
  if (!fs.existsSync(path.join(metadataDir, 'root.json')))
    fs.copyFileSync(root, path.join(metadataDir, 'root.json'));
  const updater = new Updater({ metadataBaseUrl: url, metadataDir, targetDir,
    targetBaseUrl: `${url}/targets`, config: { fetchRetries: 0 } });
  await updater.refresh();
  const info = await updater.getTargetInfo(name);
  if (!info) throw new Error(`target ${name} not found`);
  const file = (await updater.findCachedTarget(info)) || (await updater.downloadTarget(info));
  process.stdout.write(fs.readFileSync(file));
}

main().catch((e) => {
  process.stderr.write(`tuf-js: ${e.message}\n`);
  process.exit(1);
});
