import * as z from 'zod/mini';
import { SimulatorError, formatIssues } from './errors.ts';
import { isBlankRecord, readCsvRecords, type CsvRecords } from './csv-records.ts';
import type { PromptSegments } from './prefix-cache.ts';
import { createRandom, exponential, gamma, standardNormal, type Random } from './rng.ts';
import { ENGLISH_ISSUES } from './english-issues.ts';

/** The requests of a run, column by column (one entry per request, sorted by arrival). */
export interface RequestSet {
  readonly arrivalSeconds: Float64Array;
  readonly inputTokens: Int32Array;
  readonly outputTokens: Int32Array;
  /** Which tokens requests share (system prompts, earlier turns, trace block hashes), for prefix caching; none by default. */
  readonly promptSegments?: PromptSegments;
  /**
   * A conversation's turns: the earlier request each one follows (-1: none). A next turn is sent when
   * the turn before it finishes, whatever its own arrival time says (see `ArrivalGate`).
   */
  readonly previousTurn?: Int32Array;
}

const positiveInt = z.int().check(z.positive());

/** The most tokens one prompt or output may have: lengths are held in Int32Arrays. */
export const MAX_REQUEST_TOKENS = 2 ** 31 - 1;
const tokenCount = positiveInt.check(z.lte(MAX_REQUEST_TOKENS, { message: `must be at most ${MAX_REQUEST_TOKENS} tokens (2^31 - 1)` }));

/** A token-length distribution: fixed, uniform (inclusive bounds) or normal (rounded, clamped to at least 1 token). */
export const LengthDistributionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), value: tokenCount }),
  z.strictObject({ kind: z.literal('uniform'), min: tokenCount, max: tokenCount }).check(z.refine((d) => d.min <= d.max, {
    message: 'min must not exceed max',
  })),
  z.strictObject({ kind: z.literal('normal'), mean: z.number().check(z.positive()).check(z.lte(MAX_REQUEST_TOKENS)), std: z.number().check(z.nonnegative()).check(z.lte(MAX_REQUEST_TOKENS)) }),
]);
/** A token-length distribution for prompts or outputs (see `LengthDistributionSchema`). */
export type LengthDistribution = z.infer<typeof LengthDistributionSchema>;

/**
 * How requests arrive. `rate` is requests per second; `Infinity` sends everything at time 0 (vLLM's
 * `--request-rate inf`). Gamma arrivals follow vLLM's `--burstiness`: shape = burstiness,
 * scale = 1 / (rate * burstiness), so burstiness 1 is Poisson and smaller is burstier.
 */
export const ArrivalProcessSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('poisson'), rate: z.number().check(z.positive()) }),
  z.object({ kind: z.literal('gamma'), rate: z.number().check(z.positive()), burstiness: z.number().check(z.positive()) }),
  z.object({ kind: z.literal('fixed'), rate: z.number().check(z.positive()) }),
  z.object({ kind: z.literal('all-at-once') }),
]);
/** When requests arrive: Poisson, gamma (bursty, as vLLM's `--burstiness`), evenly spaced, or all at once. */
export type ArrivalProcess = z.infer<typeof ArrivalProcessSchema>;

/** Validates a synthetic workload: request count, arrival process, prompt and output lengths, optional shared prefixes. */
export const SyntheticWorkloadSchema = z.object({
  numRequests: positiveInt,
  arrival: ArrivalProcessSchema,
  inputLength: LengthDistributionSchema,
  outputLength: LengthDistributionSchema,
  /**
   * vLLM's prefix-repetition shape: each prompt starts with one of `count` shared prefixes of
   * `tokens` tokens (drawn uniformly), followed by its own `inputLength` tokens.
   */
  sharedPrefix: z.optional(z.object({ tokens: positiveInt, count: positiveInt })),
});
/** A synthetic workload as `generateRequests` takes it (see `SyntheticWorkloadSchema`). */
export type SyntheticWorkload = z.infer<typeof SyntheticWorkloadSchema>;

