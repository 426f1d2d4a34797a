import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

async function run(args: string[]) {
  const t = createTestIo();
  const code = await main(args, t.io);
  return { code, stdout: t.stdout, stderr: t.stderr, written: t.written };
}

// Llama-3.1-8B on 2 H100s: 2xTP1, 1xTP2 and 1P1D, each with two max_num_seqs values.
const search = [
  'search', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-devices', '2', '--max-num-seqs', '64,256', '--max-num-batched-tokens', '8192',
  '--goodput', 'ttft:400', 'tpot:25', '--num-requests', '400', '--input-len', 'uniform:512:3072', '--output-len', 'uniform:64:384', '--seed', '4',
];

describe('llm-sim search', () => {
  it('gives the same --json on worker threads as in-process, and shards merge into it byte for byte', async () => {
    const serial = await run([...search, '--jobs', '1', '--json']);
    expect(serial.code, serial.stderr).toBe(0);
    const parallel = await run([...search, '--jobs', '2', '--json']);
    expect(parallel.code, parallel.stderr).toBe(0);
    expect(parallel.stdout).toBe(serial.stdout);

    const report = JSON.parse(serial.stdout);
    expect(report.points).toHaveLength(6);
    expect(report.pareto.length).toBeGreaterThan(0);
    expect(report.points[0].vllm_serve[0]).toMatch(/^vllm serve meta-llama\/Llama-3.1-8B --tensor-parallel-size \d/);

    const dir = await mkdtemp(join(tmpdir(), 'llm-sim-shards-'));
    for (const k of [1, 2, 3]) {
      const shard = await run([...search, '--jobs', '1', '--shard', `${k}/3`, '-o', `shard-${k}.json`, '--quiet']);
      expect(shard.code, shard.stderr).toBe(0);
      expect(shard.stdout).toContain(`(shard ${k}/3)`);
      await writeFile(join(dir, `shard-${k}.json`), shard.written.get(`shard-${k}.json`)!);
    }
    const merged = await run(['search', 'merge', dir, '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toBe(serial.stdout);
    const table = await run(['search', 'merge', dir, '--report', 'search.html']);
    expect(table.stdout).toContain('vLLM command lines of the top deployments:');
    expect(table.written.get('search.html')).toContain('data-chart="pareto"');
  });

  it('counts layouts that do not fit in one line', async () => {
    const r = await run(['search', '--model', 'llama-3.1-70b', '--xpu', 'h100', '--num-devices', '1,2', '--max-num-seqs', '256', '--max-num-batched-tokens', '8192', '--max-model-len', '4096', '--no-disaggregated', '--goodput', 'ttft:2000', 'tpot:100', '--num-requests', '200', '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    // 70B in bf16 (141 GB) fits no single H100: 1xTP1 and 2xTP1 are skipped, 1xTP2 runs.
    expect(r.stdout).toContain('2 layouts skipped: do not fit in memory');
    expect(r.stdout).toContain('1xTP2 h100-sxm bf16');
    expect(r.stdout).not.toMatch(/^skipped /m);
  });

  it("takes vLLM bench's traffic flags and writes the engine flags the search assumed", async () => {
    const r = await run([
      'search', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-devices', '1', '--max-num-seqs', '256', '--max-num-batched-tokens', '8192',
      '--goodput', 'ttft:400', 'tpot:25', '--num-prompts', '300', '--prefix-len', '512', '--num-prefixes', '4', '--input-len', '256', '--output-len', '64',
      '--no-enable-prefix-caching', '--jobs', '1', '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.search.workload).toMatchObject({ num_requests: 300, prefix_len: 512, num_prefixes: 4 });
    expect(report.points[0].vllm_serve[0]).toContain('--no-enable-prefix-caching');
    const sweep = await run(['search', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-devices', '1', '--goodput', 'ttft:400', '--max-concurrency', '4,8']);
    expect(sweep.code).toBe(2);
    expect(sweep.stderr).toContain('search bisects the request rate itself');
  });

  it('searches on a shipped dataset by name: a trace dataset gives its lengths, drawn at each rate tried', async () => {
    const r = await run([
      'search', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-devices', '1', '--max-num-seqs', '256', '--max-num-batched-tokens', '8192',
      '--goodput', 'ttft:1000', '--num-prompts', '200', '--dataset', 'azure-code-2023', '--jobs', '1', '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.search.workload).toMatchObject({ dataset: 'azure-code-2023', trace_sample: true, num_requests: 200 });
    expect(report.points[0].max_request_rate).toBeGreaterThan(0);
  });

  it('refuses bad flags with one line naming the flag', async () => {
    const noSlo = await run(['search', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-devices', '2']);
    expect(noSlo.code).toBe(2);
    expect(noSlo.stderr).toContain('search needs SLOs: --goodput ttft:MS tpot:MS');
    const badShard = await run([...search, '--shard', '4/3']);
    expect(badShard.code).toBe(2);
    expect(badShard.stderr).toContain("--shard must be K/N with 1 <= K <= N (e.g. 2/8), got '4/3'");
    const badPrice = await run([...search, '--price', 'h100=free']);
    expect(badPrice.stderr).toContain("--price takes XPU=PRICE per device-hour (e.g. h100=2.5), got 'h100=free'");
    const emptyMerge = await run(['search', 'merge', tmpdir() + '/does-not-exist']);
    expect(emptyMerge.code).toBe(2);
    expect(emptyMerge.stderr).toContain('cannot read shard folder');
  });
});
