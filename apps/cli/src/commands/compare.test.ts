import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { createTestIo } from '../test-io.ts';
import { compareCommand } from './compare.ts';

/** Parses and runs `compare` alone (main() maps the thrown errors to exit codes). */
async function run(args: string[]) {
  const t = createTestIo();
  let error: unknown;
  try {
    await yargs(args)
      .command(compareCommand({ io: t.io }))
      .strict()
      .exitProcess(false)
      .fail((message, err) => {
        throw err ?? new Error(message);
      })
      .parseAsync();
  } catch (e) {
    error = e;
  }
  return { error, stdout: t.stdout };
}

describe('llm-sim compare', () => {
  it('prints the aggregated and disaggregated layouts side by side, best goodput per device first', async () => {
    const r = await run([
      'compare', '--model', 'llama-3.1-70b', '--xpu', 'h100', '--num-devices', '8',
      '--layouts', '2xtp4', '1p1d:tp4/tp4', '2p1d:tp2/tp4',
      '--gpu-memory-utilization', '0.95', '--max-model-len', '8192', '--num-requests', '200', '--request-rate', '6',
      '--input-len', '2048', '--output-len', '128', '--goodput', 'ttft:1000', 'tpot:50', '--json',
    ]);
    expect(r.error).toBeUndefined();
    const report = JSON.parse(r.stdout);
    expect(report.numDevices).toBe(8);
    expect(report.rows.map((row: { layout: string }) => row.layout).sort()).toEqual(['1P1D TP4/TP4', '2P1D TP2/TP4', '2xTP4']);
    for (const row of report.rows) {
      expect(row.completed).toBe(200);
      expect(row.goodput_per_device).toBeCloseTo(row.request_goodput / 8, 12);
    }
  });

  it('refuses a malformed layout with the expected syntax', async () => {
    const r = await run(['compare', '--model', 'llama-3.1-70b', '--xpu', 'h100', '--num-devices', '8', '--layouts', 'four-gpus']);
    expect(r.error).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/--layouts: layout 'four-gpus' must be RxTPn/) });
  });
});