/**
 * The arrival process that vLLM's benchmark uses for a request rate and burstiness: `inf` sends
 * everything at once, burstiness 1 is Poisson, anything else gamma.
 */
export function arrivalForRate(rate: number, burstiness = 1): ArrivalProcess {
  if (rate === Infinity) return { kind: 'all-at-once' };
  if (!(rate > 0)) {
    throw new SimulatorError('INVALID_WORKLOAD', `request_rate must be a positive number or inf, got ${rate}`);
  }
  if (!(burstiness > 0)) {
    throw new SimulatorError('INVALID_WORKLOAD', `burstiness must be positive, got ${burstiness}`);
  }
  return burstiness === 1 ? { kind: 'poisson', rate } : { kind: 'gamma', rate, burstiness };
}

function interArrival(rng: Random, arrival: ArrivalProcess): number {
  switch (arrival.kind) {
    case 'poisson':
      return exponential(rng, arrival.rate);
    case 'gamma':
      return gamma(rng, arrival.burstiness, 1 / (arrival.rate * arrival.burstiness));
    case 'fixed':
      return 1 / arrival.rate;
    case 'all-at-once':
      return 0;
  }
}

/** One length drawn from a distribution (what a synthetic workload draws per request). */
export function drawLength(rng: Random, d: LengthDistribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return d.min + Math.floor(rng.next() * (d.max - d.min + 1));
    case 'normal':
      return Math.min(MAX_REQUEST_TOKENS, Math.max(1, Math.round(d.mean + d.std * standardNormal(rng))));
  }
}

/** Draws a synthetic workload; the first request arrives at time 0, as a benchmark's first request is sent. */
export function generateRequests(workload: SyntheticWorkload, seed: number): RequestSet {
  const parsed = SyntheticWorkloadSchema.safeParse(workload, ENGLISH_ISSUES);
  if (!parsed.success) {
    throw new SimulatorError('INVALID_WORKLOAD', `invalid workload: ${formatIssues(parsed.error.issues)}`);
  }
  const w = parsed.data;
  const n = w.numRequests;
  // Separate streams so that changing the length distribution leaves arrival times unchanged.
  const arrivalsRng = createRandom(seed);
  const inputRng = createRandom(seed ^ 0x5bd1e995);
  const outputRng = createRandom(seed ^ 0x27d4eb2f);
  const arrivalSeconds = new Float64Array(n);
  const inputTokens = new Int32Array(n);
  const outputTokens = new Int32Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) t += interArrival(arrivalsRng, w.arrival);
    arrivalSeconds[i] = t;
    inputTokens[i] = drawLength(inputRng, w.inputLength);
    outputTokens[i] = drawLength(outputRng, w.outputLength);
  }
  if (w.sharedPrefix === undefined) return { arrivalSeconds, inputTokens, outputTokens };
  // A stream of its own: the same seed gives the same arrivals and own lengths with or without prefixes.
  const prefixRng = createRandom(seed ^ 0x68e31da4);
  const { tokens, count } = w.sharedPrefix;
  const ids = new Int32Array(2 * n);
  const segmentTokens = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    ids[2 * i] = Math.floor(prefixRng.next() * count);
    segmentTokens[2 * i] = tokens;
    ids[2 * i + 1] = -1;
    segmentTokens[2 * i + 1] = inputTokens[i];
    inputTokens[i] += tokens;
  }
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => 2 * i);
  return { arrivalSeconds, inputTokens, outputTokens, promptSegments: { offsets, ids, tokens: segmentTokens } };
}

