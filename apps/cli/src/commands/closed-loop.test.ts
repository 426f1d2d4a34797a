import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

async function run(args: string[], threads = 1) {
  const t = createTestIo({ threads });
  const code = await main(args, t.io);
  return { code, stdout: t.stdout, stderr: t.stderr, written: t.written };
}

const base = ['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100'];

describe('vLLM bench flags on llm-sim simulate', () => {
  it("takes vLLM's names (--num-prompts, --random-input-len, --random-output-len, --tensor-parallel-size) and prints the traffic above the table", async () => {
    const r = await run([...base, '--num-prompts', '64', '--random-input-len', '256', '--random-output-len', '32', '--tensor-parallel-size', '2', '--max-concurrency', '8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('tp=2');
    expect(r.stdout).toMatch(/Traffic request rate: inf\nBurstiness factor: 1\.0 \(Poisson process\)\nMaximum request concurrency: 8\n=+ Serving Benchmark Result/);
    expect(r.stdout).toMatch(/Successful requests:\s+64/);
    expect(r.stdout).toMatch(/Total input tokens:\s+16384/);
  });

  it('--random-range-ratio spreads the lengths as vLLM does, within [L(1-r), L(1+r)]', async () => {
    const r = await run([...base, '--num-prompts', '200', '--random-input-len', '1000', '--random-output-len', '100', '--random-range-ratio', '0.5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.total_input_tokens).not.toBe(200 * 1000);
    expect(s.total_input_tokens / 200).toBeGreaterThan(900);
    expect(s.total_input_tokens / 200).toBeLessThan(1100);
  });

  it('writes the --save-result file under vLLM\'s default name in --result-dir, and --save-detailed adds the per-request arrays', async () => {
    const r = await run([
      ...base, '--num-prompts', '40', '--request-rate', '8', '--max-concurrency', '4', '--save-result', '--save-detailed', '--result-dir', 'results',
      '--metric-percentiles', '50,99', '--percentile-metrics', 'ttft,tpot,e2el', '--label', 'h100-run', '--metadata', 'gpu=H100', 'note=sim',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const file = [...r.written.keys()].find((k) => k.startsWith('results/'));
    expect(file, [...r.written.keys()].join(', ')).toMatch(/^results\/h100-run-8\.0qps-concurrency4-llama-3\.1-8b-\d{8}-\d{6}\.json$/);
    const json = JSON.parse(r.written.get(file!)!);
    expect(json).toMatchObject({ label: 'h100-run', request_rate: 8, max_concurrency: 4, completed: 40, gpu: 'H100', note: 'sim' });
    expect(json).toHaveProperty('p50_e2el_ms');
    expect(json).not.toHaveProperty('p99_itl_ms');
    expect(json.ttfts).toHaveLength(40);
    expect(json.itls).toHaveLength(40);
    expect(json.itls.every((gaps: number[], i: number) => gaps.length === json.output_lens[i] - 1)).toBe(true);
    expect(json.start_times).toHaveLength(40);
    // The file replays as a trace: the same requests at the times they were sent.
    const t = createTestIo({ threads: 1 });
    t.written.set(file!, r.written.get(file!)!);
    expect(await main([...base, '--trace', file!, '--json'], t.io), t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ completed: 40, total_input_tokens: json.total_input_tokens });
  });

  it('refuses result-file flags without --save-result, naming the flag', async () => {
    const r = await run([...base, '--num-prompts', '10', '--result-dir', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--result-dir takes effect only with --save-result');
  });

  it('refuses a bad concurrency, naming the flag', async () => {
    const r = await run([...base, '--max-concurrency', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-concurrency must be a positive integer');
  });
});

describe('sweeps', () => {
  const sweep = [...base, '--num-prompts', '150', '--input-len', 'uniform:100:1500', '--output-len', 'uniform:20:200'];

  it('runs one simulation per concurrency, one row each; --json prints an array; threads give the serial results', async () => {
    const serial = await run([...sweep, '--max-concurrency', '1,4,16', '--json'], 1);
    expect(serial.code, serial.stderr).toBe(0);
    const rows = JSON.parse(serial.stdout);
    expect(rows.map((x: { max_concurrency: number }) => x.max_concurrency)).toEqual([1, 4, 16]);
    expect(rows.every((x: { completed: number }) => x.completed === 150)).toBe(true);
    // More concurrency: more throughput per device, less per user.
    expect(rows[2].output_throughput_per_device).toBeGreaterThan(rows[0].output_throughput_per_device);
    expect(rows[2].output_throughput_per_user).toBeLessThan(rows[0].output_throughput_per_user);
    // The threads run the built worker (pnpm test builds first); without it the sweep would run serially.
    expect(existsSync(fileURLToPath(new URL('../../dist/sweep-worker.js', import.meta.url)))).toBe(true);
    const threaded = await run([...sweep, '--max-concurrency', '1,4,16', '--json'], 3);
    expect(threaded.code, threaded.stderr).toBe(0);
    expect(JSON.parse(threaded.stdout)).toEqual(rows);
  });

  it('sweeps request rates into a table, appends the result files one per line, and draws the sweep report', async () => {
    const r = await run([...sweep, '--request-rate', '2,8,inf', '--save-result', '--result-filename', 'all.jsonl', '--report', 'sweep.html'], 2);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^\s+(2|8|inf)\s+-\s+150\s/.test(l))).toHaveLength(3);
    const results = r.written.get('all.jsonl')!.trim().split('\n').map((l) => JSON.parse(l));
    expect(results.map((x) => x.request_rate)).toEqual([2, 8, 'inf']);
    const html = r.written.get('sweep.html')!;
    for (const id of ['ttft-vs-load', 'tpot-vs-load', 'e2el-vs-load', 'throughput-per-device-vs-per-user']) expect(html).toContain(`data-chart="${id}"`);
  });
});

describe('prefix caching flags', () => {
  it('--prefix-len/--num-prefixes share system prompts; --no-enable-prefix-caching turns the cache off', async () => {
    const args = [...base, '--num-prompts', '100', '--request-rate', '5', '--prefix-len', '1024', '--num-prefixes', '2', '--input-len', '128', '--output-len', '32'];
    const on = await run(args);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/Prefix cache hit rate \(%\):\s+\d+\.\d+/);
    const json = JSON.parse((await run([...args, '--json'])).stdout);
    expect(json.prefix_cache_hit_rate).toBeCloseTo((98 * 1024) / (100 * 1152), 12);
    const off = JSON.parse((await run([...args, '--no-enable-prefix-caching', '--json'])).stdout);
    expect(off.prefix_cache_hit_rate).toBe(0);
    expect(off.mean_ttft_ms).toBeGreaterThan(json.mean_ttft_ms);
  });
});

describe('--speculative-config', () => {
  it("takes vLLM's JSON with an acceptance rate and reports the acceptance length and the speed-up", async () => {
    const args = [...base, '--num-prompts', '32', '--max-concurrency', '8', '--input-len', '512', '--output-len', '128'];
    const r = await run([...args, '--speculative-config', '{"method": "ngram", "num_speculative_tokens": 3, "acceptance_rate": 0.7, "prompt_lookup_max": 4}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/speculative decoding \(ngram, 3 tokens\): mean acceptance length 2\.\d\d, TPOT speed-up \d\.\d\dx/);
    const bad = await run([...args, '--speculative-config', '{"method": "ngram", "num_speculative_tokens": 3}']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^llm-sim: --speculative-config: acceptance_rate: /);
    const broken = await run([...args, '--speculative-config', '{method: ngram}']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('--speculative-config must be a JSON object');
  });
});

describe('traces', () => {
  const trace = fileURLToPath(new URL('../../../../benchmark_data/traces/azure2023_conv_trace_vidur.csv', import.meta.url));
  const mooncake = fileURLToPath(new URL('../../../../packages/simulator/src/__fixtures__/mooncake-conversation-head.jsonl', import.meta.url));

  it('--trace with --num-requests replays the first N requests; --trace-scale stretches their arrivals', async () => {
    const r = JSON.parse((await run([...base, '--trace', trace, '--num-requests', '300', '--json'])).stdout);
    expect(r.completed + r.failed).toBe(300);
    const slow = JSON.parse((await run([...base, '--trace', trace, '--num-requests', '300', '--trace-scale', '2', '--json'])).stdout);
    expect(slow.duration).toBeGreaterThan(r.duration * 1.8);
  });

  it('replays a Mooncake trace, its shared blocks found in the prefix cache', async () => {
    const r = await run([...base, '--trace', mooncake, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.completed).toBe(16);
    expect(s.prefix_cache_hit_rate).toBeGreaterThan(0);
  });
});
