import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';

/** What a worker returns: a structured clone keeps an Error's message but not its `code`, which sets the exit code. */
export type WorkerOutcome<T> =
  | { readonly ok: true; readonly result: T }
  | { readonly ok: false; readonly code?: string; readonly message: string; readonly stack?: string };

/** In a worker: runs the task and returns its result or its error as data. */
export async function toOutcome<T>(run: () => Promise<T>): Promise<WorkerOutcome<T>> {
  try {
    return { ok: true, result: await run() };
  } catch (error) {
    const code = error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return { ok: false, code, message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined };
  }
}

/** An error from a worker, with the `code` the exit code is chosen by. */
class WorkerTaskError extends Error {
  readonly code?: string;
  constructor(outcome: Extract<WorkerOutcome<unknown>, { ok: false }>) {
    super(outcome.message);
    this.name = 'WorkerTaskError';
    this.code = outcome.code;
    if (outcome.stack) this.stack = outcome.stack;
  }
}

/** In the parent: the result, or the worker's error rethrown with its code. */
export function fromOutcome<T>(outcome: WorkerOutcome<T>): T {
  if (!outcome.ok) throw new WorkerTaskError(outcome);
  return outcome.result;
}

/**
 * A built worker script (`sweep-worker`, `search-worker`): beside this file once bundled (dist/), or in
 * dist/ when this runs from source (vitest), since Node 20 cannot load the TypeScript worker itself.
 * Undefined when it has not been built.
 */
export function builtWorkerFile(name: string): string | undefined {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL(`../dist/${name}.js`, here) : new URL(`./${name}.js`, here);
  const path = fileURLToPath(url);
  return existsSync(path) ? path : undefined;
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

/** A tinypool of `threads` worker threads running the built worker `filename`. */
export function createWorkerPool(filename: string, threads: number): Tinypool {
  return new Tinypool({ filename, minThreads: threads, maxThreads: threads, execArgv: builtExecArgv() });
}
