// Prints what the page weighs: every file of dist/, raw and gzip-compressed (what a browser downloads from
// GitHub Pages), and the first load (everything but the built-in traces, which load only when a run uses one).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const files = readdirSync(dist, { recursive: true })
  .map((f) => join(dist, String(f)))
  .filter((f) => statSync(f).isFile());
const kB = (n) => `${(n / 1024).toFixed(1).padStart(7)} kB`;
let first = 0;
let firstGzip = 0;
console.log('file                                              raw       gzip');
for (const file of files.sort()) {
  const bytes = readFileSync(file);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const name = relative(dist, file);
  if (!/trace/.test(name)) {
    first += bytes.length;
    firstGzip += gzip;
  }
  console.log(`${name.padEnd(44)} ${kB(bytes.length)} ${kB(gzip)}`);
}
console.log(`first load (page + worker, without the built-in traces): ${kB(first).trim()} raw, ${kB(firstGzip).trim()} gzip`);
