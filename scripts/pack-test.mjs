// Packs every publishable package as `pnpm publish` would, installs the tarballs with npm into a scratch
// project outside the workspace (as a user would), and runs each package README's first example there,
// plus the installed `llm-sim` command. Needs the npm registry for third-party dependencies.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
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

  // What `npm install @llm-sim/roofline @llm-sim/simulator` gives a library user: those two alone.
  const library = join(scratch, 'library');
  run('mkdir', ['-p', library], scratch);
  writeFileSync(join(library, 'package.json'), JSON.stringify({ name: 'library-user', private: true, type: 'module' }));
  const alone = files.filter((f) => /llm-sim-(roofline|simulator)-\d/.test(f));
  if (alone.length !== 2) throw new Error(`expected the roofline and simulator tarballs, found ${alone.join(', ')}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...alone], library);
  const exampleOf = (pkg) => example(`packages/${pkg}/README.md`);
  check('roofline + simulator alone: the README examples run as ES modules', () => {
    for (const pkg of ['roofline', 'simulator']) {
      writeFileSync(join(library, `${pkg}.mjs`), exampleOf(pkg));
      run('node', [join(library, `${pkg}.mjs`)], library);
    }
    return 'both ran';
  });
  check('roofline + simulator alone: require() from CommonJS', () => {
    const cjs = [
      "const { getModel, getXpu, planMemory, RooflinePerformanceModel } = require('@llm-sim/roofline');",
      "const { simulate, generateRequests, summarizeSimulation } = require('@llm-sim/simulator');",
      "const model = getModel('llama-3.1-8b'); const xpu = getXpu('h100');",
      'const plan = planMemory({ model, xpu });',
      'const performanceModel = new RooflinePerformanceModel({ model, xpu });',
      "const requests = generateRequests({ numRequests: 200, arrival: { kind: 'poisson', rate: 10 }, inputLength: { kind: 'fixed', value: 512 }, outputLength: { kind: 'fixed', value: 64 } }, 0);",
      'const result = simulate({ performanceModel, requests, kvCacheBlocksPerReplica: plan.kvCacheBlocks });',
      "console.log(`completed ${summarizeSimulation(result).completed} of 200 from CommonJS`);",
    ].join('\n');
    writeFileSync(join(library, 'consumer.cjs'), cjs);
    const out = run('node', [join(library, 'consumer.cjs')], library);
    if (!/completed 200 of 200 from CommonJS/.test(out)) throw new Error(`unexpected output:\n${out}`);
    return out;
  });
  check('roofline + simulator alone: the README examples compile under tsc --strict', () => {
    // The same TypeScript and Node types the workspace pins, installed as a user would.
    const pins = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies;
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `typescript@${pins.typescript}`, `@types/node@${pins['@types/node']}`], library);
    for (const pkg of ['roofline', 'simulator']) writeFileSync(join(library, `${pkg}-example.ts`), exampleOf(pkg));
    writeFileSync(
      join(library, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck: false }, files: ['roofline-example.ts', 'simulator-example.ts'] }),
    );
    run('node', [join(library, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], library);
    return 'no type error';
  });
  check('bundle size of a minimal consumer (the roofline and simulator README examples together, minified for a browser)', () => {
    const out = join(library, 'bundle.js');
    writeFileSync(join(library, 'both.mjs'), "import './roofline.mjs';\nimport './simulator.mjs';\n");
    // The esbuild that tsup (a workspace devDependency) builds with: no bundler of its own to pin.
    const esbuild = createRequire(createRequire(import.meta.url).resolve('tsup'))('esbuild');
    const { metafile } = esbuild.buildSync({ entryPoints: [join(library, 'both.mjs')], bundle: true, minify: true, format: 'esm', platform: 'browser', outfile: out, metafile: true, logLevel: 'error', absWorkingDir: library });
    const bytes = readFileSync(out);
    const zodBytes = Object.entries(Object.values(metafile.outputs)[0].inputs)
      .filter(([path]) => path.includes('node_modules/zod/'))
      .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    // Validation stays off the hot path's weight: zod/mini, not the whole of zod (443 kB of a 497 kB bundle before).
    if (zodBytes > 60 * 1024) throw new Error(`zod takes ${(zodBytes / 1024).toFixed(1)} kB of the bundle: is the full zod imported instead of zod/mini?`);
    return `${(bytes.length / 1024).toFixed(1)} kB minified (zod ${(zodBytes / 1024).toFixed(1)} kB of it), ${(gzipSync(bytes).length / 1024).toFixed(1)} kB gzipped`;
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`${packages.length} packed; ${failures === 0 ? 'every example ran' : `${failures} failed`}`);
process.exit(failures === 0 ? 0 : 1);
