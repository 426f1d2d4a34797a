import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

const splitwise = fileURLToPath(new URL('../../../../benchmark_data/raw/splitwise/perf_model.csv', import.meta.url));
const kernels = fileURLToPath(new URL('../../../../benchmark_data/raw/kernels', import.meta.url));
const fittingCases = fileURLToPath(new URL('../../../../benchmark_data/validation/cases.json', import.meta.url));
const shippedL40s = fileURLToPath(new URL('../../../../benchmark_data/calibration/l40s/kernels.json', import.meta.url));

describe('llm-sim calibrate and --performance-model vllm_roofline', () => {
  it('calibrates on the Splitwise H100 TP4 measurements, then predicts their decode step within a few percent', async () => {
    const t = createTestIo();
    const code = await main(['calibrate', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--from', splitwise, '-o', 'cal.json'], t.io);
    expect(code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/prefill: effective [\d.]+ TFLOP\/s/);
    expect(t.stdout).toMatch(/wrote cal.json/);
    const calibration = JSON.parse(t.written.get('cal.json')!);
    expect(calibration).toMatchObject({ format_version: 1, model: 'llama-2-70b', xpu: 'h100-sxm', tp: 4 });

    // Splitwise: Llama-2-70B TP4 on H100 decodes one step in ~29.7 ms at batch 1 and prompt 512.
    const step = await main(['step', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--phase', 'decode', '--context-len', '576', '--performance-model', 'vllm_roofline', '--calibration-data', 'cal.json', '--json'], t.io);
    expect(step).toBe(0);
    const report = JSON.parse(t.stdout.slice(t.stdout.indexOf('{\n  "model"')));
    expect(report.total_ms).toBeGreaterThan(29.7 * 0.95);
    expect(report.total_ms).toBeLessThan(29.7 * 1.05);
    // The spec-sheet roofline is about three times too optimistic for the same step.
    const peak = createTestIo();
    await main(['step', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--phase', 'decode', '--context-len', '576', '--performance-model', 'roofline', '--json'], peak.io);
    expect(JSON.parse(peak.stdout).total_ms).toBeLessThan(29.7 / 2);
  });

  it('refuses a calibration made for another xpu, naming the mismatch', async () => {
    const t = createTestIo();
    expect(await main(['calibrate', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--from', splitwise, '-o', 'cal.json', '--json'], t.io)).toBe(0);
    const code = await main(['simulate', '--model', 'llama-2-70b', '--xpu', 'a100', '--tp', '4', '--num-requests', '5', '--performance-model', 'vllm_roofline', '--calibration-data', 'cal.json'], t.io);
    expect(code).toBe(2);
    expect(t.stderr).toMatch(/cal.json was fitted for xpu 'h100-sxm' \(requested 'a100-80gb'\)/);
  });

  it('vllm_roofline without a calibration file uses the shipped one and names it; a malformed file is refused', async () => {
    const t = createTestIo();
    expect(await main(['step', '--model', 'llama-7b', '--xpu', 'h100', '--context-len', '10', '--performance-model', 'vllm_roofline'], t.io)).toBe(0);
    expect(t.stdout).toMatch(/calibration benchmark_data\/calibration\/h100-sxm\/kernels.json \(shipped, kernels measured on h100-sxm\)/);
    const u = createTestIo();
    u.written.set('bad.json', '{"format_version": 1, "model": "llama-2-7b"');
    expect(await main(['step', '--model', 'llama-7b', '--xpu', 'h100', '--context-len', '10', '--performance-model', 'vllm_roofline', '--calibration-data', 'bad.json'], u.io)).toBe(2);
    expect(u.stderr).toMatch(/bad.json is not valid JSON/);
  });

  it('exits 5 when the fit is worse than --max-mape, and 6 when new data drifted from a calibration', async () => {
    const t = createTestIo();
    expect(await main(['calibrate', '--model', 'llama-2-70b', '--xpu', 'a100', '--tp', '4', '--from', splitwise, '-o', 'a100.json', '--max-mape', '1'], t.io)).toBe(5);
    expect(t.stderr).toMatch(/the fit is too poor/);
    expect(t.written.has('a100.json')).toBe(true);
    const h = createTestIo();
    expect(await main(['calibrate', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--from', splitwise, '-o', 'h100.json'], h.io)).toBe(0);
    expect(await main(['check-calibration', '--calibration-data', 'h100.json', '--from', splitwise, '--max-mape', '10', '--json'], h.io)).toBe(0);
    const drifted = JSON.parse(h.written.get('h100.json')!);
    drifted.decode.effective_bandwidth_gb_per_s /= 2;
    h.written.set('drifted.json', JSON.stringify(drifted));
    expect(await main(['check-calibration', '--calibration-data', 'drifted.json', '--from', splitwise, '--max-mape', '10'], h.io)).toBe(6);
    expect(h.stderr).toMatch(/predictions drifted: MAPE/);
  });

  it('exits 5, writing nothing, when measurements are absurd (1e300 ms steps)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'llm-sim-absurd-'));
    const lines = (await readFile(splitwise, 'utf8')).trim().split('\n');
    const absurd = lines.map((line, i) => (i > 0 && line.startsWith('llama2-70b,h100') ? line.replace(/,([0-9.]+),([0-9.]+),([0-9.]+),4$/, ',1e300,$2,$3,4') : line));
    await writeFile(join(dir, 'absurd.csv'), `${absurd.join('\n')}\n`);
    const t = createTestIo();
    expect(await main(['calibrate', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--from', join(dir, 'absurd.csv'), '-o', 'absurd.json'], t.io)).toBe(5);
    expect(t.stderr).toMatch(/^llm-sim: \d+ point\(s\) are more than 1000x slower than llama-2-70b on h100-sxm at tp=4 can be at its spec peaks \(worst: prefill b\d+ in\d+ measured 1\.000e\+300 ms/);
    expect(t.written.has('absurd.json')).toBe(false);
  });

  it('calibrate --from-kernels regenerates the shipped L40S operator-level calibration, and names the checks it ran', async () => {
    const t = createTestIo();
    const code = await main(['calibrate', '--xpu', 'l40s', '--from-kernels', kernels, '--fitting-cases', fittingCases, '-o', 'l40s.json'], t.io);
    expect(code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/operator-level calibration of l40s \(NVIDIA L40S, kernels of vllm 0.14.0, bf16\)/);
    expect(t.stdout).toMatch(/element-wise kernels carried over from a100-80gb/);
    expect(t.written.get('l40s.json')).toBe(await t.io.readTextFile(shippedL40s));
  }, 60_000);

  it('calibrate --from-kernels needs --xpu, and refuses an xpu without kernel tables', async () => {
    const t = createTestIo();
    expect(await main(['calibrate', '--from-kernels', kernels], t.io)).toBe(2);
    expect(t.stderr).toMatch(/--from-kernels needs --xpu/);
    const u = createTestIo();
    expect(await main(['calibrate', '--xpu', 'gb10', '--from-kernels', kernels], u.io)).toBe(2);
    expect(u.stderr).toMatch(/no kernel tables for xpu 'gb10'/);
  });

  it('plans a sparse experiment with fewer runs than the grid', async () => {
    const sparse = createTestIo();
    expect(await main(['benchmark', 'plan', '--model', 'llama-7b', '--xpu', 'h100', '--sparse', '--json'], sparse.io)).toBe(0);
    const grid = createTestIo();
    expect(await main(['benchmark', 'plan', '--model', 'llama-7b', '--xpu', 'h100', '--json'], grid.io)).toBe(0);
    expect(JSON.parse(sparse.stdout).points.length).toBeLessThan(JSON.parse(grid.stdout).points.length);
  });
});
