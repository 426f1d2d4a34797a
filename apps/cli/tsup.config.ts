import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts', 'src/sweep-worker.ts', 'src/search-worker.ts'],
  format: ['esm'],
  target: 'node20',
  dts: { entry: 'src/index.ts', compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  // Start-up is mostly the module loader opening files: the command ships as one bundle with its
  // dependencies inside, and what only some commands need (the report's charts, the emulator) stays
  // in chunks loaded when they run.
  // tinypool stays a dependency: it starts its workers from its own files.
  noExternal: [/^(?!tinypool(\/|$))/],
  splitting: true,
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __llmSimCreateRequire } from 'node:module'; const require = __llmSimCreateRequire(import.meta.url);" },
});
