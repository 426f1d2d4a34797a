import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findModel, findXpu } from '@llm-sim/roofline';
import { describe, expect, it } from 'vitest';
import { caught } from './test-support/caught.ts';
import { readFixture } from './test-support/shared-data.ts';
import { parseValidationSet, type ValidationCase } from './validation-case.ts';

const casesPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../../benchmark_data/validation/cases.json');
const text = readFileSync(casesPath, 'utf8');
const { cases } = parseValidationSet(text, casesPath);
const splitwiseCsv = readFileSync(resolve(dirname(casesPath), '../raw/splitwise/perf_model.csv'), 'utf8');

const count = (pick: (c: ValidationCase) => string) => new Set(cases.filter((c) => c.split === 'validation').map(pick)).size;

describe('the shipped validation set', () => {
  it('covers at least 24 cases, 4 xpus and 3 models, with at most a third in the fitting split', () => {
    expect(cases.length).toBeGreaterThanOrEqual(24);
    expect(count((c) => c.hardware.xpu)).toBeGreaterThanOrEqual(4);
    expect(count((c) => c.model.name)).toBeGreaterThanOrEqual(3);
    expect(cases.filter((c) => c.split === 'fitting').length).toBeLessThanOrEqual(cases.length / 3);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s names a catalog model and xpu', (_id, c) => {
    expect(findModel(c.model.name), c.model.name).toBeDefined();
    expect(findXpu(c.hardware.xpu), c.hardware.xpu).toBeDefined();
  });

  it('uses none of the reserved sources', () => {
    const reserved = [/buildkite/i, /LLM-Inference-Bench/i, /silicon_sample/i, /mlperf|mlcommons/i, /perf-overview|perf_overview/i, /llama\.cpp/i];
    for (const c of cases) {
      for (const pattern of reserved) expect(`${c.source.url} ${c.source.title}`, c.id).not.toMatch(pattern);
    }
  });

  it('quotes the Splitwise cases as the median of their rows in the committed perf_model.csv', () => {
    const [header, ...lines] = splitwiseCsv.trim().split('\n');
    const col = header.split(',');
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [col[i], v])));
    const splitwise = cases.filter((c) => c.id.startsWith('splitwise-'));
    expect(splitwise.length).toBeGreaterThanOrEqual(5);
    for (const c of splitwise) {
      if (c.workload.kind !== 'static-batch') throw new Error(`${c.id}: expected a static batch`);
      const { batchSize, inputLen, outputLen } = c.workload;
      const hardware = c.hardware.xpu === 'h100-sxm' ? 'h100-80gb' : c.hardware.xpu;
      const times = rows
        .filter((r) => r.model === 'llama2-70b' && r.hardware === hardware && Number(r.tensor_parallel) === c.parallelism.tp)
        .filter((r) => Number(r.batch_size) === batchSize && Number(r.prompt_size) === inputLen && Number(r.token_size) === outputLen)
        .map((r) => Number(r.e2e_time))
        .sort((a, b) => a - b);
      const mid = times.length / 2;
      const median = times.length % 2 === 1 ? times[Math.floor(mid)] : (times[mid - 1] + times[mid]) / 2;
      expect(c.measured.value, c.id).toBeCloseTo(median, 6);
    }
  });

  it('quotes the MI300X Llama-3.1-8B batch-8 cases as the result files kept as fixtures', () => {
    for (const out of [128, 1024]) {
      const fixture = JSON.parse(readFixture(`vllm-latency-mi300x-llama-3.1-8b-bs8-in128-out${out}.json`)) as { avg_latency: number };
      const c = cases.find((x) => x.id === `cmontemuino-mi300x-llama-3.1-8b-fp16-tp1-bs8-in128-out${out}`);
      expect(c?.measured).toEqual({ value: fixture.avg_latency, unit: 's' });
    }
  });
});

describe('parseValidationSet', () => {
  const one = JSON.parse(text).cases[0] as Record<string, unknown>;

  it('refuses an unknown key, naming the case and the key', () => {
    const error = caught(() => parseValidationSet(JSON.stringify({ cases: [{ ...one, measuredValue: 3 }] }), 'cases.json'));
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).toMatch(/cases\.0.*measuredValue/);
  });

  it('refuses burst lengths that do not add up to the totals the source reports', () => {
    const burst = cases.find((c) => c.workload.kind === 'burst' && c.workload.reportedTotals);
    const json = JSON.parse(JSON.stringify(burst)) as { workload: { requests: { outputLen: number }[] } };
    json.workload.requests[0].outputLen += 1;
    expect(caught(() => parseValidationSet(JSON.stringify({ cases: [json] }))).message).toMatch(/reportedTotals.*output tokens/);
  });

  it('refuses two cases with one id', () => {
    expect(caught(() => parseValidationSet(JSON.stringify({ cases: [one, one] }))).message).toMatch(/duplicate case id/);
  });
});
