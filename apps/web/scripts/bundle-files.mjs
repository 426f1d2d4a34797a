// Which files of dist/ a visit loads at once (index.html, what it references, the worker, and what those import
// statically) and which only when a run asks for them (chunks reached by dynamic import() alone: the datasets).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, normalize } from 'node:path';

export const DIST = new URL('../dist/', import.meta.url).pathname;

export function bundleFiles(dist = DIST) {
  const all = readdirSync(dist, { recursive: true })
    .map((f) => join(dist, String(f)))
    .filter((f) => statSync(f).isFile())
    .map((f) => relative(dist, f))
    .sort();
  const first = new Set(['index.html']);
  const queue = ['index.html'];
  while (queue.length > 0) {
    const file = queue.pop();
    const text = readFileSync(join(dist, file), 'utf8');
    const refs = [
      ...[...text.matchAll(/(?:src|href)="\.?\/?([^"]+)"/g)].map((m) => m[1]),
      // Static imports and the worker's URL; `import("./x.js")` (a lazy chunk) is left out on purpose.
      ...[...text.matchAll(/(?:from|import)\s*["']\.\/([^"']+\.js)["']/g)].map((m) => normalize(join(dirname(file), m[1]))),
      ...[...text.matchAll(/["'`](?:\.\/)?(worker-[\w-]+\.js)["'`]/g)].map((m) => normalize(join(dirname(file), m[1]))),
    ];
    for (const ref of refs) {
      if (all.includes(ref) && !first.has(ref)) {
        first.add(ref);
        queue.push(ref);
      }
    }
  }
  return { all, firstLoad: all.filter((f) => first.has(f)), lazy: all.filter((f) => !first.has(f)) };
}
