// Whole-process speed of the `llm-sim` command, as a user meets it: start-up of every command, and the
// Azure 2023 conversation trace replayed at low load, timed from process start to exit (start-up,
// trace parsing, simulation, summary) with the peak resident memory of the process.
// Run from the repository root with `pnpm bench` (it builds first), or `node apps/cli/bench/bench.mjs`.
//
// Low load: the requests of the trace (prompt and output lengths drawn from it) arrive as a Poisson
// process at 3 req/s on one Llama-2-7B replica on an A100 (spec-sheet roofline), 128 sequences at most,
// a 4,096-token budget, no chunked prefill: the set-up of the Vidur comparison in the README. Most of
// the time a handful of requests decode between arrivals, the case closed-form decode runs are for.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { parseSimulationConfig, runSimulation } from '@llm-sim/factory';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = process.env.LLM_SIM_BENCH_CLI ?? fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const trace = 'benchmark_data/traces/azure2023_conv_trace_vidur.csv';
// Reports the process's peak resident set and CPU time on exit, from inside it (no external `time` needed).
const probe = `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('\\nbench-probe '+u.maxRSS+' '+(u.userCPUTime+u.systemCPUTime)+'\\n')})`;

function runCli(args) {
  const t0 = performance.now();
  const out = spawnSync(process.execPath, ['--import', probe, cli, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (out.status !== 0) throw new Error(`llm-sim ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  const [, rssKb, cpuMicros] = /bench-probe (\d+) (\d+)/.exec(out.stderr) ?? [];
  return { seconds, cpuSeconds: Number(cpuMicros) / 1e6, rssMb: Number(rssKb) / 1024, stdout: out.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => x.toFixed(2);

const bare = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  bare.push((performance.now() - t0) / 1000);
}
// Wall time is what a user waits; CPU time (user + system) shows what a busy machine adds to it.
console.log(`load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores; a bare \`node -e 0\` takes ${fmt(median(bare))} s here`);
console.log('start-up, median of 5 runs:');
const commands = [['models'], ['xpus'], ['--help'], ['simulate', '--help'], ['step', '--model', 'llama-2-7b', '--xpu', 'a100', '--phase', 'decode', '--batch-size', '8', '--context-len', '1024']];
for (const args of commands) {
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(runCli(args));
  console.log(`  llm-sim ${args.join(' ')}: ${fmt(median(runs.map((r) => r.seconds)))} s wall, ${fmt(median(runs.map((r) => r.cpuSeconds)))} s CPU`);
}

console.log('low load: Azure conversation lengths, Poisson 3 req/s, llama-2-7b on a100, whole process (median of runs):');
for (const [n, repeats] of [[10_000, 5], [100_000, 3], [1_000_000, 1]]) {
  const args = ['simulate', '--model', 'llama-2-7b', '--xpu', 'a100', '--trace', trace, '--trace-sample', '--num-requests', String(n), '--request-rate', '3',
    '--max-num-seqs', '128', '--max-num-batched-tokens', '4096', '--no-chunked-prefill', '--seed', '1', '--json', '--quiet'];
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(runCli(args));
  const s = JSON.parse(runs[0].stdout);
  // The same simulation in this process, timed alone: set-up, simulation and summary, without start-up.
  const config = parseSimulationConfig({
    model: 'llama-2-7b', xpu: 'a100', seed: 1,
    scheduler: { max_num_seqs: 128, max_num_batched_tokens: 4096, enable_chunked_prefill: false },
    workload: { trace: `${root}${trace}`, trace_sample: true, num_requests: n, request_rate: 3 },
  });
  const t0 = performance.now();
  const inProcess = await runSimulation(config, (path) => readFile(path, 'utf8'));
  const simulationSeconds = (performance.now() - t0) / 1000;
  if (inProcess.summary.num_steps !== s.num_steps) throw new Error(`in-process run took ${inProcess.summary.num_steps} steps, the command ${s.num_steps}`);
  console.log(
    `  ${n.toLocaleString('en-US')} requests: ${fmt(median(runs.map((r) => r.seconds)))} s wall, ${fmt(median(runs.map((r) => r.cpuSeconds)))} s CPU (simulation alone ${fmt(simulationSeconds)} s), peak RSS ${Math.round(Math.max(...runs.map((r) => r.rssMb)))} MB; ` +
      `${s.num_steps.toLocaleString('en-US')} steps, simulated ${(s.duration / 3600).toFixed(1)} h, completed ${s.completed}, TPOT mean ${s.mean_tpot_ms.toFixed(2)} ms`,
  );
}
