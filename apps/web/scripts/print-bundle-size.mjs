// Prints what the page weighs: every file of dist/, raw and gzip-compressed (what a browser downloads from
// GitHub Pages), and the first load (the lazy chunks, the shipped datasets, load only when a run uses one).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST, bundleFiles } from './bundle-files.mjs';

const { all, firstLoad } = bundleFiles();
const kB = (n) => `${(n / 1024).toFixed(1).padStart(7)} kB`;
let raw = 0;
let gzip = 0;
console.log('file                                              raw       gzip');
for (const name of all) {
  const bytes = readFileSync(join(DIST, name));
  const zipped = gzipSync(bytes, { level: 9 }).length;
  const first = firstLoad.includes(name);
  if (first) {
    raw += bytes.length;
    gzip += zipped;
  }
  console.log(`${name.padEnd(44)} ${kB(bytes.length)} ${kB(zipped)}${first ? '' : '  (lazy)'}`);
}
console.log(`first load (page + worker, without the lazy chunks): ${kB(raw).trim()} raw, ${kB(gzip).trim()} gzip`);
