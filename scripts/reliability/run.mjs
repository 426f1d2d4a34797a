// `pnpm test:reliability`: bad input, faults, load and conservation against the built CLI and a real
// `llm-sim serve` process. Asserts on counts and correctness; prints timings and memory as figures.
const started = performance.now();
const section = async (name, load) => {
  const t0 = performance.now();
  const value = await load();
  console.log(`${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return value;
};
const { badInput } = await section('bad input', () => import('./bad-input.mjs'));
const { faults } = await section('faults', () => import('./faults.mjs'));
const { killResume } = await section('kill, restart, resume', () => import('./kill-resume.mjs'));
const { load } = await section('load', () => import('./load.mjs'));
const { conservation } = await section('conservation', () => import('./conservation.mjs'));

const failures = [];
for (const r of [...badInput, ...faults]) if (!r.ok) failures.push(`${r.area}: ${r.what}: ${r.detail}`);
const check = (ok, what) => ok || failures.push(`load: ${what}`);
check(load.completed === load.sent, `${load.completed} of ${load.sent} streams completed`);
check(load.metricsSuccess === load.sent, `/metrics counts ${load.metricsSuccess} successes for ${load.sent} sent`);
check(load.metricsPromptTokens === load.expectedPromptTokens, `/metrics prompt tokens ${load.metricsPromptTokens} != ${load.expectedPromptTokens}`);
check(load.metricsGenerationTokens === load.expectedGenerationTokens, `/metrics generation tokens ${load.metricsGenerationTokens} != ${load.expectedGenerationTokens}`);
check(load.runningAfterDisconnect === 0 && load.kvUsageAfterDisconnect === 0, 'a disconnected client still holds its sequence');
check(load.abortsCounted === 1, `/metrics counts ${load.abortsCounted} aborts for 1 disconnect`);

const k = killResume;
const killProblems = [
  typeof k.resumedMeasured === 'string' ? `resume failed: ${k.resumedMeasured}` : '',
  k.killedAfter === undefined || k.measuredBeforeKill >= k.planned ? 'the server was not killed mid-run' : '',
  k.keptBeforeKill ? '' : 'points measured before the kill were rewritten',
  k.lost > 0 ? `${k.lost} point(s) lost` : '',
  k.duplicated > 0 ? `${k.duplicated} point(s) measured twice` : '',
  k.foreign > 0 ? `${k.foreign} point(s) not in the plan` : '',
].filter(Boolean);
faults.push({ area: 'faults', what: 'server killed mid-run, restarted, run resumed', ok: killProblems.length === 0, detail: killProblems.join('; ') });
if (killProblems.length > 0) failures.push(`faults: kill, restart, resume: ${killProblems.join('; ')}`);

const count = (rows, area) => rows.filter((r) => !area || r.area === area);
const handled = (rows) => rows.filter((r) => r.ok).length;
console.log('\nReliability figures');
console.log(`  bad input: ${badInput.length} kinds tried, ${handled(badInput)} handled well`);
for (const area of ['cli', 'config', 'calibration', 'trace', 'benchmark', 'http']) {
  console.log(`    ${area.padEnd(12)} ${handled(count(badInput, area))}/${count(badInput, area).length}`);
}
console.log(`  faults: ${faults.length} tried, ${handled(faults)} survived (exit 4, one message, no hang; the killed server's points kept)`);
console.log(
  `    kill mid-run, restart, resume: ${k.planned} planned points, ${k.measuredBeforeKill} measured before SIGKILL, ${k.failedWhileDown} run(s) failed while down; ` +
    `resumed: ${k.resumedMeasured} measured, ${k.resumedSkipped} run(s) skipped as measured, ${k.reportedUnmeasurable} phase(s) reported unmeasurable; points lost = ${k.lost}, duplicated = ${k.duplicated}`,
);
console.log(`  load: ${load.sent} concurrent streams of 128 prompt + 32 output tokens, ${load.completed} completed in ${(load.wallMs / 1000).toFixed(2)} s`);
console.log(`    client latency p50 ${load.p50Ms.toFixed(0)} ms, p99 ${load.p99Ms.toFixed(0)} ms; server RSS ${load.rssBeforeMb.toFixed(1)} MB before, ${load.rssAfterMb.toFixed(1)} MB after`);
console.log(`    /metrics: ${load.metricsSuccess} successes, ${load.metricsPromptTokens} prompt and ${load.metricsGenerationTokens} generation tokens; disconnect: running ${load.runningAfterDisconnect}, KV ${load.kvUsageAfterDisconnect}, aborts counted ${load.abortsCounted}`);
console.log(`  conservation: ${conservation.runs} random runs (aggregated and disaggregated), ${conservation.requests} requests sent, completed + failed = sent in every run (${conservation.failed} failed)`);
console.log(`  total ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (failures.length > 0) {
  console.log(`\n${failures.length} problem(s):\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
}
