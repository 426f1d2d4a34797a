import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { main } from './main.ts';
import { createTestIo } from './test-io.ts';

async function run(args: string[], files: Record<string, string> = {}) {
  const t = createTestIo();
  for (const [path, text] of Object.entries(files)) t.written.set(path, text);
  const code = await main(args, t.io);
  return { code, stdout: t.stdout, stderr: t.stderr };
}

describe('llm-sim command line', () => {
  it('prints its version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(packageJson.version);
  });

  it('names an unknown flag once, in the spelling typed, with the closest known flag', async () => {
    const r = await run(['serve', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--prot', '8000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option --prot (did you mean --port?)');
    const typo = await run(['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-request', '5']);
    expect(typo.stderr).toContain('unknown option --num-request (did you mean --num-requests?)');
    expect(typo.stderr).not.toMatch(/numRequest/);
    // Nothing close: no suggestion.
    const far = await run(['simulate', '--zebra-stripes', '5']);
    expect(far.stderr).toMatch(/^llm-sim: unknown option --zebra-stripes\n/);
  });

  it('suggests the command meant by a mistyped one', async () => {
    const r = await run(['calibrat', '--model', 'llama-3.1-8b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'calibrat' (did you mean 'calibrate'?)");
  });

  it('refuses a flag given twice, naming it and both values', async () => {
    const r = await run(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '5', '--num-requests', '6']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^llm-sim: --num-requests given twice \(5, 6\); give it once\n/);
    expect(r.stderr).not.toMatch(/array/);
    // As typed: vLLM's spelling, three times.
    const alias = await run(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-prompts', '5', '--num-prompts=6', '--num-prompts', '7']);
    expect(alias.stderr).toMatch(/^llm-sim: --num-prompts given 3 times \(5, 6, 7\); give it once\n/);
  });

  it.each([
    [['--num-requests', '-5'], '--num-requests -5: Too small: expected number to be >0'],
    [['--num-prompts', '0'], '--num-prompts 0: Too small: expected number to be >0'],
    [['--max-num-seqs=0'], '--max-num-seqs 0: Too small: expected number to be >0'],
    [['--tensor-parallel-size', '0'], '--tensor-parallel-size 0: Too small: expected number to be >0'],
    [['--seed', '1.5'], '--seed 1.5: Invalid input: expected int, received number'],
    [['--gpu-memory-utilization', '1.5'], '--gpu-memory-utilization 1.5: Too big: expected number to be <=1'],
    [['--performance-model', 'roofline', '--calibration-data', 'cal.json'], "--calibration-data cal.json: a calibration is read only by model_type 'vllm_roofline'"],
    [['--cluster', 'disaggregated', '--num-replicas', '4'], '--num-replicas 4: num_replicas is for an aggregated cluster'],
  ])('names the flag as typed, not the config key, for %j', async (flags, says) => {
    const r = await run(['--model', 'llama-3.1-8b', '--xpu', 'h100', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(`llm-sim: ${says}`), r.stderr).toBe(true);
    expect(r.stderr).not.toMatch(/invalid flags|workload\.|scheduler\.|parallelism\.|performance_model\./);
  });

  it('names a config file key by its path and a typed flag by the flag, in one message', async () => {
    const files = { 'c.json': JSON.stringify({ model: 'llama-3.1-8b', xpu: 'h100', scheduler: { max_num_seqs: 0 } }) };
    const r = await run(['--config', 'c.json', '--num-requests', '-1'], files);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^llm-sim: invalid config 'c\.json' with flags: /);
    expect(r.stderr).toContain('scheduler.max_num_seqs: Too small');
    expect(r.stderr).toContain('--num-requests -1: Too small');
    for (const command of ['compare', 'search']) {
      const c = await run([command, '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-devices', '8', '--goodput', 'ttft:500', '--num-requests', '-3']);
      expect(c.stderr, command).toMatch(/^llm-sim: --num-requests -3: Too small/);
    }
  });

  it('keeps flags meant to repeat (--goodput)', async () => {
    const r = await run(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '5', '--goodput', 'ttft:500', '--goodput', 'tpot:50', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).completed).toBe(5);
  });

  it('refuses a --config key it does not know, naming the key and where it belongs', async () => {
    const r = await run(['--config', 'c.json', '--json'], { 'c.json': JSON.stringify({ model: 'llama-3.1-8b', xpu: 'h100', num_requests: 50 }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown key 'num_requests' here (it belongs at workload.num_requests)");
  });
});
