import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSweepPoint, type ReadTextFile, type SimulationConfig, type SweepPointResult, type VllmResultOptionsInput } from '@llm-sim/factory';
import Tinypool from 'tinypool';

/** One simulation of a sweep, as plain data a worker thread receives. */
export interface SweepTask {
  readonly config: SimulationConfig;
  readonly resultFile?: { readonly dateTime: Date; readonly options?: VllmResultOptionsInput };
}

export type SweepTaskOutcome =
  | { readonly ok: true; readonly result: SweepPointResult }
  | { readonly ok: false; readonly code?: string; readonly message: string; readonly stack?: string };

/** An error from a worker, with the `code` the exit code is chosen by. */
class SweepPointError extends Error {
  readonly code?: string;
  constructor(outcome: Extract<SweepTaskOutcome, { ok: false }>) {
    super(outcome.message);
    this.name = 'SweepPointError';
    this.code = outcome.code;
    if (outcome.stack) this.stack = outcome.stack;
  }
}

/**
 * The built worker: beside this file once bundled (dist/), or in dist/ when this runs from source
 * (vitest), since Node 20 cannot load the TypeScript worker itself.
 */
function workerFile(): string | undefined {
  const here = import.meta.url;
  const candidates = here.endsWith('.ts') ? [new URL('../dist/sweep-worker.js', here)] : [new URL('./sweep-worker.js', here)];
  return candidates.map((u) => fileURLToPath(u)).find((p) => existsSync(p));
}

/**
 * The parent's Node flags minus export conditions: a test runner's `--conditions @llm-sim/source`
 * would send the built worker to TypeScript sources it cannot load.
 */
function builtExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--conditions' || argv[i] === '-C') i++;
    else if (!argv[i].startsWith('--conditions=') && !argv[i].startsWith('-C=')) out.push(argv[i]);
  }
  return out;
}

/**
 * Runs a sweep's simulations, on up to `threads` worker threads (tinypool) when there are several
 * and more than one thread, else one after another here. Each simulation is deterministic and
 * shares nothing, so both give identical results, in the order of the tasks.
 */
export async function runSweepTasks(
  tasks: readonly SweepTask[],
  options: { readonly threads: number; readonly readTextFile: ReadTextFile; readonly onDone?: (done: number, total: number) => void },
): Promise<SweepPointResult[]> {
  const threads = Math.min(options.threads, tasks.length);
  const filename = threads > 1 ? workerFile() : undefined;
  let done = 0;
  const finished = <T>(x: T): T => {
    options.onDone?.(++done, tasks.length);
    return x;
  };
  if (filename === undefined) {
    const out: SweepPointResult[] = [];
    for (const task of tasks) out.push(finished(await runSweepPoint(task.config, options.readTextFile, task.resultFile)));
    return out;
  }
  const pool = new Tinypool({ filename, minThreads: threads, maxThreads: threads, execArgv: builtExecArgv() });
  try {
    const outcomes = await Promise.all(tasks.map(async (task) => finished((await pool.run(task)) as SweepTaskOutcome)));
    return outcomes.map((o) => {
      if (!o.ok) throw new SweepPointError(o);
      return o.result;
    });
  } finally {
    await pool.destroy();
  }
}
