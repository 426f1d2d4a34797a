import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

const raw = (path: string) => fileURLToPath(new URL(`../../../../benchmark_data/raw/${path}`, import.meta.url));
const llmD = raw('vllm-bench-serve-llm-d-l40s/results.json');
const sweep = raw('vllm-bench-sweep-rtx3090/summary.json');
const latency = raw('vllm-bench-latency-mi300x/Llama-3.1-8B_latency_bs8_in128_out128_float16_mem0.9_20250807_191332.json');

describe('llm-sim benchmark import and calibrate --from on real result files', () => {
  it('imports a run without --max-concurrency with the model and GPU it records, warning about the estimated concurrency', async () => {
    const t = createTestIo();
    expect(await main(['benchmark', 'import', llmD, '--json'], t.io), t.stderr).toBe(0);
    const points = t.stdout.trim().split('\n').map((l) => JSON.parse(l) as { xpu: string; model: string; batchSize: number });
    expect(points).toHaveLength(18);
    expect(points.every((p) => p.xpu === 'l40s' && p.model === 'meta-llama/Llama-3.2-3B-Instruct')).toBe(true);
    expect(t.stderr).toMatch(/warning: .*results\.json:1: no --max-concurrency recorded .*Little's law.*: batch 8/);
  });

  it('refuses to calibrate that file as another model on another xpu (exit 2)', async () => {
    const t = createTestIo();
    const code = await main(['calibrate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--from', llmD], t.io);
    expect(code).toBe(2);
    expect(t.stderr).toContain('the file records model meta-llama/Llama-3.2-3B-Instruct, but --model says llama-3.1-8b');
  });

  it('names only flags benchmark import has when a latency result lacks its run settings, and takes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-sim-import-'));
    const bare = join(dir, 'latency.json');
    copyFileSync(latency, bare);
    const t = createTestIo();
    expect(await main(['benchmark', 'import', bare, '--model', 'llama-3.1-8b', '--xpu', 'mi300x'], t.io)).toBe(2);
    expect(t.stderr).toContain('(or pass --batch-size to benchmark import)');
    const ok = createTestIo();
    const args = ['benchmark', 'import', bare, '--model', 'llama-3-8b', '--xpu', 'amd-mi300x', '--tp', '1', '--pp', '1', '--batch-size', '8', '--input-len', '128', '--output-len', '128', '--json'];
    expect(await main(args, ok.io), ok.stderr).toBe(0);
    const points = ok.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(points).toHaveLength(10);
    expect(points[0]).toMatchObject({ model: 'llama-3.1-8b', xpu: 'mi300x', tp: 1, pp: 1, batchSize: 8, phase: 'mixed' });
  });

  it('recognises a vllm bench sweep summary.json', async () => {
    const t = createTestIo();
    expect(await main(['benchmark', 'import', sweep, '--xpu', 'geforce-rtx-3090', '--json'], t.io), t.stderr).toBe(0);
    expect(t.stdout.trim().split('\n')).toHaveLength(4);
  });
});