/** Multi-turn chat traffic as vLLM's `benchmarks/multi_turn` generates it: conversations, their turns and lengths. */
export const ConversationWorkloadSchema = z.object({
  numConversations: positiveInt,
  /** When conversations start (their first turns); later turns are sent as the turn before them finishes. */
  arrival: ArrivalProcessSchema,
  /** User turns (requests) per conversation; vLLM's `num_turns` counts user and assistant messages, twice this. */
  turns: LengthDistributionSchema,
  /** Tokens of each user message. */
  inputLength: LengthDistributionSchema,
  /** Tokens of each answer. */
  outputLength: LengthDistributionSchema,
  /** Every conversation starts with one of `count` shared prefixes (a system prompt) of `tokens` tokens: vLLM's `common_prefix_num_tokens`. */
  sharedPrefix: z.optional(z.object({ tokens: positiveInt, count: positiveInt })),
  /** Tokens each conversation's first turn starts with, its own (a document, say): vLLM's `prefix_num_tokens`. */
  conversationPrefix: z.optional(LengthDistributionSchema),
});
/** A multi-turn workload (see `ConversationWorkloadSchema`), the input of `generateConversations`. */
export type ConversationWorkload = z.infer<typeof ConversationWorkloadSchema>;

/**
 * Multi-turn conversations as vLLM's `benchmarks/multi_turn` generates them: turn k's prompt holds
 * the shared prefix, the conversation's own prefix, every earlier question and answer, and the new
 * question; its output is the answer. Requests are listed conversation by conversation; each later
 * turn follows the one before (`previousTurn`), so it is sent when that answer is complete, and its
 * prompt segments name the earlier turns' tokens (answers included), so that prefix caching finds the
 * history the earlier turn left in the KV cache.
 */
export function generateConversations(workload: ConversationWorkload, seed: number): RequestSet {
  const parsed = ConversationWorkloadSchema.safeParse(workload, ENGLISH_ISSUES);
  if (!parsed.success) {
    throw new SimulatorError('INVALID_WORKLOAD', `invalid conversation workload: ${formatIssues(parsed.error.issues)}`);
  }
  const w = parsed.data;
  const arrivalsRng = createRandom(seed);
  const turnsRng = createRandom(seed ^ 0x3c6ef372);
  const inputRng = createRandom(seed ^ 0x5bd1e995);
  const outputRng = createRandom(seed ^ 0x27d4eb2f);
  const prefixRng = createRandom(seed ^ 0x68e31da4);
  const arrivals: number[] = [];
  const inputs: number[] = [];
  const outputs: number[] = [];
  const previous: number[] = [];
  const offsets = [0];
  const ids: number[] = [];
  const tokens: number[] = [];
  // Ids below `count` name the shared prefixes; every other segment gets an id of its own.
  let nextId = w.sharedPrefix?.count ?? 0;
  let t = 0;
  for (let c = 0; c < w.numConversations; c++) {
    if (c > 0) t += interArrival(arrivalsRng, w.arrival);
    const history: [number, number][] = [];
    if (w.sharedPrefix !== undefined) history.push([Math.floor(prefixRng.next() * w.sharedPrefix.count), w.sharedPrefix.tokens]);
    if (w.conversationPrefix !== undefined) history.push([nextId++, drawLength(prefixRng, w.conversationPrefix)]);
    let historyTokens = history.reduce((s, [, n]) => s + n, 0);
    const turns = drawLength(turnsRng, w.turns);
    for (let k = 0; k < turns; k++) {
      const question = drawLength(inputRng, w.inputLength);
      const answer = drawLength(outputRng, w.outputLength);
      const input = historyTokens + question;
      if (input > MAX_REQUEST_TOKENS) {
        throw new SimulatorError('INVALID_WORKLOAD', `conversation ${c}, turn ${k + 1}: the prompt with its history exceeds ${MAX_REQUEST_TOKENS} tokens`);
      }
      history.push([nextId++, question], [nextId++, answer]);
      arrivals.push(t);
      inputs.push(input);
      outputs.push(answer);
      previous.push(k === 0 ? -1 : arrivals.length - 2);
      for (const [id, n] of history) {
        ids.push(id);
        tokens.push(n);
      }
      offsets.push(ids.length);
      historyTokens += question + answer;
    }
  }
  return {
    arrivalSeconds: Float64Array.from(arrivals),
    inputTokens: Int32Array.from(inputs),
    outputTokens: Int32Array.from(outputs),
    promptSegments: { offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), tokens: Int32Array.from(tokens) },
    previousTurn: Int32Array.from(previous),
  };
}

