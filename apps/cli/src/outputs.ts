import type { CliContext } from './context.ts';

/** An output file a flag asked for that could not be written (exit 2, bad input: the path is the user's). */
export class OutputError extends Error {
  readonly code = 'UNWRITABLE_OUTPUT';
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/** One file a flag asked for, and the line that says it was written. */
export interface Output {
  /** The flag as the user knows it (`--report`, `-o`). */
  readonly flag: string;
  readonly path: string;
  readonly text: () => string | Promise<string>;
  /** Printed once the file is written, e.g. `wrote r.html (HTML report)`. */
  readonly said: string;
  /** Append instead of replacing (raw JSONL files grow). */
  readonly append?: boolean;
}

/** "no such file or directory (ENOENT)": Node's reason without the path it repeats. */
function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.message === 'string') {
    const words = /^[A-Z]+: ([^,]+)/.exec(e.message)?.[1] ?? e.message;
    return `${words} (${e.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Writes (or appends) one file; a failure names the flag and the path, never a bare errno. */
export async function writeOutputFile(ctx: CliContext, flag: string, path: string, text: string, append = false): Promise<void> {
  try {
    await (append ? ctx.io.appendTextFile(path, text) : ctx.io.writeTextFile(path, text));
  } catch (error) {
    throw new OutputError(`cannot write ${flag} '${path}': ${reasonOf(error)}`);
  }
}

/**
 * Writes the files asked for, after the results are printed, so that an unwritable path (`/proc/x`, a
 * read-only folder) costs the file and not the results: every output is tried, each one written is said
 * with `tell`, and the ones that failed are named together in one error.
 */
export async function writeOutputs(ctx: CliContext, outputs: readonly Output[], tell: (line: string) => void): Promise<void> {
  const failed: string[] = [];
  for (const output of outputs) {
    const text = await output.text();
    try {
      await writeOutputFile(ctx, output.flag, output.path, text, output.append);
      tell(output.said);
    } catch (error) {
      failed.push((error as Error).message);
    }
  }
  if (failed.length > 0) throw new OutputError(`${failed.join('; ')} (the results above are complete)`);
}
