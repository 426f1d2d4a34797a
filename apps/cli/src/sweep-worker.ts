import { readFile } from 'node:fs/promises';
import { runSweepPoint, type SweepPointResult } from '@llm-sim/factory';
import type { SweepTask, SweepTaskOutcome } from './parallel-sweep.ts';
import { toOutcome } from './worker-threads.ts';

/** One point of a sweep on a worker thread (tinypool calls the default export); errors come back as data. */
export default function runTask(task: SweepTask): Promise<SweepTaskOutcome> {
  return toOutcome<SweepPointResult>(() => runSweepPoint(task.config, (path) => readFile(path, 'utf8'), task.resultFile));
}
