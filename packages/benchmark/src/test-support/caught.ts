import { BenchmarkError } from '../errors.ts';

/** Runs `f` and returns the BenchmarkError it throws, so tests can check its code, file, line and field. */
export function caught(f: () => unknown): BenchmarkError {
  try {
    f();
  } catch (e) {
    if (e instanceof BenchmarkError) return e;
    throw e;
  }
  throw new Error('expected a BenchmarkError');
}
