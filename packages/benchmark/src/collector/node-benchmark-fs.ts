import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
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

/**
 * `mkdir -p` of the folder that will hold `path`, which fails where Node's `mkdir(dir, { recursive: true })`
 * spins forever: procfs answers ENOENT for a child it cannot hold (`/proc/x`) while its parent exists, and
 * Node's recursive walk then retries the parent and the child without end (nodejs/node, Linux). Here each
 * missing folder is made once, from the nearest existing one down, and its error is final.
 */
export async function makeParentDirectory(path: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      await stat(dir);
      break;
    } catch (e) {
      if (!isMissing(e)) throw e;
      missing.push(dir);
      if (dirname(dir) === dir) break;
    }
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (e) {
      // Made meanwhile by another writer: fine. Anything else (ENOENT under /proc, EACCES) is the answer.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
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
      await makeParentDirectory(path);
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
      await makeParentDirectory(path);
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