/**
 * Requests whose lengths are drawn (with replacement) from observed (input, output) pairs, e.g. a trace's,
 * with arrivals from a process: the way to simulate a million requests shaped like a 20k-request trace.
 */
export function sampleRequestsFrom(
  observed: Pick<RequestSet, 'inputTokens' | 'outputTokens'>,
  numRequests: number,
  arrival: ArrivalProcess,
  seed: number,
): RequestSet {
  const m = observed.inputTokens.length;
  if (m === 0) throw new SimulatorError('INVALID_WORKLOAD', 'cannot sample lengths from an empty trace');
  const arrivalsRng = createRandom(seed);
  const pickRng = createRandom(seed ^ 0x1b873593);
  const arrivalSeconds = new Float64Array(numRequests);
  const inputTokens = new Int32Array(numRequests);
  const outputTokens = new Int32Array(numRequests);
  let t = 0;
  for (let i = 0; i < numRequests; i++) {
    if (i > 0) t += interArrival(arrivalsRng, arrival);
    arrivalSeconds[i] = t;
    const j = Math.floor(pickRng.next() * m);
    inputTokens[i] = observed.inputTokens[j];
    outputTokens[i] = observed.outputTokens[j];
  }
  return { arrivalSeconds, inputTokens, outputTokens };
}

/** A malformed quote makes every later field suspect: refused with its line. */
function refuseBadQuotes(csv: CsvRecords, source: string): void {
  if (csv.quoteError) throw new SimulatorError('INVALID_TRACE', `${source}: line ${csv.lineOf(csv.quoteError.index)}: ${csv.quoteError.message.toLowerCase()}`);
}

/**
 * Parses a trace CSV with columns `arrived_at` (seconds), `num_prefill_tokens`, `num_decode_tokens` (the
 * Azure 2023 traces as Vidur processed them), in any column order, fields quoted or not (RFC 4180, read by
 * Papa Parse as the benchmark importers read their CSVs). Errors name the line and the column.
 */
export function parseTraceCsv(text: string, source = 'trace'): RequestSet {
  const csv = readCsvRecords(text);
  refuseBadQuotes(csv, source);
  const header = csv.records[0] ?? [];
  const columns = ['arrived_at', 'num_prefill_tokens', 'num_decode_tokens'] as const;
  const index = columns.map((c) => header.indexOf(c));
  const missing = columns.filter((_, i) => index[i] < 0);
  if (missing.length > 0) {
    throw new SimulatorError(
      'INVALID_TRACE',
      `${source}: line 1: missing column(s) ${missing.join(', ')}; expected a header with ${columns.join(',')}`,
    );
  }
  const arrivals: number[] = [];
  const inputs: number[] = [];
  const outputs: number[] = [];
  for (let ri = 1; ri < csv.records.length; ri++) {
    const cells = csv.records[ri];
    if (isBlankRecord(cells)) continue;
    const values = index.map((i) => (cells[i] === undefined || cells[i] === '' ? Number.NaN : Number(cells[i])));
    for (let c = 0; c < columns.length; c++) {
      const v = values[c];
      const ok = c === 0 ? Number.isFinite(v) && v >= 0 : Number.isInteger(v) && v > 0 && v <= MAX_REQUEST_TOKENS;
      if (!ok) {
        throw new SimulatorError(
          'INVALID_TRACE',
          `${source}: line ${csv.lineOf(ri)}: ${columns[c]} must be ${c === 0 ? 'a non-negative number of seconds' : `a positive integer of at most ${MAX_REQUEST_TOKENS} tokens`}, got '${cells[index[c]] ?? ''}'`,
        );
      }
    }
    if (arrivals.length > 0 && values[0] < arrivals[arrivals.length - 1]) {
      throw new SimulatorError('INVALID_TRACE', `${source}: line ${csv.lineOf(ri)}: arrived_at goes back in time (${values[0]} after ${arrivals[arrivals.length - 1]})`);
    }
    arrivals.push(values[0]);
    inputs.push(values[1]);
    outputs.push(values[2]);
  }
  if (arrivals.length === 0) throw new SimulatorError('INVALID_TRACE', `${source}: no requests`);
  const first = arrivals[0];
  return {
    arrivalSeconds: Float64Array.from(arrivals, (a) => a - first),
    inputTokens: Int32Array.from(inputs),
    outputTokens: Int32Array.from(outputs),
  };
}

