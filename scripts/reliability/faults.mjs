// Faults: the runner against servers that answer garbage, nothing, or hang up, and against no server:
// each ends with the documented exit code (4) and one clear message, never a stack trace or a hang.
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCleanMessage, runCli } from './support.mjs';

const dir = mkdtempSync(join(tmpdir(), 'llm-sim-faults-'));
const listen = (handler) =>
  new Promise((resolve) => {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const kinds = [
  ['a server answering garbage', (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>garbage{')],
  ['a server answering 500 with nothing', (req, res) => res.writeHead(500).end()],
  ['a server hanging up on every request', (req) => req.socket.destroy()],
  ['a server that never answers', () => {}],
  ['a stream of garbage events', (req, res) => {
    if (req.url.startsWith('/v1/models')) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'meta-llama/Llama-3.1-8B', object: 'model', max_model_len: 131072 }] }));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {not json}\n\ndata: [DONE]\n\n');
  }],
];
const results = [];
for (const [what, handler] of kinds) {
  const server = await listen(handler);
  const url = `http://127.0.0.1:${server.address().port}`;
  const r = await runCli(['benchmark', 'run', '--endpoint', url, '--model', 'llama-3.1-8b', '--xpu', 'h100', '--timeout-s', '2', '--retries', '0', '--quiet', '-o', join(dir, `${results.length}.jsonl`)], 120_000);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  const problems = [];
  if (r.code === 'hang') problems.push('hung');
  else if (r.code !== 4) problems.push(`exit ${r.code}, expected 4`);
  if (!isCleanMessage(r.stderr)) problems.push('stack trace or internal error');
  results.push({ area: 'faults', what, ok: problems.length === 0, detail: problems.join('; ') || r.stderr.trim().split('\n').at(-1).slice(0, 140) });
}
// Nothing listening at all.
const closed = await listen(() => {});
const port = closed.address().port;
await new Promise((resolve) => closed.close(resolve));
const r = await runCli(['benchmark', 'run', '--endpoint', `http://127.0.0.1:${port}`, '--model', 'llama-3.1-8b', '--xpu', 'h100', '--retries', '0', '--quiet', '-o', join(dir, 'none.jsonl')]);
results.push({ area: 'faults', what: 'no server at all', ok: r.code === 4 && isCleanMessage(r.stderr), detail: `exit ${r.code}: ${r.stderr.trim().split('\n').at(-1).slice(0, 140)}` });
export const faults = results;
