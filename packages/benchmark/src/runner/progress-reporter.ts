import cliProgress from 'cli-progress';
import type { RunProgress } from './run-experiment.ts';

/** Where and whether `createProgressReporter` draws its bar. */
export interface ProgressReporterOptions {
  /** Batches to run; updated from each `RunProgress` (resume may leave fewer). */
  readonly total: number;
  /** Where the bar is drawn: `process.stderr` in the CLI, so that stdout stays clean for --json. */
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** False for --json / --quiet; the bar is also off when `stream` is not a terminal (CI logs). */
  readonly enabled?: boolean;
}

/** A progress bar of an experiment's batches (see `createProgressReporter`). */
export interface ProgressReporter {
  /** Whether a bar is drawn at all. */
  readonly active: boolean;
  /** Moves the bar to this progress; pass it as `runExperiment`'s `onProgress`. */
  update(progress: RunProgress): void;
  /** Draws the last state and releases the terminal line. */
  stop(): void;
}

function describeRun(progress: RunProgress): string {
  const r = progress.run;
  return r ? `bs ${r.batchSize} in ${r.inputLen} out ${r.outputLen}` : '';
}

/**
 * A one-line progress bar of batches with ETA (cli-progress): `[=====-----] 42% | 21/50 batches | ETA 3m10s |
 * runs 4/12, 6 points, 1 failed | bs 8 in 512 out 128`. Does nothing when disabled or not on a TTY.
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const active = options.enabled !== false && options.stream.isTTY === true;
  if (!active) return { active, update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: options.stream,
      format:
        '{bar} {percentage}% | {value}/{total} batches | ETA {eta_formatted} | runs {runs}, {points} points, {failed} failed | {current}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = options.total;
  bar.start(total, 0, { runs: '0/0', points: 0, failed: 0, current: '' });
  return {
    active,
    update(progress) {
      if (progress.totalBatches !== total) {
        total = progress.totalBatches;
        bar.setTotal(total);
      }
      bar.update(progress.completedBatches, {
        runs: `${progress.completedRuns}/${progress.totalRuns}`,
        points: progress.measuredPoints,
        failed: progress.failedRuns,
        current: describeRun(progress),
      });
    },
    stop() {
      bar.stop();
    },
  };
}