/** Mooncake's traces count prompt blocks of this many tokens in `hash_ids` (FAST'25 release README). */
export const MOONCAKE_BLOCK_TOKENS = 512;

/**
 * Parses a Mooncake trace (kvcache-ai/Mooncake `FAST25-release/traces/*.jsonl`): one JSON object per
 * line with `timestamp` (milliseconds), `input_length`, `output_length` and `hash_ids`, one id per
 * 512-token block of the prompt, equal ids for equal blocks (their prefixes included). The ids become
 * the requests' prompt segments, so the prefix cache sees what the trace's requests share.
 */
export function parseMooncakeTrace(text: string, source = 'trace'): RequestSet {
  const arrivals: number[] = [];
  const inputs: number[] = [];
  const outputs: number[] = [];
  const offsets = [0];
  const ids: number[] = [];
  const tokens: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li].trim();
    if (line === '') continue;
    const fail = (what: string): never => {
      throw new SimulatorError('INVALID_TRACE', `${source}: line ${li + 1}: ${what}`);
    };
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return fail('not a JSON object (a Mooncake trace has one per line)');
    }
    const { timestamp, input_length: input, output_length: output, hash_ids: hashes } = row;
    if (typeof timestamp !== 'number' || !(timestamp >= 0)) fail(`timestamp must be a non-negative number of milliseconds, got ${JSON.stringify(timestamp)}`);
    if (!Number.isInteger(input) || (input as number) < 1) fail(`input_length must be a positive integer, got ${JSON.stringify(input)}`);
    if (!Number.isInteger(output) || (output as number) < 1) fail(`output_length must be a positive integer, got ${JSON.stringify(output)}`);
    if (!Array.isArray(hashes) || !hashes.every((h) => Number.isInteger(h) && h >= 0)) fail('hash_ids must be a list of non-negative integers');
    const blocks = hashes as number[];
    if (blocks.length !== Math.ceil((input as number) / MOONCAKE_BLOCK_TOKENS)) {
      fail(`hash_ids has ${blocks.length} ids for ${String(input)} prompt tokens; expected one per ${MOONCAKE_BLOCK_TOKENS}-token block (${Math.ceil((input as number) / MOONCAKE_BLOCK_TOKENS)})`);
    }
    const seconds = (timestamp as number) / 1000;
    if (arrivals.length > 0 && seconds < arrivals[arrivals.length - 1]) fail(`timestamp goes back in time (${String(timestamp)} ms)`);
    arrivals.push(seconds);
    inputs.push(input as number);
    outputs.push(output as number);
    blocks.forEach((h, j) => {
      ids.push(h);
      tokens.push(Math.min(MOONCAKE_BLOCK_TOKENS, (input as number) - j * MOONCAKE_BLOCK_TOKENS));
    });
    offsets.push(ids.length);
  }
  if (arrivals.length === 0) throw new SimulatorError('INVALID_TRACE', `${source}: no requests`);
  const first = arrivals[0];
  return {
    arrivalSeconds: Float64Array.from(arrivals, (a) => a - first),
    inputTokens: Int32Array.from(inputs),
    outputTokens: Int32Array.from(outputs),
    promptSegments: { offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), tokens: Int32Array.from(tokens) },
  };
}

