// End-to-end simulation speed with the real roofline: Llama-2-7B on one h100-sxm, request lengths drawn
// from the Azure 2023 conversation trace, Poisson arrivals near saturation. Prints simulated requests per
// second of wall time. Run with `pnpm bench` from the repository root (it builds first).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseSimulationConfig, runSimulation } from '../dist/index.js';

const trace = fileURLToPath(new URL('../../../benchmark_data/traces/azure2023_conv_trace_vidur.csv', import.meta.url));
const readTextFile = (path) => readFile(path, 'utf8');

async function run(numRequests, rate) {
  const config = parseSimulationConfig({
    model: 'llama-2-7b',
    xpu: 'h100-sxm',
    workload: { trace, trace_sample: true, num_requests: numRequests, request_rate: rate },
    seed: 1,
  });
  const t0 = performance.now();
  const { summary, result } = await runSimulation(config, readTextFile);
  const wall = (performance.now() - t0) / 1000;
  return { summary, result, wall };
}

// Find the saturation throughput with an all-at-once burst, then offer 90% of it.
const probe = await run(20_000, 'inf');
const capacity = probe.summary.request_throughput;
const rate = Number((0.9 * capacity).toFixed(2));
console.log(`llama-2-7b on h100-sxm (roofline), Azure conversation lengths: capacity ~${capacity.toFixed(2)} req/s, offering ${rate} req/s`);
for (const n of [100_000, 1_000_000]) {
  const { summary, result, wall } = await run(n, rate);
  console.log(
    `${n.toLocaleString('en-US')} requests: ${wall.toFixed(2)} s wall, ${Math.round(n / wall).toLocaleString('en-US')} simulated requests/s, ` +
      `${Math.round(summary.num_steps / wall).toLocaleString('en-US')} steps/s; simulated ${(result.durationSeconds / 3600).toFixed(1)} h, ` +
      `TTFT p99 ${summary.p99_ttft_ms.toFixed(0)} ms, TPOT mean ${summary.mean_tpot_ms.toFixed(1)} ms, preemptions ${summary.preemptions}`,
  );
}
