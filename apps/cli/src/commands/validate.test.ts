import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

const repo = (relative: string) => fileURLToPath(new URL(`../../../../${relative}`, import.meta.url));
const cases = repo('benchmark_data/validation/cases.json');
const baseline = repo('benchmark_data/validation/baseline.json');
const common = ['--cases', cases];
const all = (JSON.parse(readFileSync(cases, 'utf8')) as { cases: { split: string }[] }).cases;
const fitting = all.filter((c) => c.split === 'fitting').length;
const validation = all.length - fitting;

describe('llm-sim validate', () => {
  it('prints one JSON object with every case, keyed by performance model, and MAPE in percent', async () => {
    const t = createTestIo();
    expect(await main(['validate', ...common, '--split', 'fitting', '--json'], t.io)).toBe(0);
    const report = JSON.parse(t.stdout);
    expect(report.cases.length).toBe(fitting);
    const splitwise = report.cases.find((c: { id: string }) => c.id === 'splitwise-h100-sxm-llama-2-70b-fp16-tp4-bs1-in512-out128');
    expect(splitwise).toMatchObject({ xpu: 'h100-sxm', model: 'llama-2-70b', metric: 'batch_latency (median)', unit: 'ms' });
    expect(splitwise.measured).toBeCloseTo(3836.78, 1);
    expect(Object.keys(splitwise.predicted).sort()).toEqual(['roofline', 'vllm_roofline']);
    expect(splitwise.calibration.vllm_roofline).toMatch(/^benchmark_data\/calibration\/h100-sxm\/llama-2-70b_tp4_roofline\.json/);
    expect(Object.keys(report.mape).sort()).toEqual(['roofline', 'vllm_roofline']);
    expect(report.mape.roofline).toBeGreaterThan(report.mape.vllm_roofline);
  });

  it('prints per-case predicted, measured and signed error, then MAPE per model, xpu and metric', async () => {
    const t = createTestIo();
    expect(await main(['validate', ...common, '--split', 'fitting', '--performance-model', 'roofline'], t.io)).toBe(0);
    expect(t.stdout.startsWith(`${fitting} case(s), split fitting`)).toBe(true);
    expect(t.stdout).toMatch(/splitwise-h100-sxm-llama-2-70b-fp16-tp4-bs1-in512-out128 +h100-sxm +llama-2-70b +4 +batch_latency \(median\) +ms +3837 +\d+ +-\d+\.\d%/);
    expect(t.stdout).toMatch(new RegExp(`MAPE by performance model[\\s\\S]*roofline +\\d+\\.\\d% +${fitting} / ${fitting}`));
    expect(t.stdout).toMatch(/MAPE by xpu[\s\S]*a100-80gb[\s\S]*mi300x/);
    expect(t.stdout).toMatch(/MAPE by metric[\s\S]*batch_latency/);
  });

  it('passes against the committed baseline, and exits 6 naming the model when one regressed', async () => {
    const t = createTestIo();
    expect(await main(['validate', ...common, '--split', 'all', '--baseline', baseline, '--quiet'], t.io)).toBe(0);
    expect(t.stdout).toMatch(new RegExp(`against the baseline[\\s\\S]*roofline +${all.length} [\\s\\S]*vllm_roofline +${all.length} [\\s\\S]*ok`));
    const tampered = JSON.parse(await t.io.readTextFile(baseline));
    for (const errors of Object.values(tampered.error_pct) as Record<string, number>[]) errors.roofline = 0;
    const u = createTestIo();
    await u.io.writeTextFile('tampered.json', JSON.stringify(tampered));
    expect(await main(['validate', ...common, '--split', 'all', '--baseline', 'tampered.json', '--performance-model', 'roofline'], u.io)).toBe(6);
    expect(u.stderr).toMatch(/^llm-sim: validation regressed beyond 1 percentage point\(s\): roofline MAPE \d+\.\d% on \d+ cases, baseline 0\.0%\. If the change is intended, rewrite the baseline: llm-sim validate --split all --write-baseline/);
  });

  it('writes the baseline and the error bands it is asked for', async () => {
    const t = createTestIo();
    expect(await main(['validate', ...common, '--write-error-bands', 'bands.json', '--write-baseline', 'b.json', '--performance-model', 'roofline'], t.io)).toBe(0);
    const bands = JSON.parse(t.written.get('bands.json') as string);
    expect(bands.bands.map((b: { xpu: string; model_class: string }) => `${b.xpu} ${b.model_class}`)).toEqual([
      'a100-80gb dense',
      'gb10 dense',
      'h100-sxm dense',
      'h200 moe-mla',
      'mi300x dense',
    ]);
    expect(Object.keys(JSON.parse(t.written.get('b.json') as string).error_pct).length).toBe(validation);
  });

  it('refuses a missing validation set and error bands from the fitting split (exit 2)', async () => {
    const t = createTestIo();
    expect(await main(['validate', '--cases', 'no/such/cases.json'], t.io)).toBe(2);
    expect(t.stderr).toMatch(/^llm-sim: cannot read --cases 'no\/such\/cases.json'/);
    const u = createTestIo();
    expect(await main(['validate', ...common, '--split', 'fitting', '--write-error-bands', 'x.json'], u.io)).toBe(2);
    expect(u.stderr).toMatch(/--write-error-bands takes the validation split only/);
  });
});
