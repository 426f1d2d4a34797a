import { runSweepPoint, type ReadTextFile, type SimulationConfig, type SweepPointResult, type VllmResultOptionsInput } from '@llm-sim/factory';
import { builtWorkerFile, createWorkerPool, fromOutcome, type WorkerOutcome } from './worker-threads.ts';

/** One simulation of a sweep, as plain data a worker thread receives. */
export interface SweepTask {
  readonly config: SimulationConfig;
  readonly resultFile?: { readonly dateTime: Date; readonly options?: VllmResultOptionsInput };
}

export type SweepTaskOutcome = WorkerOutcome<SweepPointResult>;

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
  const filename = threads > 1 ? builtWorkerFile('sweep-worker') : undefined;
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
  const pool = createWorkerPool(filename, threads);
  try {
    const outcomes = await Promise.all(tasks.map(async (task) => finished((await pool.run(task)) as SweepTaskOutcome)));
    return outcomes.map(fromOutcome);
  } finally {
    await pool.destroy();
  }
}