/**
 * Parses the raw Azure LLM inference traces (Azure/AzurePublicDataset `AzureLLMInferenceTrace_*.csv`,
 * 2023 and 2024): `TIMESTAMP` (a date-time with up to 7 fractional digits), `ContextTokens`,
 * `GeneratedTokens`. Arrivals count from the first request.
 */
export function parseAzureTraceCsv(text: string, source = 'trace'): RequestSet {
  const table = readCsvRecords(text);
  refuseBadQuotes(table, source);
  const header = table.records[0] ?? [];
  const columns = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'];
  const index = columns.map((c) => header.indexOf(c));
  if (index.some((i) => i < 0)) throw new SimulatorError('INVALID_TRACE', `${source}: line 1: expected the Azure header with ${columns.join(',')}`);
  const csv: string[] = ['arrived_at,num_prefill_tokens,num_decode_tokens'];
  let first: [number, number] | undefined;
  for (let ri = 1; ri < table.records.length; ri++) {
    const cells = table.records[ri];
    if (isBlankRecord(cells)) continue;
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(cells[index[0]] ?? '');
    if (!m) throw new SimulatorError('INVALID_TRACE', `${source}: line ${table.lineOf(ri)}: TIMESTAMP must be a date-time like 2023-11-16 18:15:46.6805900, got '${cells[index[0]] ?? ''}'`);
    // Whole seconds and the fraction apart: milliseconds since 1970 as one double would round the 7th digit.
    const whole = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
    const fraction = Number(`0.${m[7] ?? '0'}`);
    first ??= [whole, fraction];
    csv.push(`${whole - first[0] + (fraction - first[1])},${cells[index[1]]},${cells[index[2]]}`);
  }
  return parseTraceCsv(csv.join('\n'), source);
}

/** How strictly a trace file is read. */
export interface ParseTraceOptions {
  /**
   * Only the lengths will be used (`--trace-sample` draws arrivals of its own): a `vllm bench serve`
   * file without `start_times` is accepted whatever rate it was sent at.
   */
  readonly lengthsOnly?: boolean;
}

/**
 * The requests of a `vllm bench serve --save-result --save-detailed` file (one result object, as
 * vLLM writes it, or as llm-sim's `--save-detailed` does): `input_lens`, `output_lens` and, from vLLM
 * versions that write them, `start_times` (the client's clock when each request was sent, seconds), in
 * the order sent. A failed request (an `errors` entry, or no output) is left out: its output length is
 * unknown. Without `start_times` a run at request rate inf replays as all sent at once; a run at a
 * finite rate is refused unless only its lengths are wanted (`lengthsOnly`).
 */
export function parseVllmDetailedResult(json: Record<string, unknown>, source = 'trace', options: ParseTraceOptions = {}): RequestSet {
  const fail = (what: string): never => {
    throw new SimulatorError('INVALID_TRACE', `${source}: ${what}`);
  };
  const { input_lens: inputs, output_lens: outputs, start_times: starts, errors } = json;
  if (!Array.isArray(inputs) || !Array.isArray(outputs)) {
    return fail('a vllm bench serve result without per-request arrays: save it with --save-detailed to replay it');
  }
  if (outputs.length !== inputs.length) fail(`output_lens has ${outputs.length} entries for ${inputs.length} input_lens`);
  if (starts !== undefined && (!Array.isArray(starts) || starts.length !== inputs.length)) fail(`start_times must have one entry per request (${inputs.length})`);
  const kept: [start: number, input: number, output: number][] = [];
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    const output = outputs[i];
    if (!Number.isInteger(input) || (input as number) < 1 || (input as number) > MAX_REQUEST_TOKENS) fail(`input_lens[${i}] must be a positive integer, got ${JSON.stringify(input)}`);
    if (!Number.isInteger(output) || (output as number) < 0 || (output as number) > MAX_REQUEST_TOKENS) fail(`output_lens[${i}] must be a non-negative integer, got ${JSON.stringify(output)}`);
    const error = Array.isArray(errors) ? errors[i] : undefined;
    if ((typeof error === 'string' && error !== '') || output === 0) continue;
    const start = Array.isArray(starts) ? starts[i] : 0;
    if (typeof start !== 'number' || !Number.isFinite(start)) fail(`start_times[${i}] must be a number of seconds, got ${JSON.stringify(start)}`);
    kept.push([start as number, input as number, output as number]);
  }
  if (kept.length === 0) fail('no request completed (every output_lens entry is 0 or has an error)');
  if (starts === undefined && json.request_rate !== 'inf' && json.request_rate !== undefined && !options.lengthsOnly) {
    fail(
      `has no start_times (older vLLM versions do not write them), and it was sent at request_rate ${String(json.request_rate)}: replay its lengths at that rate with --trace-sample --request-rate ${String(json.request_rate)}`,
    );
  }
  // Sent in order, but a request waiting for a --max-concurrency slot may start after a later one.
  kept.sort((a, b) => a[0] - b[0]);
  const first = kept[0][0];
  return {
    arrivalSeconds: Float64Array.from(kept, (k) => k[0] - first),
    inputTokens: Int32Array.from(kept, (k) => k[1]),
    outputTokens: Int32Array.from(kept, (k) => k[2]),
  };
}

