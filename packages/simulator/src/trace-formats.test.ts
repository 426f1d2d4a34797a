import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import { simulate } from './simulate.ts';
import { summarizeSimulation } from './summarize-simulation.ts';
import { parseTrace, takeRequests } from './workload.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const mooncake = readFileSync(path.join(here, '__fixtures__/mooncake-conversation-head.jsonl'), 'utf8');
const vidur = readFileSync(path.join(here, '../../../../shared/data/azure2023_conv_trace_vidur.csv'), 'utf8');
const model = createConstantPerformanceModel({ stepOverheadSeconds: 0.003, prefillSecondsPerToken: 20e-6, decodeSecondsPerStep: 0.004, decodeSecondsPerSequence: 1e-5 });

describe('trace formats', () => {
  it("reads a Mooncake trace: milliseconds to seconds, one 512-token segment per hash id", () => {
    const t = parseTrace(mooncake, 'mooncake');
    expect(t.arrivalSeconds.length).toBe(16);
    expect(Array.from(t.arrivalSeconds.slice(9, 12))).toEqual([0, 3, 3]);
    expect(t.arrivalSeconds[15]).toBeCloseTo(5.999, 12);
    expect(t.inputTokens[0]).toBe(6758);
    const seg = t.promptSegments!;
    // 6758 tokens: 13 full blocks and one of 102.
    expect(Array.from(seg.tokens.subarray(seg.offsets[0], seg.offsets[1]))).toEqual([...new Array(13).fill(512), 6758 - 13 * 512]);
    expect(seg.ids[seg.offsets[1]]).toBe(0);
  });

  it('the shared first block of every Mooncake prompt is found in the prefix cache', () => {
    const t = parseTrace(mooncake, 'mooncake');
    const s = summarizeSimulation(simulate({ performanceModel: model, requests: t, kvCacheBlocksPerReplica: 20_000 }));
    // 15 of 16 prompts find block 0 (512 tokens); the first computes it.
    const total = Array.from(t.inputTokens).reduce((a, b) => a + b, 0);
    expect(s.prefix_cache_hit_rate).toBeCloseTo((15 * 512) / total, 12);
  });

  it("reads Vidur's CSV and the raw Azure CSV alike, and names the line of a bad row", () => {
    const v = parseTrace(vidur, 'vidur');
    expect(v.arrivalSeconds.length).toBe(19_366);
    const azure = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n';
    const a = parseTrace(azure, 'azure');
    expect(Array.from(a.inputTokens)).toEqual([374, 396]);
    expect(a.arrivalSeconds[1]).toBeCloseTo(50.995169 - 46.68059, 12);
    expect(() => parseTrace('{"timestamp": 0, "input_length": 600, "output_length": 5, "hash_ids": [1]}', 'bad.jsonl')).toThrow(/bad\.jsonl: line 1: hash_ids has 1 ids for 600 prompt tokens/);
    expect(() => parseTrace('a,b,c\n1,2,3', 'x.csv')).toThrow(/x\.csv: line 1: not a known trace format/);
  });

  it('replays the first N requests, with arrival times scaled', () => {
    const v = parseTrace(vidur, 'vidur');
    const head = takeRequests(v, 100, 0.5);
    expect(head.arrivalSeconds.length).toBe(100);
    expect(head.arrivalSeconds[99]).toBeCloseTo(v.arrivalSeconds[99] * 0.5, 12);
    expect(Array.from(head.inputTokens)).toEqual(Array.from(v.inputTokens.slice(0, 100)));
    const m = takeRequests(parseTrace(mooncake), 3);
    expect(m.promptSegments!.offsets.length).toBe(4);
  });

  describe('a vllm bench serve --save-detailed result', () => {
    // The keys vLLM's `benchmark()` writes per request (vllm/benchmarks/serve.py): start_times on the
    // client's perf_counter clock, output_lens 0 and an error for a failed request.
    const detailed = {
      date: '20261130-120000',
      request_rate: 'inf',
      max_concurrency: 2,
      completed: 3,
      failed: 1,
      input_lens: [512, 300, 1024, 77],
      output_lens: [128, 0, 64, 16],
      ttfts: [0.05, 0, 0.07, 0.02],
      itls: [[0.01], [], [0.02], [0.01]],
      start_times: [1000.5, 1000.5, 1000.75, 1000.6],
      errors: ['', 'Bad Request', '', ''],
    };

    it('replays the completed requests in the order sent, from the first start time, skipping the failed one', () => {
      const t = parseTrace(JSON.stringify(detailed, null, 2), 'vllm.json');
      expect(Array.from(t.inputTokens)).toEqual([512, 77, 1024]);
      expect(Array.from(t.outputTokens)).toEqual([128, 16, 64]);
      expect(t.arrivalSeconds[0]).toBe(0);
      expect(t.arrivalSeconds[1]).toBeCloseTo(0.1, 9);
      expect(t.arrivalSeconds[2]).toBeCloseTo(0.25, 9);
    });

    it('without start_times: a run at rate inf is all sent at once; one at a finite rate is refused unless only its lengths are wanted', () => {
      const { start_times: _, ...old } = detailed;
      expect(Array.from(parseTrace(JSON.stringify(old), 'old.json').arrivalSeconds)).toEqual([0, 0, 0]);
      const paced = JSON.stringify({ ...old, request_rate: 5.0 });
      expect(() => parseTrace(paced, 'paced.json')).toThrow(/paced\.json: has no start_times .* request_rate 5: replay its lengths at that rate with --trace-sample --request-rate 5/);
      expect(Array.from(parseTrace(paced, 'paced.json', { lengthsOnly: true }).inputTokens)).toEqual([512, 1024, 77]);
    });

    it('names what is missing or wrong', () => {
      const { input_lens: _i, output_lens: _o, ...summaryOnly } = detailed;
      expect(() => parseTrace(JSON.stringify(summaryOnly), 's.json')).toThrow(/s\.json: a vllm bench serve result without per-request arrays: save it with --save-detailed to replay it/);
      expect(() => parseTrace(JSON.stringify({ ...detailed, input_lens: [512, 'x', 1, 1] }), 'b.json')).toThrow(/b\.json: input_lens\[1\] must be a positive integer, got "x"/);
      expect(() => parseTrace(`${JSON.stringify(detailed)}\n${JSON.stringify(detailed)}\n`, 'a.json')).toThrow(/several vllm bench serve results \(--append-result\)/);
    });
  });
});
