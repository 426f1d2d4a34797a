import { readFile } from 'node:fs/promises';
import type { CliIo } from './io.ts';

/** An in-memory CliIo for tests: captures stdout and stderr, reads real files, keeps written files. */
export function createTestIo(options: { isTty?: boolean; threads?: number } = {}) {
  let stdout = '';
  let stderr = '';
  const written = new Map<string, string>();
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readTextFile: (path) => (written.has(path) ? Promise.resolve(written.get(path)!) : readFile(path, 'utf8')),
    writeTextFile: async (path, text) => {
      written.set(path, text);
    },
    appendTextFile: async (path, text) => {
      written.set(path, (written.get(path) ?? '') + text);
    },
    isTty: options.isTty ?? false,
    now: () => new Date('2026-11-24T00:00:00Z'),
    threads: options.threads ?? 1,
  };
  return {
    io,
    written,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}
