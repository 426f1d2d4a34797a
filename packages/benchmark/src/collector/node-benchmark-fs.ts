import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchmarkFs } from './benchmark-store.ts';

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

async function endsWithNewline(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    if (isMissing(e)) return true;
    throw e;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** The collector's file access on the local disk (the package's only effectful module besides its tests). */
export function createNodeBenchmarkFs(): BenchmarkFs {
  return {
    async readText(path) {
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        if (isMissing(e)) return undefined;
        throw e;
      }
    },
    async appendLine(path, line) {
      await mkdir(dirname(path), { recursive: true });
      const prefix = (await endsWithNewline(path)) ? '' : '\n';
      const handle = await open(path, 'a');
      try {
        await handle.write(`${prefix}${line}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async writeTextAtomic(path, text) {
      await mkdir(dirname(path), { recursive: true });
      const aside = `${path}.partial`;
      const handle = await open(aside, 'w');
      try {
        await handle.write(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(aside, path);
    },
  };
}
