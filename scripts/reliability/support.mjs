// Shared pieces of the reliability suite: the CLI run in-process, an `llm-sim serve` child process, HTTP helpers.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = `${root}apps/cli/dist/cli.js`;
const { main } = await import(`${root}apps/cli/dist/index.js`);

/** Runs `llm-sim ARGS` in this process with real files; never longer than `limitMs` (a hang is a finding). */
export async function runCli(args, limitMs = 120_000) {
  let stdout = '';
  let stderr = '';
  const { createNodeIo } = await import(`${root}apps/cli/dist/index.js`);
  const node = createNodeIo();
  const io = { ...node, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTty: false };
  let timer;
  const hang = new Promise((resolve) => (timer = setTimeout(() => resolve('hang'), limitMs)));
  const code = await Promise.race([main(args, io), hang]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A message a user can act on: no stack trace, no internal error, no zod dump. */
export function isCleanMessage(stderr) {
  return !/internal error|\n\s+at .+:\d+:\d+|ZodError|TypeError|RangeError|"code":/.test(stderr);
}

/** Starts `llm-sim serve ... --port 0 --json` as a child process; resolves with its URL and pid. */
export function startServe(args, port = 0) {
  const child = spawn(process.execPath, [cliPath, 'serve', ...args, '--port', String(port), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ child, url: JSON.parse(line).url, pid: child.pid });
    });
    child.on('exit', (code) => reject(new Error(`llm-sim serve exited ${code}: ${err}`)));
  });
}

export async function stopServe(server, signal = 'SIGTERM') {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill(signal);
  await exited;
}

/** Resident memory of a process in MB, from /proc (Linux). */
export function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

export function parsePrometheus(text) {
  const values = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
