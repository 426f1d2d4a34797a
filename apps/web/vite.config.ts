import { defineConfig } from 'vite';

// A static site: relative asset paths, so that the same dist works at a GitHub Pages sub-path and from a file server.
export default defineConfig({
  base: './',
  // Workspace packages from their TypeScript sources, as the tests read them (no stale dist).
  resolve: { conditions: ['@llm-sim/source'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: false, reportCompressedSize: false, chunkSizeWarningLimit: 2000 },
});
