import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressReporter } from './progress-reporter.ts';
import type { RunProgress } from './run-experiment.ts';

function capture(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const parts: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      parts.push(String(chunk));
      callback();
    },
  });
  return Object.assign(stream, { isTTY, columns: 200, text: () => parts.join('') });
}

const progress = (completedBatches: number, over: Partial<RunProgress> = {}): RunProgress => ({
  completedBatches, totalBatches: 8, completedRuns: 1, totalRuns: 2, measuredPoints: 2, failedRuns: 0, event: 'repeat',
  run: { batchSize: 4, inputLen: 128, outputLen: 16, repeats: 3, warmup: 1 }, ...over,
});

describe('createProgressReporter', () => {
  it('draws batches done, total, ETA and the current run on a terminal', () => {
    const stream = capture(true);
    const reporter = createProgressReporter({ total: 8, stream });
    expect(reporter.active).toBe(true);
    reporter.update(progress(4));
    reporter.stop();
    const text = stream.text();
    expect(text).toContain('4/8 batches');
    expect(text).toContain('50%');
    expect(text).toContain('ETA');
    expect(text).toContain('bs 4 in 128 out 16');
    expect(text).toContain('runs 1/2, 2 points, 0 failed');
  });

  it('follows a total that resume made smaller', () => {
    const stream = capture(true);
    const reporter = createProgressReporter({ total: 100, stream });
    reporter.update(progress(2, { totalBatches: 4 }));
    reporter.stop();
    expect(stream.text()).toContain('2/4 batches');
  });

  it('writes nothing when the stream is not a terminal or when disabled', () => {
    for (const [isTTY, enabled] of [[false, true], [true, false]] as const) {
      const stream = capture(isTTY);
      const reporter = createProgressReporter({ total: 8, stream, enabled });
      expect(reporter.active).toBe(false);
      reporter.update(progress(4));
      reporter.stop();
      expect(stream.text()).toBe('');
    }
  });
});
