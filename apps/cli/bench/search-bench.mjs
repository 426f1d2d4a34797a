// Deployment-search speed: every candidate deployment of Llama-3.1-70B on up to 16 devices (h100, h200,
// b200; bf16 and fp8 weights; TP x PP x replicas and xPyD splits; two token budgets), each one's
// capacity search bisecting the request rate with 2,000 requests per simulation, on one worker thread
// per core. Prints candidates per second and simulated requests per second of wall time, and the CPU
// time, so that a figure taken on a busy machine can be read against an idle one.
// Run with `pnpm bench` from the repository root (it builds first).
import { availableParallelism, loadavg } from 'node:os';
import { createNodeIo, main } from '../dist/index.js';

const requestsPerSimulation = 2000;
const args = [
  'search', '--model', 'llama-3.1-70b', '--xpu', 'h100,h200,b200', '--max-devices', '16', '--quantization', 'bf16,fp8', '--pp', '1,2',
  '--max-num-seqs', '256', '--max-num-batched-tokens', '2048,8192', '--goodput', 'ttft:1000', 'tpot:50',
  '--num-requests', String(requestsPerSimulation), '--input-len', '1024', '--output-len', '256', '--seed', '1', '--json',
  ...process.argv.slice(2),
];
let stdout = '';
const io = { ...createNodeIo(), stdout: (text) => (stdout += text), isTty: false };
const load = loadavg()[0];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const code = await main(args, io);
const wallSeconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
if (code !== 0) process.exit(code);
const report = JSON.parse(stdout);
const evaluated = report.points.length;
const simulations = report.points.reduce((n, p) => n + p.simulations, 0);
const requests = simulations * requestsPerSimulation;
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
console.log(
  `llama-3.1-70b deployment search on ${availableParallelism()} worker thread(s): ${report.candidates.toLocaleString('en-US')} candidates ` +
    `(${skipped.toLocaleString('en-US')} do not fit), ${evaluated.toLocaleString('en-US')} capacity searches, ${simulations.toLocaleString('en-US')} simulations ` +
    `of ${requestsPerSimulation.toLocaleString('en-US')} requests`,
);
console.log(
  `${wallSeconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU: ${(evaluated / wallSeconds).toFixed(1)} deployments/s, ` +
    `${Math.round(requests / wallSeconds).toLocaleString('en-US')} simulated requests/s ` +
    `(${Math.round(requests / cpuSeconds).toLocaleString('en-US')} per CPU-second); load average ${load.toFixed(1)} at the start` +
    (load > availableParallelism() ? ' (a shared machine: the wall time counts other work)' : ''),
);
const best = report.points[0];
console.log(`best: ${best.label}, ${best.max_request_rate.toFixed(2)} req/s, ${best.goodput_per_device.toFixed(3)} goodput/device`);
