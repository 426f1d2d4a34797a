import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createNodeIo } from './io.ts';
import { main } from './main.ts';

const splitwise = fileURLToPath(new URL('../../../benchmark_data/raw/splitwise/perf_model.csv', import.meta.url));

/** The CLI with the real file system, its output captured. */
async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io = { ...createNodeIo(), stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), isTty: false, threads: 1 };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const sim = ['--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '10', '--quiet'];
// Linux's procfs: Node's recursive mkdir spins forever on a missing folder under /proc.
const procfs = existsSync('/proc/self/status');

describe('output files the CLI cannot write', () => {
  it.runIf(procfs)('a --report under /proc ends at once with one message naming the flag, after the results', async () => {
    const r = await run([...sim, '--report', '/proc/llm-sim-no-such-folder/report.html', '--output-timeseries', '/proc/llm-sim-no-such-folder/s.csv']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/Successful requests:\s+10/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^llm-sim: cannot write --report '\/proc\/llm-sim-no-such-folder\/report\.html': no such file or directory \(ENOENT\); cannot write --output-timeseries/);
    expect(r.stderr).toMatch(/the results above are complete/);
  });

  it.runIf(procfs)('a --result-dir under /proc and a sweep under --json: the JSON is printed, the files are named', async () => {
    const r = await run([...sim, '--request-rate', '1,2', '--save-result', '--result-dir', '/proc/llm-sim-no-such-folder', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toHaveLength(2);
    expect(r.stderr).toMatch(/^llm-sim: cannot write --save-result '\/proc\/llm-sim-no-such-folder\/llm-sim-1\.0qps-/);
  });

  it('a path under a regular file: the other outputs are still written, and the failed one is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-sim-outputs-'));
    writeFileSync(join(dir, 'a-file'), 'x');
    const r = await run([...sim, '--report', join(dir, 'a-file', 'r.html'), '--output-requests', join(dir, 'requests.csv')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/Successful requests:\s+10[\s\S]*\nwrote .*requests\.csv \(one row per request\)\n$/);
    expect(existsSync(join(dir, 'requests.csv'))).toBe(true);
    expect(r.stderr).toMatch(/cannot write --report '.*a-file\/r\.html': not a directory \(ENOTDIR\)/);
  });

  it('calibrate -o to an unwritable path prints the fit and the calibration itself, then exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-sim-outputs-'));
    writeFileSync(join(dir, 'a-file'), 'x');
    const r = await run(['calibrate', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--from', splitwise, '-o', join(dir, 'a-file', 'cal.json')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/the calibration, which could not be written:\n\{/);
    expect(r.stdout).toMatch(/"prefill_mape"/);
    expect(r.stderr).toMatch(/^llm-sim: cannot write -o '.*cal\.json': not a directory \(ENOTDIR\)\n$/);
  });

  it('benchmark run refuses an unwritable -o before it contacts any server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-sim-outputs-'));
    writeFileSync(join(dir, 'a-file'), 'x');
    // Port 9 (discard) on loopback: were the server contacted first, this would fail as unreachable (exit 4).
    const r = await run(['benchmark', 'run', '--endpoint', 'http://127.0.0.1:9', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--retries', '0', '-o', join(dir, 'a-file', 'raw.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^llm-sim: cannot write -o '.*raw\.jsonl': not a directory \(ENOTDIR\)\n$/);
  });
});
