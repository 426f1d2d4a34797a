import { readFile, writeFile, appendFile, mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';

/** Everything the CLI touches outside itself, injected so that commands run in-process in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readTextFile: (path: string) => Promise<string>;
  readonly writeTextFile: (path: string, text: string) => Promise<void>;
  readonly appendTextFile: (path: string, text: string) => Promise<void>;
  /** True when stdout is a terminal: progress bars only then. */
  readonly isTty: boolean;
  readonly now: () => Date;
  /** Worker threads a sweep may use (the machine's available parallelism). */
  readonly threads: number;
}

async function ensureDir(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
}

export function createNodeIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readTextFile: (path) => readFile(path, 'utf8'),
    writeTextFile: async (path, text) => {
      await ensureDir(path);
      await writeFile(path, text, 'utf8');
    },
    appendTextFile: async (path, text) => {
      await ensureDir(path);
      await appendFile(path, text, 'utf8');
    },
    isTty: Boolean(process.stdout.isTTY),
    now: () => new Date(),
    threads: availableParallelism(),
  };
}
