import cliProgress from 'cli-progress';
import type { CliIo } from './io.ts';

export interface Progress {
  readonly update: (done: number, total: number) => void;
  readonly stop: () => void;
}

/**
 * A progress bar with ETA that appears only on a terminal, only when asked, and only once a run has
 * taken more than a second: short runs and `--json` output stay clean.
 */
export function createProgress(io: CliIo, options: { enabled: boolean; label: string }): Progress {
  if (!options.enabled || !io.isTty) return { update: () => {}, stop: () => {} };
  const started = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done, total) {
      if (!bar) {
        if (Date.now() - started < 1000) return;
        bar = new cliProgress.SingleBar(
          { format: `{bar} {percentage}% | {value}/{total} ${options.label} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      }
      bar.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}
