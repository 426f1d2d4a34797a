import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built command, as `pnpm llm-sim` runs it (`pnpm test` builds first).
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe('llm-sim piped into a reader that stops early', () => {
  it('ends quietly with exit 0 when the pipe closes (llm-sim models | head -1), no unhandled EPIPE', async () => {
    const child = spawn(process.execPath, [cli, 'models'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Close our end of the pipe before the command writes, as a reader that has had enough does.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(code).toBe(0);
  }, 30_000);
});