/**
 * A trace in any format llm-sim reads, told apart by its start: a `vllm bench serve --save-detailed`
 * result (one JSON object with `input_lens`), Mooncake JSONL (a JSON object per line with `hash_ids`),
 * the raw Azure CSV (`TIMESTAMP,ContextTokens,GeneratedTokens`), or Vidur's CSV
 * (`arrived_at,num_prefill_tokens,num_decode_tokens`).
 */
export function parseTrace(text: string, source = 'trace', options: ParseTraceOptions = {}): RequestSet {
  const first = text.slice(0, 4096).split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  if (first.trim().startsWith('{') && !first.includes('"hash_ids"')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // One result per line (vLLM's --append-result), or not JSON at all.
      let line: unknown;
      try {
        line = JSON.parse(first);
      } catch {
        line = undefined;
      }
      if (line !== null && typeof line === 'object' && 'input_lens' in line) {
        throw new SimulatorError('INVALID_TRACE', `${source}: several vllm bench serve results (--append-result); keep the one to replay in a file of its own`);
      }
    }
    if (json !== null && typeof json === 'object' && !Array.isArray(json) && ('input_lens' in json || 'completed' in json)) {
      return parseVllmDetailedResult(json as Record<string, unknown>, source, options);
    }
  }
  if (first.trim().startsWith('{')) return parseMooncakeTrace(text, source);
  if (first.includes('TIMESTAMP') && first.includes('ContextTokens')) return parseAzureTraceCsv(text, source);
  if (first.includes('arrived_at')) return parseTraceCsv(text, source);
  throw new SimulatorError(
    'INVALID_TRACE',
    `${source}: line 1: not a known trace format; expected a vllm bench serve --save-detailed result, Mooncake JSONL ({"timestamp", "input_length", "output_length", "hash_ids"}), the Azure CSV (TIMESTAMP,ContextTokens,GeneratedTokens) or arrived_at,num_prefill_tokens,num_decode_tokens`,
  );
}

/** The first `count` requests of a set (all when it has fewer), arrival times multiplied by `timeScale`. */
export function takeRequests(set: RequestSet, count: number, timeScale = 1): RequestSet {
  const n = Math.min(count, set.arrivalSeconds.length);
  const seg = set.promptSegments;
  return {
    arrivalSeconds: Float64Array.from(set.arrivalSeconds.subarray(0, n), (a) => a * timeScale),
    inputTokens: set.inputTokens.slice(0, n),
    outputTokens: set.outputTokens.slice(0, n),
    promptSegments: seg && { offsets: seg.offsets.slice(0, n + 1), ids: seg.ids.slice(0, seg.offsets[n]), tokens: seg.tokens.slice(0, seg.offsets[n]) },
  };
}
