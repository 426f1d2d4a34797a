// Takes the README's screenshot of the built page (run `pnpm build` first) in Debian's Chromium:
//   node apps/web/scripts/screenshot.mjs [QUERY] [OUT.png]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDist } from './serve-dist.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
// A run of 2,000 requests at 9 req/s pinned against the same at 6 req/s: the comparison the page is for.
const workload = 'num-requests=2000&input-len=uniform:200:3000&output-len=uniform:50:500&tpot=30';
const query = process.argv[2] || `?request-rate=9&${workload}&pin=${encodeURIComponent(`?request-rate=6&${workload}`)}`;
const out = process.argv[3] || path.join(root, 'docs/images/web-app.png');

const { server, url } = await serveDist();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1280 } });
  await page.goto(`${url}${query}`);
  await page.waitForFunction(() => document.querySelectorAll('table.compare th').length === 4 && document.querySelector('[data-status]')?.getAttribute('data-status') === 'done', null, { timeout: 60_000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  server.close();
}
