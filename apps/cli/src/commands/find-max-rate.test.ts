import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

async function run(args: string[]) {
  const t = createTestIo();
  const code = await main(args, t.io);
  return { code, stdout: t.stdout, stderr: t.stderr };
}

const workload = ['--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '2000', '--input-len', '1024', '--output-len', '128', '--seed', '2'];

describe('llm-sim simulate --find-max-rate', () => {
  it('prints the highest rate meeting the SLOs; simulate at that rate agrees', async () => {
    const found = await run(['simulate', ...workload, '--goodput', 'ttft:400', 'tpot:30', '--slo-percentile', '90', '--find-max-rate', '--json']);
    expect(found.code, found.stderr).toBe(0);
    const result = JSON.parse(found.stdout);
    expect(result.max_request_rate).toBeGreaterThan(0);
    expect(result.slo_percentile).toBe(90);
    expect(result.probes.at(-1)).toHaveProperty('meets_slo');
    const again = await run(['simulate', ...workload, '--goodput', 'ttft:400', 'tpot:30', '--request-rate', String(result.max_request_rate), '--json']);
    const s = JSON.parse(again.stdout);
    expect(s.request_goodput).toBe(result.request_goodput);
    expect(s.p99_ttft_ms).toBe(result.p99_ttft_ms);
    const text = await run(['simulate', ...workload, '--goodput', 'ttft:400', 'tpot:30', '--find-max-rate']);
    expect(text.stdout).toContain(`max request rate meeting ttft <= 400 ms, tpot <= 30 ms for 90% of requests: ${result.max_request_rate.toFixed(3)} req/s`);
  });

  it('needs SLOs and a percentile in range', async () => {
    const noSlo = await run(['simulate', ...workload, '--find-max-rate']);
    expect(noSlo.code).toBe(2);
    expect(noSlo.stderr).toContain('--find-max-rate needs SLOs');
    const badPercentile = await run(['simulate', ...workload, '--goodput', 'ttft:400', '--find-max-rate', '--slo-percentile', '120']);
    expect(badPercentile.code).toBe(2);
    expect(badPercentile.stderr).toContain('--slo-percentile must be in (0, 100]');
  });
});
