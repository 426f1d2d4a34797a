import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrivalForRate, generateRequests, parseAzureTraceCsv, parseTraceCsv, sampleRequestsFrom } from './workload.ts';

const dataDir = path.resolve(new URL('.', import.meta.url).pathname, '../../../../shared/data');

function gaps(arrivals: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < arrivals.length; i++) out.push(arrivals[i] - arrivals[i - 1]);
  return out;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return mean(xs.map((x) => (x - m) ** 2));
};

describe('generateRequests', () => {
  const lengths = { inputLength: { kind: 'fixed' as const, value: 10 }, outputLength: { kind: 'fixed' as const, value: 10 } };

  it('draws Poisson arrivals: exponential gaps with mean and std 1/rate', () => {
    const g = gaps(generateRequests({ numRequests: 50_000, arrival: { kind: 'poisson', rate: 4 }, ...lengths }, 1).arrivalSeconds);
    expect(mean(g)).toBeCloseTo(0.25, 2);
    expect(Math.sqrt(variance(g))).toBeCloseTo(0.25, 2);
  });

  it("draws gamma arrivals as vLLM's --burstiness: mean 1/rate, coefficient of variation 1/sqrt(burstiness)", () => {
    const g = gaps(
      generateRequests({ numRequests: 50_000, arrival: { kind: 'gamma', rate: 2, burstiness: 0.25 }, ...lengths }, 2).arrivalSeconds,
    );
    expect(mean(g)).toBeCloseTo(0.5, 1);
    expect(Math.sqrt(variance(g)) / mean(g)).toBeCloseTo(2, 1);
  });

  it('spaces fixed-rate arrivals exactly 1/rate apart, the first at time 0', () => {
    const a = generateRequests({ numRequests: 4, arrival: { kind: 'fixed', rate: 2 }, ...lengths }, 3).arrivalSeconds;
    expect(Array.from(a)).toEqual([0, 0.5, 1, 1.5]);
  });

  it('maps request rate inf to all-at-once and burstiness 1 to Poisson, as vLLM does', () => {
    expect(arrivalForRate(Infinity)).toEqual({ kind: 'all-at-once' });
    expect(arrivalForRate(3)).toEqual({ kind: 'poisson', rate: 3 });
    expect(arrivalForRate(3, 0.5)).toEqual({ kind: 'gamma', rate: 3, burstiness: 0.5 });
    expect(() => arrivalForRate(0)).toThrow(/request_rate/);
  });

  it('draws uniform lengths within bounds and clamps normal lengths at 1', () => {
    const set = generateRequests(
      {
        numRequests: 5000,
        arrival: { kind: 'all-at-once' },
        inputLength: { kind: 'uniform', min: 5, max: 9 },
        outputLength: { kind: 'normal', mean: 2, std: 10 },
      },
      4,
    );
    expect(Math.min(...set.inputTokens)).toBe(5);
    expect(Math.max(...set.inputTokens)).toBe(9);
    expect(Math.min(...set.outputTokens)).toBe(1);
  });

  it('is deterministic for a seed', () => {
    const w = { numRequests: 100, arrival: { kind: 'poisson' as const, rate: 1 }, inputLength: { kind: 'normal' as const, mean: 100, std: 30 }, outputLength: { kind: 'fixed' as const, value: 1 } };
    expect(generateRequests(w, 5)).toEqual(generateRequests(w, 5));
    expect(generateRequests(w, 5).arrivalSeconds).not.toEqual(generateRequests(w, 6).arrivalSeconds);
  });

  it('names the field of an invalid workload', () => {
    expect(() =>
      generateRequests({ numRequests: 0, arrival: { kind: 'all-at-once' }, ...lengths }, 1),
    ).toThrow(/numRequests/);
  });
});

