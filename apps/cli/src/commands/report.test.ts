import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test-artifacts');
const splitwise = fileURLToPath(new URL('../../../../benchmark_data/raw/splitwise/perf_model.csv', import.meta.url));
const hasChromium = existsSync(CHROMIUM);

describe.skipIf(!hasChromium)(hasChromium ? '--report in headless Chromium' : `--report in headless Chromium (SKIPPED: ${CHROMIUM} is not installed)`, () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'llm-sim-cli-report-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, html: string) {
    const file = path.join(dir, `${name}.html`);
    writeFileSync(file, html);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const figures = await page.$$eval('figure[data-chart]', (els) =>
      els.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return { id: f.getAttribute('data-chart'), width: box?.width ?? 0, height: box?.height ?? 0, marks: svg ? svg.querySelectorAll('path, circle').length : 0 };
      }),
    );
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    await context.close();
    return { figures, problems };
  }

  it('renders every chart of a real simulation report (Llama-3.1-8B on H100, Poisson load, SLOs)', async () => {
    const t = createTestIo();
    const code = await main(['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '3000', '--request-rate', '25', '--input-len', 'uniform:200:3000', '--output-len', 'uniform:50:500', '--goodput', 'ttft:500', 'tpot:30', '--report', 'sim.html', '--json'], t.io);
    expect(code, t.stderr).toBe(0);
    const result = JSON.parse(t.stdout) as Record<string, number>;
    const html = t.written.get('sim.html')!;
    // What was simulated, at the top (before any chart): the workload, the memory plan, the performance model, the SLOs.
    const setup = html.slice(html.indexOf('<table data-table="setup"'), html.indexOf('</table>', html.indexOf('<table data-table="setup"')));
    expect(html.indexOf('<table data-table="setup"')).toBeLessThan(html.indexOf('<figure'));
    expect(setup).toContain('3,000 requests of uniform 200-3000 input / uniform 50-500 output tokens, 25 req/s, Poisson arrivals, seed 0');
    expect(setup).toMatch(/memory plan<\/td><td>weights 16\.\d GB, KV cache [\d.]+ GB per device \([\d,]+ tokens, [\d,]+ blocks\) x 1 replica/);
    expect(setup).toContain('benchmark_data/calibration/h100-sxm/kernels.json');
    expect(setup).toContain('TTFT &lt;= 500 ms, TPOT &lt;= 30 ms');
    // Goodput in the headline cards, with the share of requests within the SLOs.
    expect(html).toContain(`${((100 * result.request_goodput) / result.request_throughput).toFixed(1)}% of requests within TTFT ≤ 500 ms, TPOT ≤ 30 ms`);
    const { figures, problems } = await open('cli-simulation-report', html);
    expect(figures.map((f) => f.id)).toEqual(expect.arrayContaining(['ttft-cdf', 'tpot-cdf', 'itl-cdf', 'e2el-cdf', 'throughput', 'queue-length', 'batch-size', 'kv-cache-utilization', 'operator-time']));
    for (const f of figures) {
      expect(f.width, f.id!).toBeGreaterThan(300);
      expect(f.marks, f.id!).toBeGreaterThan(5);
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('renders a disaggregated run (1P1D, KV transfer) with the same charts', async () => {
    const t = createTestIo();
    const code = await main(['simulate', '--model', 'llama-3.1-70b', '--xpu', 'h100', '--tp', '4', '--cluster', 'disaggregated', '--num-requests', '400', '--request-rate', '4', '--input-len', '2048', '--output-len', '128', '--report', 'dis.html', '--quiet'], t.io);
    expect(code, t.stderr).toBe(0);
    const html = t.written.get('dis.html')!;
    expect(html).toMatch(/1P1D \(h100-sxm TP4 \/ h100-sxm TP4\)/);
    expect(html).toMatch(/mean_kv_transfer_ms/);
    const { figures, problems } = await open('cli-disaggregated-report', html);
    expect(figures.map((f) => f.id)).toEqual(expect.arrayContaining(['ttft-cdf', 'tpot-cdf', 'kv-cache-utilization']));
    for (const f of figures) expect(f.marks, f.id!).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  }, 60_000);

  it('renders the roofline plot of a real calibration (Splitwise Llama-2-70B, H100, TP4)', async () => {
    const t = createTestIo();
    const code = await main(['calibrate', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--from', splitwise, '--report', 'cal.html'], t.io);
    expect(code, t.stderr).toBe(0);
    const html = t.written.get('cal.html')!;
    // Which figures the data determine: the decode FLOP/s only the batch-64 step would set is shown as such.
    expect(html).toMatch(/<td>decode<\/td><td>FLOP\/s<\/td><td class="num">[^<]+<\/td><td class="bad">weakly identified<\/td><td>decode b64 ctx576 \(held by the default rule, not fitted\)<\/td>/);
    expect(html).toMatch(/<td>prefill<\/td><td>FLOP\/s<\/td><td class="num">[^<]+<\/td><td class="good">determined by the data<\/td>/);
    const { figures, problems } = await open('cli-calibration-report', html);
    expect(figures.map((f) => f.id)).toEqual(expect.arrayContaining(['roofline', 'predicted-vs-measured']));
    for (const f of figures) expect(f.marks, f.id!).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  }, 60_000);

  it('overlays runs saved with --json and a real vllm bench serve result file (llm-sim report)', async () => {
    const vllmResult = fileURLToPath(new URL('../../../../benchmark_data/raw/vllm-bench-serve-llm-d-l40s/results.json', import.meta.url));
    const t = createTestIo();
    const workload = ['--xpu', 'l40s', '--num-replicas', '4', '--num-requests', '300', '--input-len', '1000', '--output-len', '500', '--json'];
    expect(await main(['simulate', '--model', 'llama-3.1-8b', '--request-rate', '10', ...workload], t.io), t.stderr).toBe(0);
    t.written.set('rate10.json', t.stdout);
    // The llm-d file holds nine runs, one a line (vLLM appends a sweep's results): each is a run of its own.
    expect(await main(['report', 'rate10.json', vllmResult, '-o', 'diff.html'], t.io), t.stderr).toBe(0);
    expect(t.stdout).toContain('wrote diff.html (10 runs from 2 file(s))');
    const html = t.written.get('diff.html')!;
    expect(html).toContain('llm-sim vllm_roofline, llama-3.1-8b on l40s tp=1');
    expect(html).toContain('vllm bench serve: vllm, meta-llama/Llama-3.2-3B-Instruct, 20250530-194738');
    // The measured run's request throughput (vLLM's own key), beside the simulations', with its change against the first.
    expect(html).toMatch(/<td class="key">request_throughput<\/td><td class="num">[^<]+<\/td><td class="num">8\.369<\/td><td class="num">[+-][\d.]+%<\/td><td class="num">22\.1<\/td>/);
    expect(html).toContain('results.json #9');
    const { figures, problems } = await open('cli-runs-report', html);
    expect(figures.map((f) => f.id)).toEqual(['ttft-percentiles', 'tpot-percentiles', 'itl-percentiles', 'e2el-percentiles', 'throughput']);
    for (const f of figures) expect(f.marks, f.id!).toBeGreaterThan(5);
    expect(problems).toEqual([]);

    const bad = createTestIo();
    bad.written.set('rate10.json', t.written.get('rate10.json')!);
    const readme = fileURLToPath(new URL('../../../../benchmark_data/raw/README.md', import.meta.url));
    expect(await main(['report', 'rate10.json', readme], bad.io)).toBe(2);
    expect(bad.stderr).toMatch(/README\.md is not JSON/);
  }, 90_000);

  it('step --report: every operator of a real step on the roofline, with the breakdown', async () => {
    const t = createTestIo();
    const code = await main(['step', '--model', 'llama-3.1-70b', '--xpu', 'h100', '--tp', '4', '--phase', 'decode', '--batch-size', '64', '--context-len', '1024', '--performance-model', 'roofline', '--report', 'step.html', '--json'], t.io);
    expect(code, t.stderr).toBe(0);
    const step = JSON.parse(t.stdout) as { breakdown: { op: string; flops: number; bytes: number }[] };
    expect(t.stderr).toContain('wrote step.html (HTML report)');
    const html = t.written.get('step.html')!;
    for (const o of step.breakdown) expect(html).toContain(`<td class="key">${o.op}</td>`);
    expect(html).toMatch(/\d+ memory-bound, \d+ compute-bound/);
    const { figures, problems } = await open('cli-step-report', html);
    expect(figures.map((f) => f.id)).toEqual(['step-roofline']);
    expect(figures[0].marks).toBeGreaterThan(step.breakdown.filter((o) => o.flops > 0 && o.bytes > 0).length);
    expect(problems).toEqual([]);
  }, 60_000);

  it('compare --report: every layout overlaid (latency percentiles, throughputs, one table)', async () => {
    const t = createTestIo();
    const code = await main(['compare', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-devices', '2', '--layouts', '2xtp1', '1p1d:tp1/tp1', '--num-requests', '200', '--request-rate', '8', '--goodput', 'ttft:500', 'tpot:30', '--report', 'compare.html', '--quiet'], t.io);
    expect(code, t.stderr).toBe(0);
    expect(t.stdout).toContain('wrote compare.html (HTML report)');
    const html = t.written.get('compare.html')!;
    expect(html).toContain('llama-3.1-8b on 2 x h100-sxm: 2 layouts compared');
    expect(html).toContain('<td class="key">goodput_per_device</td>');
    const { figures, problems } = await open('cli-compare-report', html);
    expect(figures.map((f) => f.id)).toEqual(['ttft-percentiles', 'tpot-percentiles', 'itl-percentiles', 'e2el-percentiles', 'throughput']);
    expect(problems).toEqual([]);
  }, 90_000);
});
