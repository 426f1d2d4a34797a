// Bad input of many kinds: each must give one clear message naming what is wrong and the documented exit
// code (CLI), or an OpenAI-style 4xx (HTTP) -- never a stack trace or a hang.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCleanMessage, root, runCli, startServe, stopServe } from './support.mjs';

const dir = mkdtempSync(join(tmpdir(), 'llm-sim-reliability-'));
const file = (name, content) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const sim = ['--model', 'llama-3.1-8b', '--xpu', 'h100', '--quiet'];
const small = [...sim, '--num-requests', '20'];
const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
const splitwise = `${root}benchmark_data/raw/splitwise/perf_model.csv`;
const absurd = readFileSync(splitwise, 'utf8')
  .trim()
  .split('\n')
  .map((line, i) => (i > 0 && line.startsWith('llama2-70b,h100') ? line.replace(/,([0-9.]+),([0-9.]+),([0-9.]+),4$/, ',1e300,$2,$3,4') : line))
  .join('\n');
const trace = (rows) => file(`trace-${Math.random().toString(36).slice(2)}.csv`, `arrived_at,num_prefill_tokens,num_decode_tokens\n${rows}\n`);
const config = (json) => file(`config-${Math.random().toString(36).slice(2)}.json`, typeof json === 'string' ? json : JSON.stringify(json));