describe('parseTraceCsv', () => {
  it('reads the Azure 2023 traces: 19,366 conversation and 8,819 code requests over an hour', () => {
    const conv = parseTraceCsv(readFileSync(path.join(dataDir, 'azure2023_conv_trace_vidur.csv'), 'utf8'));
    const code = parseTraceCsv(readFileSync(path.join(dataDir, 'azure2023_code_trace_vidur.csv'), 'utf8'));
    expect(conv.arrivalSeconds.length).toBe(19_366);
    expect(code.arrivalSeconds.length).toBe(8_819);
    // First rows of the conversation trace: 0.0,374,44 and 4.314579,396,109.
    expect([conv.arrivalSeconds[1], conv.inputTokens[0], conv.outputTokens[0], conv.inputTokens[1]]).toEqual([4.314579, 374, 44, 396]);
    expect(conv.arrivalSeconds[conv.arrivalSeconds.length - 1]).toBeGreaterThan(3500);
    expect(conv.arrivalSeconds[conv.arrivalSeconds.length - 1]).toBeLessThanOrEqual(3600);
  });

  it('names the line and column of a bad cell', () => {
    expect(() => parseTraceCsv('arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,5\n1,abc,5\n')).toThrow(
      /line 3: num_prefill_tokens must be a positive integer of at most 2147483647 tokens, got 'abc'/,
    );
    expect(() => parseTraceCsv('arrived_at,num_prefill_tokens\n0,10\n')).toThrow(/line 1: missing column\(s\) num_decode_tokens/);
    expect(() => parseTraceCsv('arrived_at,num_prefill_tokens,num_decode_tokens\n2,10,5\n1,10,5\n')).toThrow(/line 3: arrived_at goes back in time/);
  });

  it('refuses a token count an Int32Array cannot hold instead of wrapping it to a negative one', () => {
    expect(() => parseTraceCsv('arrived_at,num_prefill_tokens,num_decode_tokens\n0,3000000000,5\n')).toThrow(
      /line 2: num_prefill_tokens must be a positive integer of at most 2147483647 tokens, got '3000000000'/,
    );
    expect(() => generateRequests({ numRequests: 3, arrival: { kind: 'all-at-once' }, inputLength: { kind: 'fixed', value: 4294967396 }, outputLength: { kind: 'fixed', value: 1 } }, 0)).toThrow(
      /inputLength.value: must be at most 2147483647 tokens/,
    );
  });

  it('shifts arrivals to start at 0 and accepts columns in any order', () => {
    const t = parseTraceCsv('num_decode_tokens,arrived_at,num_prefill_tokens\r\n7,10.5,3\r\n8,11,4\r\n');
    expect(Array.from(t.arrivalSeconds)).toEqual([0, 0.5]);
    expect(Array.from(t.inputTokens)).toEqual([3, 4]);
    expect(Array.from(t.outputTokens)).toEqual([7, 8]);
  });
});

describe('quoted fields in traces (one CSV reading, RFC 4180, as the benchmark importers)', () => {
  it('reads quoted headers and cells, and a quoted comma or line break in another column', () => {
    const quoted = parseTraceCsv('"arrived_at","num_prefill_tokens","num_decode_tokens"\n"0.5","10","5"\n"1.5","20","6"\n');
    expect(Array.from(quoted.inputTokens)).toEqual([10, 20]);
    const noted = parseTraceCsv('arrived_at,note,num_prefill_tokens,num_decode_tokens\n0,"hello, world",10,5\n1,"say ""hi""\nthen go",20,6\n');
    expect(Array.from(noted.inputTokens)).toEqual([10, 20]);
    expect(Array.from(noted.outputTokens)).toEqual([5, 6]);
  });

  it('names the line of a bad cell after a quoted line break, and of an unterminated quote', () => {
    expect(() => parseTraceCsv('arrived_at,note,num_prefill_tokens,num_decode_tokens\n0,"two\nlines",10,5\n1,x,abc,5\n')).toThrow(
      /line 4: num_prefill_tokens must be a positive integer/,
    );
    expect(() => parseTraceCsv('arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,5\n"1,20,6\n')).toThrow(/trace: line 3: quoted field unterminated/);
  });

  it('reads the raw Azure CSV with a quoted TIMESTAMP', () => {
    const t = parseAzureTraceCsv('TIMESTAMP,ContextTokens,GeneratedTokens\n"2023-11-16 18:15:46.6805900",374,44\n"2023-11-16 18:15:50.9951690",396,109\n');
    expect(t.arrivalSeconds[1]).toBeCloseTo(4.314579, 6);
    expect(Array.from(t.inputTokens)).toEqual([374, 396]);
  });
});

describe('sampleRequestsFrom', () => {
  it('draws lengths only from the observed pairs', () => {
    const observed = { inputTokens: Int32Array.from([10, 20]), outputTokens: Int32Array.from([1, 2]) };
    const set = sampleRequestsFrom(observed, 1000, { kind: 'poisson', rate: 10 }, 9);
    for (let i = 0; i < 1000; i++) expect(set.outputTokens[i]).toBe(set.inputTokens[i] / 10);
    expect(new Set(set.inputTokens).size).toBe(2);
  });
});
