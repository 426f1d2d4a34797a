import type { DeploymentEvaluation, EvaluateDeployment } from '@llm-sim/factory';
import { builtWorkerFile, createWorkerPool, fromOutcome, type WorkerOutcome } from './worker-threads.ts';

export interface SearchPool {
  readonly evaluate: EvaluateDeployment;
  readonly close: () => Promise<void>;
}

/**
 * Capacity searches on `threads` worker threads (tinypool), one deployment per task; undefined when the
 * worker has not been built (then the search runs in-process, with the same results).
 */
export function createSearchPool(threads: number): SearchPool | undefined {
  const filename = builtWorkerFile('search-worker');
  if (filename === undefined) return undefined;
  const pool = createWorkerPool(filename, threads);
  return {
    evaluate: async (task) => fromOutcome((await pool.run(task)) as WorkerOutcome<DeploymentEvaluation>),
    close: () => pool.destroy(),
  };
}