/** [area, what, args, exit code, what stderr must say]. */
const cliCases = [
  ['cli', 'negative --num-requests', [...sim, '--num-requests', '-5'], 2, /^llm-sim: --num-requests -5: /],
  ['cli', 'zero --num-requests', [...sim, '--num-requests', '0'], 2, /^llm-sim: --num-requests 0: /],
  ['cli', 'NaN --num-requests', [...sim, '--num-requests', 'NaN'], 2, /--num-requests/],
  ['cli', 'huge --num-requests', [...sim, '--num-requests', '1e12'], 2, /at most 10,000,000 requests/],
  ['cli', 'negative --request-rate', [...small, '--request-rate', '-1'], 2, /--request-rate/],
  ['cli', 'text --request-rate', [...small, '--request-rate', 'fast'], 2, /--request-rate/],
  ['cli', 'distribution uniform:5:1', [...small, '--input-len', 'uniform:5:1'], 2, /--input-len/],
  ['cli', 'zero --input-len', [...small, '--input-len', '0'], 2, /--input-len/],
  ['cli', 'negative normal --output-len', [...small, '--output-len', 'normal:-1:2'], 2, /--output-len/],
  ['cli', '--input-len over int32', [...small, '--input-len', '4294967396'], 2, /at most 2,147,483,647 tokens/],
  ['cli', 'TP not dividing the heads', [...small, '--tp', '3'], 2, /tp|heads/i],
  ['cli', 'zero --tp', [...small, '--tp', '0'], 2, /^llm-sim: --tp 0: /],
  ['cli', '--gpu-memory-utilization above 1', [...small, '--gpu-memory-utilization', '1.5'], 2, /^llm-sim: --gpu-memory-utilization 1\.5: /],
  ['cli', 'huge --max-num-seqs', [...small, '--max-num-seqs', '1e9'], 2, /at most 65,536 sequences/],
  ['cli', 'huge --num-replicas', [...small, '--num-replicas', '1e12'], 2, /at most 1024 instances/],
  ['cli', 'huge --prefill-instances', [...small, '--cluster', 'disaggregated', '--prefill-instances', '1e9'], 2, /at most 1024 instances/],
  ['cli', 'huge --kv-transfer-bandwidth-gbps NaN', [...small, '--cluster', 'disaggregated', '--kv-transfer-bandwidth-gbps', 'NaN'], 2, /--kv-transfer-bandwidth-gbps NaN/],
  ['cli', 'fractional --seed', [...small, '--seed', '1.5'], 2, /^llm-sim: --seed 1\.5: /],
  ['cli', 'unknown model', ['--model', 'llama-9', '--xpu', 'h100'], 2, /llama-9/],
  ['cli', 'unknown xpu', ['--model', 'llama-3.1-8b', '--xpu', 'h10'], 2, /h10/],
  ['cli', 'a config that does not fit', ['--model', 'llama-3.1-70b', '--xpu', 'l40s', '--num-requests', '5', '--quiet'], 3, /fit/],
  ['cli', 'a flag given twice', [...small, '--num-requests', '6'], 2, /^llm-sim: --num-requests given twice \(20, 6\)/],
  ['cli', 'a mistyped flag', [...sim, '--num-request', '5'], 2, /did you mean --num-requests/],
  ['cli', 'a mistyped command', ['simulat', ...sim], 2, /did you mean 'simulate'/],
  ['cli', 'compare on 256 devices', ['compare', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-devices', '256'], 2, /up to 64 devices/],
  ['cli', '--endpoint not a URL', ['benchmark', 'run', '--endpoint', 'notaurl', '--model', 'llama-3.1-8b', '--xpu', 'h100', '-o', join(dir, 'o.jsonl')], 2, /not a URL/],
  ['cli', '--endpoint ftp://', ['benchmark', 'run', '--endpoint', 'ftp://127.0.0.1:1', '--model', 'llama-3.1-8b', '--xpu', 'h100', '-o', join(dir, 'o.jsonl')], 2, /http:\/\/ or https:\/\//],
  ['cli', 'unwritable --output-requests', [...small, '--output-requests', join(file('a-file', 'x'), 'requests.csv')], 2, /a-file/],
  ['cli', '--report under /proc (Node\'s recursive mkdir spins there): the results printed, the file named', [...small, '--report', '/proc/llm-sim-none/r.html'], 2, /cannot write --report '\/proc\/llm-sim-none\/r\.html'/],
  ['cli', 'benchmark run -o under /proc: refused before the first point', ['benchmark', 'run', '--endpoint', 'http://127.0.0.1:9', '--model', 'llama-3.1-8b', '--xpu', 'h100', '-o', '/proc/llm-sim-none/raw.jsonl'], 2, /cannot write -o/],
  ['cli', 'negative --max-mape', ['calibrate', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--from', splitwise, '--max-mape', '-1'], 2, /--max-mape/],
  ['config', 'missing --config file', [...sim, '--config', join(dir, 'nope.json')], 2, /nope\.json/],
  ['config', 'malformed JSON', [...sim, '--config', config('{"model": ')], 2, /not valid JSON/],
  ['config', 'binary --config', [...sim, '--config', file('binary.json', binary)], 2, /not valid JSON/],
  ['config', 'empty --config', [...sim, '--config', config('')], 2, /not valid JSON/],
  ['config', 'a workload key at the top level', ['--config', config({ model: 'llama-3.1-8b', xpu: 'h100', num_requests: 50 }), '--quiet'], 2, /belongs at workload\.num_requests/],
  ['config', 'a misspelt key', ['--config', config({ model: 'llama-3.1-8b', xpu: 'h100', workload: { num_request: 5 } }), '--quiet'], 2, /did you mean 'num_requests'/],
  ['config', 'a wrong type', ['--config', config({ model: 'llama-3.1-8b', xpu: 'h100', parallelism: { tp: 'four' } }), '--quiet'], 2, /parallelism\.tp/],
  ['config', 'replicas with a disaggregated cluster', ['--config', config({ model: 'llama-3.1-8b', xpu: 'h100', cluster: { type: 'disaggregated', num_replicas: 4 } }), '--quiet'], 2, /num_replicas/],
  ['calibration', 'missing --calibration-data', [...small, '--performance-model', 'vllm_roofline', '--calibration-data', join(dir, 'nope-cal.json')], 2, /nope-cal\.json/],
  ['calibration', 'malformed calibration', [...small, '--performance-model', 'vllm_roofline', '--calibration-data', file('bad-cal.json', '{"format_version": 1,')], 2, /bad-cal\.json/],
  ['calibration', 'calibration of the wrong shape', [...small, '--performance-model', 'vllm_roofline', '--calibration-data', file('empty-cal.json', '{}')], 2, /empty-cal\.json/],
  ['calibration', '--calibration-data with --performance-model roofline is refused, not ignored', [...small, '--performance-model', 'roofline', '--calibration-data', 'benchmark_data/calibration/h100-sxm/kernels.json'], 2, /^llm-sim: --calibration-data \S+: a calibration is read only by model_type 'vllm_roofline'/],
  ['calibration', '--calibration-data without --performance-model is read, not ignored', [...small, '--calibration-data', file('ignored-cal.json', '{}')], 2, /vllm_roofline|ignored-cal\.json/],
  ['trace', 'missing trace', [...sim, '--trace', join(dir, 'nope.csv')], 2, /nope\.csv/],
  ['trace', 'empty trace', [...sim, '--trace', file('empty.csv', '')], 2, /missing column|no requests|not a known trace format/],
  ['trace', 'trace without its columns', [...sim, '--trace', file('cols.csv', 'a,b,c\n1,2,3\n')], 2, /missing column|not a known trace format/],
  ['trace', 'trace with 3e9 tokens', [...sim, '--trace', trace('0,3000000000,5')], 2, /at most 2147483647 tokens/],
  ['trace', 'trace going back in time', [...sim, '--trace', trace('2,10,5\n1,10,5')], 2, /back in time/],
  ['trace', 'binary trace', [...sim, '--trace', file('binary.csv', binary)], 2, /missing column|line|not a known trace format/],
  ['trace', 'prompts longer than the context: reported as failed, not lost', [...sim, '--trace', trace('0,200000,5\n1,100,5')], 0, /^$/],
  ['benchmark', 'missing --from', ['calibrate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--from', join(dir, 'nope.jsonl')], 2, /nope\.jsonl/],
  ['benchmark', 'empty --from', ['calibrate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--from', file('empty.jsonl', '')], 2, /empty\.jsonl/],
  ['benchmark', 'garbage JSON --from', ['calibrate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--from', file('garbage.json', '{"foo": [1, 2')], 2, /garbage\.json/],
  ['benchmark', 'binary --from', ['calibrate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--from', file('binary.jsonl', binary)], 2, /binary\.jsonl/],
  ['benchmark', 'absurd 1e300 ms measurements', ['calibrate', '--model', 'llama-2-70b', '--xpu', 'h100', '--tp', '4', '--from', file('absurd.csv', absurd), '-o', join(dir, 'absurd.json')], 5, /1000x slower/],
];

const results = [];
for (const [area, what, args, expected, says] of cliCases) {
  const t0 = performance.now();
  const r = await runCli(args, 60_000);
  if (process.env.RELIABILITY_VERBOSE) console.error(`${what}: ${(performance.now() - t0).toFixed(0)} ms, exit ${r.code}`);
  const problems = [];
  if (r.code === 'hang') problems.push('hung');
  else if (r.code !== expected) problems.push(`exit ${r.code}, expected ${expected}`);
  if (!isCleanMessage(r.stderr)) problems.push('stack trace or internal error');
  if (!says.test(r.stderr)) problems.push(`message does not say ${says}`);
  // A flag's error names the flag as typed, never the config key behind it (`workload.num_requests`).
  if (area === 'cli' && /invalid flags|\b(workload|scheduler|parallelism|cluster|performance_model|dtype)\.[a-z_]+/.test(r.stderr)) problems.push('names a config key, not the flag');
  if (expected !== 0 && r.stderr.trim().split('\n').filter((l) => !l.startsWith("Run 'llm-sim --help'")).length !== 1) problems.push('not one line');
  results.push({ area, what, ok: problems.length === 0, detail: problems.join('; ') || r.stderr.split('\n')[0] });
}

// The emulator's HTTP API: OpenAI-style 4xx bodies naming the field.
const server = await startServe(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--max-model-len', '4096']);
const post = (path, body, headers = { 'content-type': 'application/json' }) => fetch(`${server.url}${path}`, { method: 'POST', headers, body });
const httpCases = [
  ['malformed JSON', () => post('/v1/completions', '{"prompt": '), 400, /not valid JSON/],
  ['empty body', () => post('/v1/completions', ''), 400, /not valid JSON/],
  ['prompt of the wrong type', () => post('/v1/completions', JSON.stringify({ prompt: 5, max_tokens: 4 })), 400, /prompt/],
  ['empty prompt', () => post('/v1/completions', JSON.stringify({ prompt: '', max_tokens: 4 })), 400, /prompt/],
  ['max_tokens 0', () => post('/v1/completions', JSON.stringify({ prompt: 'hi', max_tokens: 0 })), 400, /max_tokens/],
  ['max_tokens 1e9', () => post('/v1/completions', JSON.stringify({ prompt: 'hi', max_tokens: 1e9 })), 400, /maximum context length/],
  ['max_tokens as text', () => post('/v1/completions', JSON.stringify({ prompt: 'hi', max_tokens: 'ten' })), 400, /max_tokens/],
  ['prompt longer than the context', () => post('/v1/completions', JSON.stringify({ prompt: Array.from({ length: 5000 }, () => 1), max_tokens: 4 })), 400, /maximum context length/],
  ['10 MB body', () => post('/v1/completions', JSON.stringify({ prompt: 'x'.repeat(10 * 2 ** 20), max_tokens: 4 })), 413, /request body over/],
  ['a model it does not serve', () => post('/v1/completions', JSON.stringify({ model: 'gpt-5', prompt: 'hi', max_tokens: 4 })), 404, /gpt-5/],
  ['n = 0', () => post('/v1/completions', JSON.stringify({ prompt: 'hi', max_tokens: 4, n: 0 })), 400, /^n: /],
  ['stream_options without stream', () => post('/v1/completions', JSON.stringify({ prompt: 'hi', max_tokens: 4, stream_options: { include_usage: true } })), 400, /Stream options can only be defined when `stream=True`/],
  ['embeddings from a generative model', () => post('/v1/embeddings', JSON.stringify({ input: 'hi' })), 400, /does not support Embeddings API/],
  ['chat without messages', () => post('/v1/chat/completions', JSON.stringify({ messages: [] })), 400, /messages/],
  ['unknown route', () => fetch(`${server.url}/v1/audio/speech`, { method: 'POST', body: '{}' }), 404, /no route/],
  ['wrong method', () => fetch(`${server.url}/v1/completions`), 405, /not allowed/],
];
for (const [what, send, status, says] of httpCases) {
  const problems = [];
  let detail = '';
  try {
    const res = await send();
    const body = await res.json().catch(() => undefined);
    detail = body?.error?.message?.slice(0, 120) ?? '';
    if (res.status !== status) problems.push(`status ${res.status}, expected ${status}`);
    if (!body?.error || typeof body.error.message !== 'string' || !('type' in body.error) || !('param' in body.error) || !('code' in body.error)) problems.push('not an OpenAI error body');
    else if (!says.test(body.error.message)) problems.push(`message does not say ${says}`);
  } catch (error) {
    problems.push(`request failed: ${error.message}`);
  }
  results.push({ area: 'http', what, ok: problems.length === 0, detail: problems.join('; ') || detail });
}
const health = await fetch(`${server.url}/health`);
results.push({ area: 'http', what: 'still healthy after all of the above', ok: health.status === 200, detail: `status ${health.status}` });
await stopServe(server);

export const badInput = results;
