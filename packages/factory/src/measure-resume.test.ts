import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeBenchmarkFs } from '@llm-sim/benchmark';
import { afterEach, describe, expect, it } from 'vitest';
import { measureEndpoint, type MeasureRequest } from './measure.ts';
import { startEmulator, type RunningEmulator } from './serve.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');
let emulator: RunningEmulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('--resume checks that the file and the server are the same deployment', () => {
  it('refuses another model, another tp, or a server serving another model; resumes the same one', async () => {
    emulator = await startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port: 0, readTextFile });
    dir = mkdtempSync(join(tmpdir(), 'llm-sim-resume-'));
    const output = join(dir, 'raw.jsonl');
    const request = (extra: Partial<MeasureRequest> = {}): MeasureRequest => ({
      endpoint: emulator!.url,
      model: 'llama-3.1-8b',
      xpu: 'h100',
      grid: { batchSizes: [1], inputLens: [64], outputLens: [12], repeats: 1, warmup: 0 },
      output,
      seed: 1,
      fs: createNodeBenchmarkFs(),
      ...extra,
    });
    const first = await measureEndpoint(request());
    expect(first.points.length).toBeGreaterThan(0);
    expect(first.points.every((p) => p.servedModel === 'meta-llama/Llama-3.1-8B')).toBe(true);

    // The case: an 8B file resumed as 70B at tp=4 skipped the 8B points as "already measured".
    await expect(measureEndpoint(request({ model: 'llama-3.1-70b', tp: 4, resume: true }))).rejects.toThrow(
      /--resume: .*raw\.jsonl holds measurements of llama-3\.1-8b on h100-sxm at tp=1 pp=1, not llama-3\.1-70b on h100-sxm at tp=4 pp=1/,
    );
    await expect(measureEndpoint(request({ tp: 2, resume: true }))).rejects.toThrow(/at tp=1 pp=1, not llama-3\.1-8b on h100-sxm at tp=2/);

    // Same flags, but the server now serves another model under another name.
    await emulator.close();
    emulator = await startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port: 0, servedModelName: 'my-finetune', readTextFile });
    await expect(measureEndpoint(request({ resume: true }))).rejects.toThrow(
      /--resume: .*raw\.jsonl was measured on a server serving 'meta-llama\/Llama-3\.1-8B', but .* serves 'my-finetune'/,
    );

    await emulator.close();
    emulator = await startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port: 0, readTextFile });
    const resumed = await measureEndpoint(request({ resume: true }));
    // Nothing measured twice; a phase the first run could not time (tokens read together on a busy machine) is measured now.
    const phases = (await readFile(output, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { phase: string }).phase);
    expect(new Set(phases).size).toBe(phases.length);
    expect(first.failures.flatMap((f) => f.phases)).toEqual(expect.arrayContaining(resumed.points.map((p) => p.phase)));
    if (first.failures.length === 0) expect(resumed.skipped).toHaveLength(1);
  });
});
