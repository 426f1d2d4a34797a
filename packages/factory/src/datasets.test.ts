import { readFile } from 'node:fs/promises';
import { parseMooncakeTrace, parseTrace, percentile } from '@llm-sim/simulator';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from './config.ts';
import { DATASET_NAMES, loadDataset } from './datasets.ts';
import type { ReadTextFile } from './file-access.ts';
import { runSimulation } from './simulation.ts';
import { buildWorkloadRequests } from './workload-requests.ts';

const readTextFile: ReadTextFile = (p) => readFile(p, 'utf8');
const sorted = (a: Int32Array) => Float64Array.from(a).sort();
const mean = (a: Int32Array) => a.reduce((s, x) => s + x, 0) / a.length;
const pairs = (inputs: Int32Array, outputs: Int32Array) => new Set(Array.from(inputs, (x, i) => `${x},${outputs[i]}`));

describe('shipped datasets', () => {
  it('arXiv summarisation has the statistics Vidur publishes for it (prompt 2588 / 2730 / 3702, output 291 / 167 / 372: mean / median / P90)', async () => {
    // Vidur's dashboard (microsoft/vidur vidur/config_optimizer/analyzer/dashboard/intro_page.py), Arxiv-Summarization-4K.
    const { kind, requests } = await loadDataset('arxiv');
    expect(kind).toBe('lengths');
    expect(requests.inputTokens.length).toBe(28_257);
    expect(mean(requests.inputTokens)).toBeCloseTo(2588, -1);
    expect(percentile(sorted(requests.inputTokens), 50)).toBe(2730);
    expect(Math.abs(percentile(sorted(requests.inputTokens), 90) - 3702)).toBeLessThanOrEqual(1);
    expect(mean(requests.outputTokens)).toBeCloseTo(291, -1);
    expect(percentile(sorted(requests.outputTokens), 50)).toBe(167);
    expect(Math.abs(percentile(sorted(requests.outputTokens), 90) - 372)).toBeLessThanOrEqual(1);
    // Vidur's 4k filter: prompt + output at most 4096 tokens.
    expect(Math.max(...requests.inputTokens.map((x, i) => x + requests.outputTokens[i]))).toBeLessThanOrEqual(4096);
  });

  it('ShareGPT holds 30,731 conversations within the 8k filter', async () => {
    const { kind, requests } = await loadDataset('sharegpt');
    expect(kind).toBe('lengths');
    expect(requests.inputTokens.length).toBe(30_731);
    expect(Math.max(...requests.inputTokens.map((x, i) => x + requests.outputTokens[i]))).toBeLessThanOrEqual(8192);
    expect(percentile(sorted(requests.inputTokens), 50)).toBe(1730);
    expect(percentile(sorted(requests.outputTokens), 50)).toBe(415);
  });

  it('the Azure 2023 traces by name are exactly the shipped trace CSVs', async () => {
    for (const [name, file] of [
      ['azure-conv-2023', 'azure2023_conv_trace_vidur.csv'],
      ['azure-code-2023', 'azure2023_code_trace_vidur.csv'],
    ] as const) {
      const byName = await loadDataset(name);
      const csv = parseTrace(await readFile(new URL(`../../../benchmark_data/traces/${file}`, import.meta.url), 'utf8'));
      expect(byName.kind).toBe('trace');
      expect(byName.requests.arrivalSeconds).toEqual(csv.arrivalSeconds);
      expect(byName.requests.inputTokens).toEqual(csv.inputTokens);
      expect(byName.requests.outputTokens).toEqual(csv.outputTokens);
    }
  });

  it('the Mooncake traces by name hold every request and block hash of the FAST\'25 release files', async () => {
    // Figures computed from kvcache-ai/Mooncake FAST25-release/traces/*.jsonl when they were shipped (README).
    for (const [name, n, inputSum, outputSum, hashes, distinct, lastArrivalSeconds] of [
      ['mooncake-conversation', 12_031, 144_793_823, 4_122_048, 288_500, 182_790, 3536.999],
      ['mooncake-synthetic', 3_993, 61_194_628, 595_432, 121_877, 43_924, 1022.025],
    ] as const) {
      const { kind, requests } = await loadDataset(name);
      expect(kind).toBe('trace');
      expect(requests.inputTokens.length).toBe(n);
      expect(requests.inputTokens.reduce((s, x) => s + x, 0)).toBe(inputSum);
      expect(requests.outputTokens.reduce((s, x) => s + x, 0)).toBe(outputSum);
      expect(requests.arrivalSeconds[n - 1]).toBe(lastArrivalSeconds);
      const seg = requests.promptSegments;
      expect(seg?.ids.length).toBe(hashes);
      expect(new Set(seg?.ids).size).toBe(distinct);
    }
  });

  it('the Mooncake conversation trace by name equals the trace lines copied into the simulator fixture, block hashes included', async () => {
    // The fixture holds the trace's lines 1-11, 13-15, 17 and 27 byte for byte (its README).
    const lines = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 17, 27];
    const head = parseMooncakeTrace(await readFile(new URL('../../simulator/src/__fixtures__/mooncake-conversation-head.jsonl', import.meta.url), 'utf8'));
    const { requests } = await loadDataset('mooncake-conversation');
    const seg = requests.promptSegments;
    const hseg = head.promptSegments;
    if (!seg || !hseg) throw new Error('both carry block hashes');
    lines.forEach((line, i) => {
      const r = line - 1;
      expect([requests.arrivalSeconds[r], requests.inputTokens[r], requests.outputTokens[r]]).toEqual([head.arrivalSeconds[i], head.inputTokens[i], head.outputTokens[i]]);
      expect(seg.ids.slice(seg.offsets[r], seg.offsets[r + 1])).toEqual(hseg.ids.slice(hseg.offsets[i], hseg.offsets[i + 1]));
      expect(seg.tokens.slice(seg.offsets[r], seg.offsets[r + 1])).toEqual(hseg.tokens.slice(hseg.offsets[i], hseg.offsets[i + 1]));
    });
  });

  it('replays the Mooncake conversation trace by name with its shared prefixes hitting the prefix cache, the same each run', async () => {
    const config = parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { dataset: 'mooncake-conversation', trace_requests: 100 }, seed: 3 });
    const run = await runSimulation(config, readTextFile);
    const again = await runSimulation(config, readTextFile);
    expect(run.summary.completed).toBe(100);
    expect(run.summary.prefix_cache_hit_rate).toBeGreaterThan(0);
    expect(again.summary).toEqual(run.summary);
  });

  it('a length dataset draws num_requests of its (prompt, output) pairs at the request rate, with the seed', async () => {
    const config = (seed: number) => parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { dataset: 'sharegpt', num_requests: 2000, request_rate: 4 }, seed });
    const a = await buildWorkloadRequests(config(1), readTextFile);
    const again = await buildWorkloadRequests(config(1), readTextFile);
    const other = await buildWorkloadRequests(config(2), readTextFile);
    expect(a.inputTokens.length).toBe(2000);
    expect(again).toEqual(a);
    expect(other.inputTokens).not.toEqual(a.inputTokens);
    const { requests } = await loadDataset('sharegpt');
    const known = pairs(requests.inputTokens, requests.outputTokens);
    expect([...pairs(a.inputTokens, a.outputTokens)].every((p) => known.has(p))).toBe(true);
    // Poisson at 4 req/s: 2000 requests over about 500 s.
    expect(a.arrivalSeconds[1999] / 1999).toBeCloseTo(0.25, 1);
  });

  it('a trace dataset is replayed, its first --num-requests with arrivals scaled', async () => {
    const config = parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { dataset: 'azure-code-2023', trace_requests: 100, trace_scale: 2 } });
    const set = await buildWorkloadRequests(config, readTextFile);
    const { requests } = await loadDataset('azure-code-2023');
    expect(set.inputTokens).toEqual(requests.inputTokens.slice(0, 100));
    expect(set.arrivalSeconds[99]).toBeCloseTo(2 * requests.arrivalSeconds[99], 12);
  });

  it('runs a simulation of a dataset by name', async () => {
    const run = await runSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { dataset: 'arxiv', num_requests: 200, request_rate: 2 } }), readTextFile);
    expect(run.summary.completed).toBe(200);
    // Summaries of arXiv papers: prompts ten times the outputs.
    expect(run.summary.total_input_tokens / run.summary.total_output_tokens).toBeGreaterThan(5);
  });

  it('refuses an unknown name (listing the known ones) and a trace file given with a dataset', () => {
    expect(() => parseSimulationConfig({ model: 'm', xpu: 'x', workload: { dataset: 'sharegtp' } })).toThrow(/workload\.dataset.*sharegpt/);
    expect(() => parseSimulationConfig({ model: 'm', xpu: 'x', workload: { dataset: 'arxiv', trace: 'a.csv' } })).toThrow(/workload\.dataset: give a trace file or a dataset name, not both/);
    expect(DATASET_NAMES).toEqual(['sharegpt', 'arxiv', 'azure-conv-2023', 'azure-code-2023', 'mooncake-conversation', 'mooncake-synthetic']);
  });
});
