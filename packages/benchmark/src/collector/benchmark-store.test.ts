import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSplitwiseCsv } from '../importers/splitwise-csv.ts';
import { fixturePath, readSharedData } from '../test-support/shared-data.ts';
import { benchmarkDataPaths } from './benchmark-data-paths.ts';
import {
  appendBenchmarkPoint,
  importBenchmarkFileFromFs,
  processRawBenchmark,
  readBenchmarkPoints,
  readProcessedData,
} from './benchmark-store.ts';
import { createNodeBenchmarkFs } from './node-benchmark-fs.ts';

const fs = createNodeBenchmarkFs();
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-sim-benchmark-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const splitwise = importSplitwiseCsv(readSharedData('splitwise_perf_model.csv'), 'splitwise_perf_model.csv').filter(
  (p) => p.xpu === 'h100-sxm' && p.model === 'llama-2-70b' && p.tp === 4,
);

describe('collector on disk', () => {
  it('appends points line by line and reads them back', async () => {
    const paths = benchmarkDataPaths({ root, xpu: 'h100-sxm', model: 'llama-2-70b' });
    for (const p of splitwise) await appendBenchmarkPoint(fs, paths.rawFile('splitwise'), p);
    expect(await readBenchmarkPoints(fs, paths.rawFile('splitwise'))).toEqual(splitwise);
  });

  it('starts a new line after a cut-off append, so the damage stays on one line', async () => {
    const file = join(root, 'cut.jsonl');
    await writeFile(file, '{"phase":"dec');
    await appendBenchmarkPoint(fs, file, splitwise[0]);
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[1]).toBe(JSON.stringify(splitwise[0]));
    await expect(readBenchmarkPoints(fs, file)).rejects.toThrow(/cut\.jsonl:1: not valid JSON/);
  });

  it('processes raw into aggregated data with provenance', async () => {
    const provenance = { description: 'Splitwise perf_model.csv, Llama-2-70B TP4 on DGX-H100' };
    const data = await processRawBenchmark(fs, { root, xpu: 'h100-sxm', model: 'llama-2-70b', name: 'splitwise', provenance });
    expect(data.points).toHaveLength(splitwise.length / 5);
    const paths = benchmarkDataPaths({ root, xpu: 'h100-sxm', model: 'llama-2-70b' });
    expect(await readProcessedData(fs, paths.processedFile('splitwise'))).toEqual(data);
    expect(await readProcessedData(fs, paths.processedFile('absent'))).toBeUndefined();
  });

  it('imports a latency result with its sidecar found beside it', async () => {
    const name = 'vllm-latency-mi300x-llama-3.1-8b-bs8-in128-out128';
    await copyFile(fixturePath(`${name}.json`), join(root, `${name}.json`));
    await copyFile(fixturePath(`${name}.meta.json`), join(root, `${name}.meta.json`));
    const points = await importBenchmarkFileFromFs(fs, join(root, `${name}.json`));
    expect(points).toHaveLength(10);
    expect(points[0]).toMatchObject({ batchSize: 8, xpu: 'mi300x' });
  });
});
