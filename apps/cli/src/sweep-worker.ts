import { readFile } from 'node:fs/promises';
import { runSweepPoint, type SweepPointResult } from '@llm-sim/factory';
import type { SweepTask, SweepTaskOutcome } from './parallel-sweep.ts';

/**
 * One point of a sweep on a worker thread (tinypool calls the default export). Errors come back as
 * data: a structured clone keeps an Error's message but not its `code`, which sets the exit code.
 */
export default async function runTask(task: SweepTask): Promise<SweepTaskOutcome> {
  try {
    const result: SweepPointResult = await runSweepPoint(task.config, (path) => readFile(path, 'utf8'), task.resultFile);
    return { ok: true, result };
  } catch (error) {
    const code = error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return { ok: false, code, message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined };
  }
}
