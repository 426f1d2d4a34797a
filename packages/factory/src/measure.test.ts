import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeBenchmarkFs } from '@llm-sim/benchmark';
import { formatFitReport } from '@llm-sim/calibration';
import { afterEach, describe, expect, it } from 'vitest';
import { calibrateFromFiles } from './calibrate.ts';
import { measureEndpoint } from './measure.ts';
import { startEmulator, type RunningEmulator } from './serve.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');
let emulator: RunningEmulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('measure a server, calibrate, predict: the loop closed over real HTTP', () => {
  it("recovers the emulator's own roofline figures from a sparse experiment run against `llm-sim serve`", async () => {
    // A slow device keeps steps at tens of milliseconds, far above timer jitter on a shared machine.
    emulator = await startEmulator({ model: 'llama-2-7b', xpu: 'gb10', port: 0, readTextFile });
    dir = mkdtempSync(join(tmpdir(), 'llm-sim-measure-'));
    const output = join(dir, 'raw.jsonl');
    const fs = createNodeBenchmarkFs();
    const result = await measureEndpoint({
      endpoint: emulator.url,
      model: 'llama-2-7b',
      xpu: 'gb10',
      sparse: true,
      grid: { batchSizes: [1, 4, 16], inputLens: [128, 1024, 4096], outputLens: [12], repeats: 1, warmup: 0 },
      output,
      seed: 1,
      fs,
    });
    expect(result.failures.map((f) => f.message)).toEqual([]);
    expect(result.points.length).toBeGreaterThanOrEqual(4);
    // Every point is on disk already.
    expect((await readFile(output, 'utf8')).trim().split('\n')).toHaveLength(result.points.length);

    const { parameters, fit } = await calibrateFromFiles({ model: 'llama-2-7b', xpu: 'gb10', files: [output], fs, createdAt: '2026-11-24T00:00:00Z' });
    const report = formatFitReport(fit);
    // The emulator prices steps with gb10's spec sheet: 125 TFLOP/s bf16, 273 GB/s, no overhead.
    expect(parameters.decode.effective_bandwidth_gbps / 273, report).toBeGreaterThan(0.95);
    expect(parameters.decode.effective_bandwidth_gbps / 273, report).toBeLessThanOrEqual(1);
    expect(parameters.prefill.effective_tflops / 125, report).toBeGreaterThan(0.9);
    expect(parameters.prefill.effective_tflops / 125, report).toBeLessThanOrEqual(1);
    expect(parameters.fit.decode_mape, report).toBeLessThan(0.05);
    // A batch sent at once to an idle server starts with a step of the first prompt alone (as on vLLM: the
    // engine does not wait for the others), so a small batch's prefill can take two steps: the robust fit
    // down-weights it; every other point is within a few percent.
    const prefill = fit.prefill!.points;
    const stray = prefill.filter((p) => Math.abs(p.relativeError) > 0.1);
    expect(stray.length, report).toBeLessThanOrEqual(1);
    for (const p of prefill.filter((q) => !stray.includes(q))) expect(Math.abs(p.relativeError), report).toBeLessThan(0.05);
  }, 120_000);
});
