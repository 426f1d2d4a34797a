import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@llm-sim/source` export
// condition, so tests never wait for a build and always see the code next to them.
export default defineConfig({
  resolve: { conditions: ['@llm-sim/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@llm-sim/source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
