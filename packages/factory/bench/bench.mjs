// End-to-end simulation speed with the default performance model (vllm_roofline: on h100-sxm the shipped
// measured-kernel calibration, which prices every step from its kernel tables) and with the spec-sheet
// roofline (closed-form decode runs): Llama-2-7B on one h100-sxm, request lengths drawn from the Azure 2023
// conversation trace, Poisson arrivals at 90% of each model's capacity. Prints wall and CPU time (the CPU
// time is the steadier figure on a shared machine) and simulated requests per second.
// Run with `pnpm bench` from the repository root (it builds first).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseSimulationConfig, runSimulation } from '../dist/index.js';

const trace = fileURLToPath(new URL('../../../benchmark_data/traces/azure2023_conv_trace_vidur.csv', import.meta.url));
const readTextFile = (path) => readFile(path, 'utf8');

async function run(modelType, numRequests, rate) {
  const config = parseSimulationConfig({
    model: 'llama-2-7b',
    xpu: 'h100-sxm',
    workload: { trace, trace_sample: true, num_requests: numRequests, request_rate: rate },
    performance_model: { model_type: modelType },
    seed: 1,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { summary, result, performanceModel } = await runSimulation(config, readTextFile);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { summary, result, wall, cpuSeconds: (cpu.user + cpu.system) / 1e6, described: performanceModel.describe() };
}

for (const modelType of ['vllm_roofline', 'roofline']) {
  // Find the saturation throughput with an all-at-once burst, then offer 90% of it.
  const probe = await run(modelType, 20_000, 'inf');
  const capacity = probe.summary.request_throughput;
  const rate = Number((0.9 * capacity).toFixed(2));
  console.log(`${probe.described}; Azure conversation lengths: capacity ~${capacity.toFixed(2)} req/s, offering ${rate} req/s`);
  for (const n of [100_000, 1_000_000]) {
    const { summary, result, wall, cpuSeconds } = await run(modelType, n, rate);
    console.log(
      `${n.toLocaleString('en-US')} requests: ${wall.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU, ${Math.round(n / wall).toLocaleString('en-US')} simulated requests/s, ` +
        `${Math.round(summary.num_steps / wall).toLocaleString('en-US')} steps/s; simulated ${(result.durationSeconds / 3600).toFixed(1)} h, ` +
        `TTFT p99 ${summary.p99_ttft_ms.toFixed(0)} ms, TPOT mean ${summary.mean_tpot_ms.toFixed(1)} ms, preemptions ${summary.preemptions}`,
    );
  }
}
