import type { RunFailure } from './run-experiment.ts';

function reason(f: RunFailure): string {
  if (f.code === 'HTTP_ERROR') return f.status !== undefined ? `HTTP ${f.status}` : 'server error';
  if (f.code === 'TIMEOUT') return 'timeout';
  if (f.code === 'CONNECTION_ERROR') return f.errno ? `connection error ${f.errno}` : 'connection error';
  if (f.code === 'ABORTED') return 'stopped';
  if (f.code === 'PROTOCOL_ERROR') return 'bad response';
  return 'not measurable';
}

/**
 * The end-of-run report of failed runs, one line each:
 * `bs 8 in 512 out 128 [prefill, decode]: HTTP 400 after 1 attempt: <server message>`. Empty when none failed.
 */
export function formatRunFailures(failures: readonly RunFailure[]): string {
  return failures
    .map((f) => {
      const tries = `${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`;
      const done = f.completedRepeats > 0 ? `, ${f.completedRepeats} repeats done` : '';
      return `bs ${f.run.batchSize} in ${f.run.inputLen} out ${f.run.outputLen} [${f.phases.join(', ')}]: ${reason(f)} after ${tries}${done}: ${f.message}`;
    })
    .join('\n');
}
