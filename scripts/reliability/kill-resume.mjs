// The runner against an `llm-sim serve` killed mid-run (SIGKILL) and restarted on the same port, then
// resumed (`--resume`, measureEndpoint's `resume`): every planned point measured once, none lost, none twice.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startServe, stopServe } from './support.mjs';

const { measureEndpoint, createNodeBenchmarkFs, planExperiment } = await import(`${root}packages/factory/dist/index.js`);
const serveArgs = ['--model', 'llama-3.1-8b', '--xpu', 'h100'];
// A small grid keeps the suite short; the runner, the emulator and the resume logic are the real ones.
const grid = { batchSizes: [1, 4], inputLens: [64, 256], outputLens: [16], repeats: 1, warmup: 0 };
const output = join(mkdtempSync(join(tmpdir(), 'llm-sim-kill-')), 'raw.jsonl');
const request = (endpoint, extra) => ({ endpoint, model: 'llama-3.1-8b', xpu: 'h100', grid, output, timeoutMs: 10_000, retries: 0, seed: 7, fs: createNodeBenchmarkFs(), ...extra });
const key = (p) => `${p.phase}/${p.batchSize}/${p.inputLen}/${p.outputLen}`;

let server = await startServe(serveArgs);
const port = Number(new URL(server.url).port);
let killedAfter;
const first = await measureEndpoint(
  request(server.url, {
    onProgress: (p) => {
      // Killed as soon as two points are on disk: the runs after it meet a dead server.
      if (killedAfter === undefined && p.measuredPoints >= 2) {
        killedAfter = p.measuredPoints;
        server.child.kill('SIGKILL');
      }
    },
  }),
).catch((error) => ({ error }));
await new Promise((resolve) => (server.child.exitCode !== null || server.child.signalCode !== null ? resolve() : server.child.once('exit', resolve)));
const beforeResume = readFileSync(output, 'utf8');

server = await startServe(serveArgs, port);
const resumed = await measureEndpoint(request(server.url, { resume: true })).catch((error) => ({ error }));
await stopServe(server);

const text = readFileSync(output, 'utf8');
const lines = text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const planned = planExperiment({ kind: 'grid', model: 'llama-3.1-8b', xpu: 'h100-sxm', tp: 1, pp: 1, grid });
const expected = new Set(planned.flatMap((r) => ['prefill', 'decode'].map((phase) => key({ ...r, phase }))));
const counts = new Map();
for (const p of lines) counts.set(key(p), (counts.get(key(p)) ?? 0) + 1);
// A phase the stream could not time (tokens read together on a busy machine) is reported as a failure: said, not lost.
const reported = new Set((resumed.failures ?? []).flatMap((f) => f.phases.map((phase) => key({ ...f.run, phase }))));
export const killResume = {
  planned: expected.size,
  killedAfter,
  failedWhileDown: first.error ? `error: ${first.error.message}` : first.failures.length,
  measuredBeforeKill: beforeResume.trim().split('\n').filter(Boolean).length,
  // The file is append-only: what was measured before the kill is still there, byte for byte.
  keptBeforeKill: text.startsWith(beforeResume),
  resumedMeasured: resumed.error ? `error: ${resumed.error.message}` : resumed.points.length,
  resumedSkipped: resumed.error ? 0 : resumed.skipped.length,
  reportedUnmeasurable: reported.size,
  lost: [...expected].filter((k) => !counts.has(k) && !reported.has(k)).length,
  duplicated: [...counts.values()].filter((n) => n > 1).length,
  foreign: [...counts.keys()].filter((k) => !expected.has(k)).length,
};
