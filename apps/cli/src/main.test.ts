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
    expect(r.stderr).toContain('--num-requests was given 2 times (5, 6); give it once');
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
