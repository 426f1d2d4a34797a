// How long the page takes to show a run of 10,000 requests, in Debian's Chromium (run `pnpm build` first):
// the worker's own time for each run (set up, simulate, reduce to what the page draws), and from navigation to
// the numbers on screen. Prints figures; asserts nothing about time (the machine's load decides them).
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { serveDist } from '../scripts/serve-dist.mjs';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.log(`web bench skipped: ${CHROMIUM} is not installed`);
  process.exit(0);
}
const { server, url } = await serveDist();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  console.log(`web: 10,000 requests, Llama-3.1-8B on one h100-sxm, calibrated model, 1024 in / 128 out (load average ${loadavg()[0].toFixed(1)})`);
  for (const [label, query] of [
    ['burst (request rate inf)', '?num-requests=10000&request-rate=inf'],
    ['10 req/s Poisson', '?num-requests=10000'],
    ['10 req/s Poisson, seed 1', '?num-requests=10000&seed=1'],
  ]) {
    const started = performance.now();
    await page.goto(`${url}${query}`);
    await page.waitForFunction(() => document.querySelector('[data-status]')?.getAttribute('data-status') === 'done', null, { timeout: 120_000 });
    const shown = performance.now() - started;
    const meta = await page.textContent('.status .meta');
    const worker = /in ([\d,]+) ms/.exec(meta ?? '')?.[1];
    console.log(`  ${label.padEnd(26)} worker ${String(worker).padStart(6)} ms, navigation to numbers on screen ${shown.toFixed(0).padStart(6)} ms (${meta?.split(' simulated')[0]})`);
  }
} finally {
  await browser.close();
  server.close();
}
