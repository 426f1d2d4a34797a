import { describe, expect, it } from 'vitest';
import { serializeBenchmarkJsonl } from '../benchmark-jsonl.ts';
import { BenchmarkError } from '../errors.ts';
import { readFixture, readSharedData } from '../test-support/shared-data.ts';
import { detectFormat } from './detect-format.ts';
import { importBenchmarkFile } from './import-benchmark-file.ts';

describe('format detection', () => {
  it('recognises every supported file by its content', () => {
    expect(detectFormat(readSharedData('splitwise_perf_model.csv'), 'perf_model.csv')).toBe('splitwise-csv');
    expect(detectFormat(readFixture('vllm-serve-llm-d-l40s-appended.json'), 'results.json')).toBe('vllm-serve');
    expect(detectFormat(readFixture('vllm-serve-qwen2.5-vl-3b.json'), 'r.json')).toBe('vllm-serve');
    expect(detectFormat(readFixture('vllm-latency-mi300x-llama-3.1-8b-bs8-in128-out128.json'), 'l.json')).toBe('vllm-latency');
  });

  it('recognises its own JSONL and imports it with the caller metadata applied', () => {
    const splitwise = importBenchmarkFile(readSharedData('splitwise_perf_model.csv'), 'perf_model.csv');
    const jsonl = serializeBenchmarkJsonl(splitwise.slice(0, 4));
    expect(detectFormat(jsonl, 'raw.jsonl')).toBe('benchmark-jsonl');
    const points = importBenchmarkFile(jsonl, 'raw.jsonl', { engineVersion: 'unrecorded-2023' });
    expect(points).toHaveLength(4);
    expect(points[0].engineVersion).toBe('unrecorded-2023');
  });

  it('refuses an unknown file, listing the formats it knows', () => {
    try {
      detectFormat('time,value\n1,2\n', 'other.csv');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BenchmarkError);
      expect((e as BenchmarkError).code).toBe('UNKNOWN_FORMAT');
      expect((e as BenchmarkError).message).toContain('benchmark-jsonl, vllm-serve, vllm-latency, splitwise-csv');
    }
  });
});
