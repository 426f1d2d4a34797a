// The page's lint: the built site works from any sub-path (GitHub Pages serves it under /<repo>/), loads nothing
// from another origin, and stays within its weight budget (first load, gzip), so that a growing dependency is seen.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST as dist, bundleFiles } from './bundle-files.mjs';

const FIRST_LOAD_BUDGET_GZIP_KB = 600;
const { all, firstLoad } = bundleFiles();
const problems = [];
const html = readFileSync(join(dist, 'index.html'), 'utf8');
for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
  if (url.startsWith('/') || /^https?:/.test(url)) problems.push(`index.html refers to ${url}: use relative URLs (vite base './')`);
}
let gzip = 0;
for (const file of all) {
  const text = readFileSync(join(dist, file));
  if (/\.js$/.test(file) && /https?:\/\/(?!github\.com\/llm-sim|www\.w3\.org)[\w.-]+\/[\w./-]*\.(?:js|css|json)\b/.test(text.toString('utf8'))) {
    problems.push(`${file} loads a script or style from another origin`);
  }
  if (firstLoad.includes(file)) gzip += gzipSync(text, { level: 9 }).length;
}
if (!firstLoad.some((f) => f.includes('worker-'))) problems.push('the worker is not among the files of the first load: bundle-files.mjs no longer finds it');
if (gzip / 1024 > FIRST_LOAD_BUDGET_GZIP_KB) problems.push(`first load is ${(gzip / 1024).toFixed(0)} kB gzip, over the ${FIRST_LOAD_BUDGET_GZIP_KB} kB budget`);
for (const p of problems) console.log(p);
console.log(`apps/web dist checked: first load ${(gzip / 1024).toFixed(0)} kB gzip (budget ${FIRST_LOAD_BUDGET_GZIP_KB}), ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
