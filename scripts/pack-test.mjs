// Packs every publishable package as `pnpm publish` would, installs the tarballs with npm into a scratch
// project outside the workspace (as a user would), and runs each package README's first example there,
// plus the installed `llm-sim` command. Needs the npm registry for third-party dependencies.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const packages = ['packages/roofline', 'packages/simulator', 'packages/calibration', 'packages/benchmark', 'packages/report', 'packages/emulator', 'packages/factory', 'apps/cli'];
const scratch = mkdtempSync(join(tmpdir(), 'llm-sim-pack-'));
const tarballs = join(scratch, 'tarballs');
const project = join(scratch, 'project');
const run = (cmd, args, cwd, extra = {}) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...extra });

let failures = 0;
function check(name, fn) {
  try {
    const out = fn();
    console.log(`ok   ${name}${out ? `: ${String(out).trim().split('\n').slice(-1)[0]}` : ''}`);
  } catch (error) {
    failures++;
    console.log(`FAIL ${name}: ${error.message}`);
  }
}

try {
  for (const dir of packages) run('pnpm', ['pack', '--pack-destination', tarballs], join(root, dir));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  writeFileSync(join(scratch, 'package.json'), '{}');
  run('mkdir', ['-p', project], scratch);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], project);

  const example = (readme) => {
    const text = readFileSync(join(root, readme), 'utf8');
    const match = text.match(/```(?:ts|js)\n([\s\S]*?)```/);
    if (!match) throw new Error(`${readme} has no ts/js example`);
    return match[1];
  };
  for (const [pkg, expect] of [
    ['packages/roofline/README.md', /ms/],
    ['packages/simulator/README.md', /Successful requests/],
  ]) {
    check(`${pkg} example runs from the installed package`, () => {
      const file = join(project, `${pkg.split('/')[1]}-example.mjs`);
      writeFileSync(file, example(pkg));
      const out = run('node', [file], project);
      if (!expect.test(out)) throw new Error(`unexpected output:\n${out}`);
      return out;
    });
  }
  check('the installed llm-sim (npx llm-sim) simulates the seeds example', () => {
    // As a user runs an installed CLI: through npx, resolved from the project's node_modules.
    const out = run('npx', ['--no-install', 'llm-sim', '--model', 'llama-7b', '--xpu', 'gb10', '--num-requests', '20'], project);
    if (!/Successful requests:\s+20/.test(out)) throw new Error(`unexpected output:\n${out}`);
    return out.split('\n').find((l) => l.includes('Output token throughput'));
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`${packages.length} packed; ${failures === 0 ? 'every example ran' : `${failures} failed`}`);
process.exit(failures === 0 ? 0 : 1);
