import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

const trace = fileURLToPath(new URL('../../../../benchmark_data/traces/azure2023_conv_trace_vidur.csv', import.meta.url));

async function run(args: string[]) {
  const t = createTestIo();
  const code = await main(args, t.io);
  return { code, stdout: t.stdout, stderr: t.stderr, written: t.written };
}

describe('llm-sim simulate', () => {
  it("runs the seeds' command line (simulate is the default command) and prints a vLLM-style summary", async () => {
    const r = await run(['--model', 'llama-7b', '--xpu', 'gb10', '--num-requests', '50']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Serving Benchmark Result|Successful requests:\s+50/);
    expect(r.stdout).toMatch(/Mean TTFT \(ms\):/);
    expect(r.stdout).toMatch(/llama-2-7b on gb10/);
  });

  it("runs DeepSeek-V3 as vLLM's --data-parallel-size 8 --enable-expert-parallel: one engine group of eight ranks", async () => {
    const r = await run(['simulate', '--model', 'deepseek-ai/DeepSeek-V3', '--xpu', 'h200', '--data-parallel-size', '8', '--enable-expert-parallel', '--num-prompts', '40', '--random-input-len', '256', '--random-output-len', '8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/deepseek-v3 on h200, tp=1 pp=1 dp=8 ep=8/);
    expect(r.stdout).toMatch(/tokens over 8 data-parallel ranks, [\d,]+ blocks\) x 1 replica\(s\)/);
    expect(r.stdout).toMatch(/scheduler: max_num_seqs 8192, max_num_batched_tokens 65536/);
    expect(r.stdout).toMatch(/Successful requests:\s+40/);
  });

  it("says vLLM's per-device scheduler defaults in --help and prints the limits a run used", async () => {
    const help = await run(['simulate', '--help']);
    // yargs wraps the descriptions wherever the widest flag puts the column: any whitespace may be a line break.
    expect(help.stdout).toMatch(/--max-num-seqs[\s\S]*1024\s+on\s+GPUs\s+of\s+at\s+least\s+70\s+GiB\s+other\s+than\s+A100,\s+else\s+256/);
    expect(help.stdout).toMatch(/--max-num-batched-tokens[\s\S]*8192\s+on\s+GPUs\s+of\s+at\s+least\s+70\s+GiB\s+other\s+than\s+A100,\s+else\s+2048/);
    const r = await run(['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '20']);
    expect(r.stdout).toMatch(/scheduler: max_num_seqs 1024, max_num_batched_tokens 8192, max_model_len 131072/);
  });

  it('says how the traffic was sent above the results, and what files it wrote below them', async () => {
    const r = await run(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '20', '--output-requests', 'r.jsonl', '--output-timeseries', 's.csv', '--report', 'r.html']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('workload: 20 requests of 1024 input / 128 output tokens, all sent at once (request rate inf), seed 0');
    expect(r.stdout).toMatch(/\nwrote r\.jsonl \(one row per request\)\nwrote r\.html \(HTML report\)\nwrote s\.csv \(time series\)\n$/);
    expect(r.written.get('s.csv')!.split('\n')[0]).toBe('time_s,batch_size,running_requests,waiting_requests,kv_cache_utilization,output_throughput_tok_s');
    const json = await run(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '20', '--request-rate', '4', '--report', 'r.html', '--json']);
    expect(JSON.parse(json.stdout).completed).toBe(20);
    expect(json.stderr).toBe('wrote r.html (HTML report)\n');
  });

  it("finds the trace and calibration a --config names beside the config, not in the current folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-sim-config-'));
    mkdirSync(join(dir, 'traces'));
    writeFileSync(join(dir, 'traces', 'small.csv'), 'arrived_at,num_prefill_tokens,num_decode_tokens\n0,100,5\n0.5,200,7\n');
    copyFileSync(fileURLToPath(new URL('../../../../benchmark_data/calibration/h100-sxm/kernels.json', import.meta.url)), join(dir, 'cal.json'));
    const config = { model: 'llama-3.1-8b', xpu: 'h100', workload: { trace: 'traces/small.csv' }, performance_model: { model_type: 'vllm_roofline', calibration_data_path: 'cal.json' } };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(config));
    const r = await run(['--config', join(dir, 'run.json'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ completed: 2, total_input_tokens: 300 });
    // A flag's path stays relative to the current folder.
    const flag = await run(['--config', join(dir, 'run.json'), '--trace', 'traces/small.csv', '--json']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/cannot read trace 'traces\/small\.csv'/);
  });

  it.each([['llama-4-maverick', 'h100'], ['llama-3.1-70b', 'h100'], ['llama-3.1-405b', 'l40s']])(
    "'does not fit' (%s on %s) suggests layouts that then run",
    async (model, xpu) => {
      const args = ['--model', model, '--xpu', xpu, '--performance-model', 'roofline', '--num-requests', '4', '--input-len', '64', '--output-len', '4', '--quiet'];
      const refused = await run(args);
      expect(refused.code, refused.stderr).toBe(3);
      const layouts = [...refused.stderr.matchAll(/--tp (\d+)(?: --pp (\d+))?/g)].map((m) => m.slice(1).filter(Boolean));
      expect(layouts.length, refused.stderr).toBeGreaterThan(0);
      for (const [tp, pp] of layouts) {
        const r = await run([...args, '--tp', tp, ...(pp ? ['--pp', pp] : []), '--json']);
        expect(r.code, `${refused.stderr} -> --tp ${tp} --pp ${pp ?? 1}: ${r.stderr}`).toBe(0);
      }
    },
  );

  it('prints one JSON object with the keys of a vllm bench serve result file', async () => {
    const r = await run(['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '200', '--request-rate', '10', '--input-len', '512', '--output-len', '64', '--goodput', 'ttft:200', 'tpot:20', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    for (const key of ['completed', 'duration', 'total_input_tokens', 'total_output_tokens', 'request_throughput', 'output_throughput', 'total_token_throughput', 'mean_ttft_ms', 'median_ttft_ms', 'p99_ttft_ms', 'mean_tpot_ms', 'p99_itl_ms', 'mean_e2el_ms', 'request_goodput', 'preemptions', 'kv_cache_peak_utilization']) {
      expect(s, key).toHaveProperty(key);
      expect(Number.isFinite(s[key]), key).toBe(true);
    }
    expect(s.completed).toBe(200);
    expect(s.total_input_tokens).toBe(200 * 512);
    expect(s.request_goodput).toBeLessThanOrEqual(s.request_throughput);
  });

  it('reads a JSON config with the seeds keys; flags override it', async () => {
    const t = createTestIo();
    t.written.set('cfg.json', JSON.stringify({ model: 'llama-7b', xpu: 'a100', workload: { num_requests: 30, input_len: 128, output_len: 16 }, performance_model: { model_type: 'roofline' } }));
    expect(await main(['simulate', '--config', 'cfg.json', '--num-requests', '40', '--json'], t.io)).toBe(0);
    const s = JSON.parse(t.stdout);
    expect(s.completed).toBe(40);
    expect(s.total_input_tokens).toBe(40 * 128);
    expect(s.xpu).toBe('a100-80gb');
  });

  it('replays the Azure conversation trace and writes one row per request', async () => {
    const r = await run(['simulate', '--model', 'llama-2-7b', '--xpu', 'h100', '--num-replicas', '2', '--trace', trace, '--output-requests', 'out.csv', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.completed + s.failed).toBe(19_366);
    const csv = r.written.get('out.csv')!;
    expect(csv.trim().split('\n')).toHaveLength(19_367);
  });

  it("runs a shipped dataset by name (vLLM's --dataset-name), and replays a shipped trace's first --num-prompts", async () => {
    const r = await run(['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--dataset-name', 'sharegpt', '--num-prompts', '200', '--request-rate', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('workload: 200 requests of lengths drawn from dataset sharegpt, 5 req/s, Poisson arrivals, seed 0');
    expect(r.stdout).toMatch(/Successful requests:\s+200/);
    const t = await run(['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--dataset', 'azure-conv-2023', '--num-requests', '300', '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout).num_prompts).toBe(300);
  });

  it('simulates multi-turn conversations whose later turns hit the prefix cache', async () => {
    const args = ['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--multi-turn-turns', '4', '--num-conversations', '8', '--input-len', '200', '--output-len', '50', '--max-concurrency', '2'];
    const r = await run(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('workload: 8 conversations of 4 turns (each prompt holds the history; 200-token questions, 50-token answers), starts all sent at once (request rate inf), seed 0');
    const s = JSON.parse((await run([...args, '--json'])).stdout);
    expect(s.completed).toBe(32);
    // Turn k (1..4) has 250k - 50 prompt tokens; turns 2..4 find all but the partial block of the history cached.
    expect(s.total_input_tokens).toBe(8 * (200 + 450 + 700 + 950));
    expect(s.prefix_cache_hit_rate).toBeGreaterThan(0.5);
    const off = JSON.parse((await run([...args, '--no-enable-prefix-caching', '--json'])).stdout);
    expect(off.prefix_cache_hit_rate).toBe(0);
    expect(off.mean_ttft_ms).toBeGreaterThan(s.mean_ttft_ms);
  });

  it.each([
    [['--multi-turn-turns', '3', '--dataset', 'arxiv'], /^llm-sim: --multi-turn-turns 3: multi-turn conversations are synthetic: drop the trace or dataset/],
    [['--dataset', 'sharegtp'], /^llm-sim: --dataset sharegtp: .*sharegpt/],
    [['--request-rate', '-3'], /--request-rate must be a positive number of requests per second or inf, got '-3'/],
    [['--input-len', 'lots'], /--input-len must be N, fixed:N, uniform:MIN:MAX or normal:MEAN:STD, got 'lots'/],
    [['--trace', 'no-such-trace.csv'], /cannot read trace 'no-such-trace.csv'/],
    [['--gpu-memory-utilization', '1.5'], /--gpu-memory-utilization 1\.5: Too big/],
  ])('refuses bad input %s with one line and exit 2', async (flags, message) => {
    const r = await run(['simulate', '--model', 'llama-7b', '--xpu', 'h100', '--num-requests', '5', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('refuses a mistyped flag before simulating anything', async () => {
    const r = await run(['--model', 'llama-7b', '--xpu', 'h100', '--request-rat', '5']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown option --request-rat (did you mean --request-rate?)");
  });

  it('refuses a configuration that does not fit with exit 3', async () => {
    const r = await run(['simulate', '--model', 'llama-3.1-70b', '--xpu', 'l40s', '--num-requests', '5']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/llama-3.1-70b does not fit on l40s/);
  });

  it('reports requests longer than the context as failed, never lost', async () => {
    const r = await run(['simulate', '--model', 'llama-7b', '--xpu', 'h100', '--num-requests', '20', '--input-len', 'uniform:100:6000', '--output-len', '100', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.failed).toBeGreaterThan(0);
    expect(s.completed + s.failed).toBe(20);
  });
});

describe('llm-sim simulate --cluster disaggregated', () => {
  it('adds the KV transfer time at low load and reports it, per-pool utilisation included', async () => {
    const common = ['simulate', '--model', 'llama-3.1-70b', '--xpu', 'h100', '--tp', '4', '--num-requests', '20', '--request-rate', '0.2', '--input-len', '2000', '--output-len', '50', '--json'];
    const agg = await run(common);
    const dis = await run([...common, '--cluster', 'disaggregated', '--prefill-instances', '1', '--decode-instances', '1', '--kv-transfer-gbit-per-s', '100', '--kv-transfer-latency-ms', '1']);
    // The flag's old name still works, with the same meaning (gigabits per second).
    const old = await run([...common, '--cluster', 'disaggregated', '--prefill-instances', '1', '--decode-instances', '1', '--kv-transfer-bandwidth-gbps', '100', '--kv-transfer-latency-ms', '1']);
    expect(JSON.parse(old.stdout).mean_kv_transfer_ms).toBe(JSON.parse(dis.stdout).mean_kv_transfer_ms);
    expect(agg.code, agg.stderr).toBe(0);
    expect(dis.code, dis.stderr).toBe(0);
    const a = JSON.parse(agg.stdout);
    const d = JSON.parse(dis.stdout);
    // 2000 prompt tokens x 327,680 bytes of KV over 100 Gb/s (12.5 GB/s), plus 1 ms.
    // Each of the four TP ranks moves its shard over its own 100 Gb/s link.
    const transferMs = (2000 * 327_680) / (4 * 12.5e9) * 1000 + 1;
    expect(d.mean_kv_transfer_ms).toBeCloseTo(transferMs, 1);
    // The client's first token comes from the decode side, after the transfer.
    expect(d.mean_ttft_ms - a.mean_ttft_ms).toBeGreaterThan(transferMs);
    expect(d.completed).toBe(20);
    expect(d.prefill_utilization).toBeGreaterThan(0);
    expect(d.decode_utilization).toBeGreaterThan(0);
  });
});
