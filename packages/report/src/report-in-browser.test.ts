import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCalibrationInput } from './__fixtures__/calibration-input.ts';
import { searchInput } from './__fixtures__/search-input.ts';
import { buildSimulationInput } from './__fixtures__/simulation-input.ts';
import { renderCalibrationReport } from './render-calibration-report.ts';
import { COLORS } from './render-chart.ts';
import { renderSearchReport } from './render-search-report.ts';
import { renderSimulationReport } from './render-simulation-report.ts';
import { renderRunsReport } from './render-runs-report.ts';
import { readFileSync } from 'node:fs';

/** Three real vllm bench serve runs (Llama-3.2-3B, 4 x L40S behind llm-d, 10 / 30 / inf req/s), one a line in the file. */
function llmdRuns() {
  const file = fileURLToPath(new URL('../../../benchmark_data/raw/vllm-bench-serve-llm-d-l40s/results.json', import.meta.url));
  const lines = readFileSync(file, 'utf8').trim().split('\n').slice(0, 3);
  return lines.map((line) => {
    const json = JSON.parse(line) as Record<string, unknown>;
    const metrics = Object.fromEntries(Object.entries(json).filter((e): e is [string, number] => typeof e[1] === 'number'));
    return { label: `${String(json.deployment)} at ${String(json.request_rate)} req/s`, source: 'vllm bench serve', metrics };
  });
}

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts');
const hasChromium = existsSync(CHROMIUM);
const suiteName = hasChromium ? 'reports in headless Chromium' : `reports in headless Chromium (SKIPPED: ${CHROMIUM} is not installed)`;

describe.skipIf(!hasChromium)(suiteName, () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'llm-sim-report-'));
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases = [
    { name: 'simulation', render: () => renderSimulationReport(buildSimulationInput()), charts: 9 },
    { name: 'calibration', render: () => renderCalibrationReport(buildCalibrationInput()), charts: 3 },
    { name: 'search', render: () => renderSearchReport(searchInput), charts: 1 },
    { name: 'runs', render: () => renderRunsReport({ title: 'llm-d runs', runs: llmdRuns() }), charts: 4 },
  ];

  for (const { name, render, charts } of cases) {
    it(`shows every chart of the ${name} report as a visible SVG with data marks, offline and without console errors`, async () => {
      const file = path.join(dir, `${name}-report.html`);
      writeFileSync(file, render());
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
      page.on('requestfailed', (request) => problems.push(`request: ${request.url()}`));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      const dataMarkSelector = [COLORS.series, COLORS.prefill, COLORS.decode].map((c) => `path[fill="${c}"], path[stroke="${c}"]`).join(', ');
      const figures = await page.$$eval('figure[data-chart]', (elements, selector) =>
        elements.map((figure) => {
          const svg = figure.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            id: figure.getAttribute('data-chart'),
            svgs: figure.querySelectorAll('svg').length,
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: svg ? svg.querySelectorAll('path, circle').length : 0,
            dataMarks: svg ? svg.querySelectorAll(selector).length : 0,
            caption: figure.querySelector('figcaption')?.textContent ?? '',
          };
        }),
        dataMarkSelector,
      );
      expect(figures.length).toBe(charts);
      for (const figure of figures) {
        expect(figure.svgs, figure.id!).toBe(1);
        expect(figure.width, figure.id!).toBeGreaterThan(300);
        expect(figure.height, figure.id!).toBeGreaterThan(150);
        expect(figure.marks, figure.id!).toBeGreaterThan(5);
        expect(figure.dataMarks, `${figure.id} draws its data in a data colour`).toBeGreaterThan(0);
        expect(figure.caption.length, figure.id!).toBeGreaterThan(20);
      }
      // Every label of every chart is inside its SVG and clear of every other label (tick labels, axis names,
      // percentile and SLO labels), as laid out by the browser.
      const overlaps = await page.$$eval('figure[data-chart]', (elements) =>
        elements.flatMap((figure) => {
          const svg = figure.querySelector('svg')!;
          const frame = svg.getBoundingClientRect();
          const boxes = [...svg.querySelectorAll('text')]
            .filter((t) => (t.textContent ?? '').trim() !== '' && t.getAttribute('opacity') !== '0')
            .map((t) => ({ text: t.textContent!, box: t.getBoundingClientRect() }));
          const found: string[] = [];
          const slack = 1;
          for (const { text, box } of boxes) {
            if (box.left < frame.left - slack || box.right > frame.right + slack || box.top < frame.top - slack || box.bottom > frame.bottom + slack) {
              found.push(`${figure.getAttribute('data-chart')}: '${text}' outside the chart`);
            }
          }
          for (let i = 0; i < boxes.length; i++) {
            for (let j = i + 1; j < boxes.length; j++) {
              const a = boxes[i].box;
              const b = boxes[j].box;
              const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
              const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
              if (x > slack && y > slack) found.push(`${figure.getAttribute('data-chart')}: '${boxes[i].text}' overlaps '${boxes[j].text}'`);
            }
          }
          return found;
        }),
      );
      expect(overlaps).toEqual([]);
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}-report.png`), fullPage: true });
      await context.close();
      expect(problems).toEqual([]);
    });
  }
});
