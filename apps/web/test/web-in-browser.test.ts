import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST as dist, serveDist } from '../scripts/serve-dist.mjs';

const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const cli = path.join(root, 'apps/cli/dist/cli.js');
const hasChromium = existsSync(CHROMIUM);
const suiteName = hasChromium ? 'the web app in headless Chromium' : `the web app in headless Chromium (SKIPPED: ${CHROMIUM} is not installed)`;

/** Runs the command the page shows, with `--json`, as a user would paste it (from the repository root). */
async function runShownCommand(command: string, extra: string[] = []): Promise<Record<string, unknown>> {
  const args = [...command.replace(/^llm-sim /, '').split(/\s+/), ...extra];
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args, '--json'], { cwd: root, maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Equal JSON, numbers to 1e-9 relative (the same code, in V8 both; the tolerance only forgives a last-bit libm difference). */
function expectSameResult(page: unknown, cliResult: unknown, where = '$'): void {
  if (typeof cliResult === 'number' && typeof page === 'number') {
    expect(Math.abs(page - cliResult), `${where}: page ${page}, CLI ${cliResult}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(cliResult)));
    return;
  }
  if (cliResult !== null && typeof cliResult === 'object') {
    expect(page !== null && typeof page === 'object', where).toBe(true);
    expect(Object.keys(page as object).sort(), where).toEqual(Object.keys(cliResult).sort());
    for (const [key, value] of Object.entries(cliResult)) expectSameResult((page as Record<string, unknown>)[key], value, `${where}.${key}`);
    return;
  }
  expect(page, where).toEqual(cliResult);
}

describe.skipIf(!hasChromium)(suiteName, () => {
  let browser: Browser;
  let server: Server;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(dist, 'index.html'))) throw new Error(`${dist} is missing: run \`pnpm build\` first`);
    ({ server, url: base } = await serveDist());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function open(search: string, keepProblems = false): Promise<Page> {
    if (!keepProblems) problems.length = 0;
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request: ${request.url()}`));
    await page.goto(`${base}${search}`, { waitUntil: 'load' });
    return page;
  }

  /** Waits for a finished run other than `previous`, and returns its id. */
  async function runDone(page: Page, previous = ''): Promise<string> {
    const status = page.locator('[data-status]').first();
    await expect.poll(async () => (await status.getAttribute('data-status')) === 'done' && (await status.getAttribute('data-run-id')) !== previous, { timeout: 30_000, interval: 100 }).toBe(true);
    return (await status.getAttribute('data-run-id'))!;
  }

  async function downloadJson(page: Page): Promise<Record<string, unknown>> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="download-json"]')]);
    return JSON.parse(readFileSync((await download.path())!, 'utf8')) as Record<string, unknown>;
  }

  it('loads with no console error and shows the headline figures, the memory plan and six charts drawn as SVG', async () => {
    const page = await open('?num-requests=300');
    await runDone(page);
    const cards = await page.$$eval('.card', (els) => els.map((e) => e.textContent ?? ''));
    expect(cards.length).toBe(6);
    expect(cards.join(' ')).toMatch(/Goodput \(req\/s\)\d/);
    expect(await page.textContent('table.pools')).toMatch(/h100-sxm.*GB/s);
    await expect.poll(() => page.$$eval('[data-chart] svg path', (els) => els.length), { timeout: 10_000 }).toBeGreaterThan(30);
    expect(await page.$$eval('[data-chart]', (els) => els.length)).toBe(6);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('gives what the CLI command it shows gives (same seed), before and after a control moves', async () => {
    const page = await open('?num-requests=300&request-rate=4&input-len=uniform:200:2000&output-len=256&tpot=20&seed=7');
    const first = await runDone(page);
    const command = (await page.textContent('#cli-command'))!;
    expect(command).toContain('--request-rate 4');
    const cliBefore = runShownCommand(command); // runs while the page moves on
    const shown = await downloadJson(page);

    await page.fill('input[name="requestRate"]', '12');
    await runDone(page, first);
    const moved = (await page.textContent('#cli-command'))!;
    expect(moved).toContain('--request-rate 12');
    const after = await downloadJson(page);
    expect(after.output_throughput).not.toBe(shown.output_throughput);
    const files = mkdtempSync(path.join(tmpdir(), 'llm-sim-web-'));
    try {
      const requestsCsv = path.join(files, 'requests.csv');
      expectSameResult(after, await runShownCommand(moved, ['--output-requests', requestsCsv]));
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="download-requests"]')]);
      expect(readFileSync((await download.path())!, 'utf8')).toBe(readFileSync(requestsCsv, 'utf8'));
    } finally {
      rmSync(files, { recursive: true, force: true });
    }
    expectSameResult(shown, await cliBefore);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('replays a built-in trace (bundled, loaded on first use) with the result of the CLI reading it from benchmark_data', async () => {
    const page = await open('?trace=benchmark_data/traces/azure2023_code_trace_vidur.csv&num-requests=300&request-rate=3');
    await runDone(page);
    const command = (await page.textContent('#cli-command'))!;
    expect(command).toContain('--trace benchmark_data/traces/azure2023_code_trace_vidur.csv');
    expectSameResult(await downloadJson(page), await runShownCommand(command));
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('keeps the whole state in the URL: a link opens the same controls, command and comparison', async () => {
    const page = await open('?num-requests=200');
    const first = await runDone(page);
    await page.click('[data-action="pin"]');
    await page.selectOption('select[name="cluster"]', 'disaggregated');
    await page.fill('input[name="decodeTp"]', '2');
    await page.fill('input[name="ttftSloMs"]', '800');
    await page.selectOption('select[name="performanceModel"]', 'roofline');
    await runDone(page, first);
    await expect.poll(() => page.$$eval('table.compare th', (els) => els.length)).toBe(4);
    const url = page.url();
    expect(url).toContain('cluster=disaggregated');
    expect(url).toContain('pin=');
    const command = await page.textContent('#cli-command');
    expect(command).toContain('--cluster disaggregated');
    expect(command).toContain('--decode-tp 2');
    expect(command).toContain('--goodput ttft:800 tpot:50');

    const again = await open(new URL(url).search, true);
    await runDone(again);
    expect(await again.textContent('#cli-command')).toBe(command);
    expect(await again.inputValue('select[name="cluster"]')).toBe('disaggregated');
    expect(await again.inputValue('input[name="decodeTp"]')).toBe('2');
    await expect.poll(() => again.$$eval('table.compare th', (els) => els.length)).toBe(4);
    expect(new URL(again.url()).search).toBe(new URL(url).search);
    expect(problems).toEqual([]);
    await page.context().close();
    await again.context().close();
  });

  it('step view: every operator placed under the roofline, with the breakdown table of `llm-sim step`', async () => {
    const page = await open('?view=step&phase=decode&batch-size=64&context-len=2048&performance-model=roofline');
    await expect.poll(() => page.$$eval('table.breakdown tbody tr', (els) => els.length), { timeout: 30_000 }).toBeGreaterThan(3);
    const command = (await page.textContent('#cli-command'))!;
    expect(command).toMatch(/^llm-sim step .*--batch-size 64 --context-len 2048/);
    const step = await runShownCommand(command);
    const ops = await page.$$eval('table.breakdown tbody tr', (rows) => rows.map((r) => r.getAttribute('data-op')));
    expect(ops).toEqual((step.breakdown as { op: string }[]).map((o) => o.op));
    const stepCard = await page.textContent('[data-card="step time"] .value');
    expect(stepCard).toBe(`${(step.total_ms as number).toLocaleString('en-US', { minimumFractionDigits: (step.total_ms as number) < 100 ? 2 : 1, maximumFractionDigits: (step.total_ms as number) < 100 ? 2 : 1 })} ms`);
    // The spec-sheet roofline prices each operator at its roof: none may sit above min(peak, intensity x bandwidth).
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'xpus', '--json'], { cwd: root });
    const h100 = (JSON.parse(stdout) as { name: string; peak_tflops: Record<string, number>; memory_bandwidth_gbps: number }[]).find((x) => x.name === 'h100-sxm')!;
    for (const o of step.breakdown as { op: string; ms: number; flops: number; bytes: number }[]) {
      if (o.flops === 0) continue;
      const attainedTflops = o.flops / (o.ms / 1000) / 1e12;
      const roofTflops = Math.min(h100.peak_tflops.bf16, ((o.flops / o.bytes) * h100.memory_bandwidth_gbps) / 1000);
      expect(attainedTflops, o.op).toBeLessThanOrEqual(roofTflops * (1 + 1e-9));
    }
    // A decode step at batch 64 is memory-bound overall: the table says so per operator, and the chart draws them.
    expect(await page.$$eval('td.memory', (els) => els.length)).toBeGreaterThan(0);
    await expect.poll(() => page.$$eval('[data-chart="roofline"] svg path', (els) => els.length), { timeout: 10_000 }).toBeGreaterThan(5);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
