import type { CliIo } from './io.ts';

export interface CliContext {
  readonly io: CliIo;
}
