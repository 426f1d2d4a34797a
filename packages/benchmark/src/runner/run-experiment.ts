import { z } from 'zod';
import { DtypeSchema, type Dtype } from '@llm-sim/roofline';
import { BenchmarkPointSchema, type BenchmarkPoint, type Phase, type Provenance } from '../benchmark-point.ts';
import { formatIssues } from '../errors.ts';
import { summarizeLatencies } from '../latency-stats.ts';
import {
  defaultClock,
  prepareCompletion,
  type CompletionTiming,
  type FetchFunction,
  type MonotonicClock,
} from './completion-stream.ts';
import { PILOT_INPUT_LEN, PILOT_TOKENS_BEFORE_BATCH, prefillFromPilot, type PilotedPrefill } from './piloted-prefill.ts';
import { promptTokenIds } from './prompt-token-ids.ts';
import { missingPhases, type RunnerPoint } from './resume.ts';
import { attemptsOf, DEFAULT_BACKOFF, defaultSleep, withRetries, type Backoff, type Sleep } from './retry.ts';
import { RunnerError, type RunnerErrorCode } from './runner-error.ts';
import { fetchServerInfo, findServedModel, type ServerInfo } from './server-info.ts';
import { DEFAULT_SKIP_GAPS, summarizeBatchTimings } from './summarize-batch.ts';

/** What the points say about the deployment; the server cannot tell the xpu or the parallelism. */
export interface RunnerMetadata {
  /** Catalog model name (`llama-2-7b`); default: the served model id. */
  readonly model?: string;
  /** Catalog xpu name (`h100-sxm`). */
  readonly xpu: string;
  readonly tp?: number;
  readonly pp?: number;
  readonly dtype?: Dtype;
  /** Default `vllm`. */
  readonly engine?: string;
  /** Default: what the server's `/version` says. */
  readonly engineVersion?: string;
  /** The points' `source`; default `RUNNER_SOURCE`. */
  readonly source?: string;
}

/** The pilot's output limit: it is cancelled once the batch has its first tokens, far sooner. */
const PILOT_MAX_TOKENS = 8192;

/** The `source` of the points the runner measures unless told otherwise. */
export const RUNNER_SOURCE = 'llm-sim runner: OpenAI /v1/completions stream';

/** Where a run stands, after every batch (warm-up or timed) and every skipped or failed run. */
export interface RunProgress {
  /** Batches done (or given up) out of `totalBatches`; a failed run counts all its batches as done. */
  readonly completedBatches: number;
  readonly totalBatches: number;
  /** Runs finished (measured, failed or skipped) out of `totalRuns`. */
  readonly completedRuns: number;
  readonly totalRuns: number;
  readonly measuredPoints: number;
  readonly failedRuns: number;
  /** The run the last event was about. */
  readonly run?: RunnerPoint;
  readonly event: 'start' | 'warmup' | 'repeat' | 'measured' | 'skipped' | 'failed';
}

/** A run that yielded no points, and why. */
export interface RunFailure {
  readonly run: RunnerPoint;
  /** The phases it would have measured. */
  readonly phases: Phase[];
  readonly code: RunnerErrorCode;
  /** The HTTP status, when the server answered with an error. */
  readonly status?: number;
  /** The socket error, when the connection failed. */
  readonly errno?: string;
  readonly message: string;
  /** Tries of the batch that failed (retries included). */
  readonly attempts: number;
  /** Timed batches that had finished before it failed. */
  readonly completedRepeats: number;
}

/** What `runExperiment` measured, what failed, was skipped or not started, and the server it ran against. */
export interface RunExperimentResult {
  /** The points measured by this call, in the order they were handed to `onPoint`. */
  readonly points: BenchmarkPoint[];
  readonly failures: RunFailure[];
  /** Runs already measured in `existing`. */
  readonly skipped: RunnerPoint[];
  /** Runs not started because the signal stopped the run. */
  readonly notStarted: RunnerPoint[];
  readonly aborted: boolean;
  readonly server: ServerInfo;
  /** For the processed file (`processRawBenchmark`). */
  readonly provenance: Provenance;
}

/** The server, model and runs to measure, and the limits, retries and callbacks of `runExperiment`. */
export interface RunExperimentOptions {
  /** Server root or OpenAI base URL, e.g. `http://127.0.0.1:8000` or `http://127.0.0.1:8000/v1`. */
  readonly endpoint: string;
  /** Served model id, as `/v1/models` lists it. */
  readonly modelName: string;
  /** The runs, in order (`planExperiment(config)`). */
  readonly points: readonly RunnerPoint[];
  readonly metadata: RunnerMetadata;
  /** Points already measured (the raw file's): runs holding all their phases are skipped. */
  readonly existing?: readonly BenchmarkPoint[];
  /** Monotonic milliseconds; default `performance.now()`. */
  readonly clock?: MonotonicClock;
  /** Dates the points; default `new Date()`. */
  readonly now?: () => Date;
  /** The HTTP client; default `globalThis.fetch`. */
  readonly fetch?: FetchFunction;
  /** Waits between retries; default a timer. */
  readonly sleep?: Sleep;
  /**
   * The most requests in flight at once; default unlimited. A run whose batch is larger fails rather than being
   * sent in waves, which would measure a smaller batch.
   */
  readonly concurrency?: number;
  /** Per request, send to `[DONE]`; default 10 minutes. */
  readonly timeoutMs?: number;
  /** Per request, longest silence; default 2 minutes (a long batched prefill sends nothing until it ends). */
  readonly idleTimeoutMs?: number;
  /** Extra tries of a batch after a connection error, 5xx or 429; default 3. */
  readonly retries?: number;
  /** Delays between retries; default `DEFAULT_BACKOFF` (1 s, doubling, at most 30 s). */
  readonly backoff?: Backoff;
  /** Decode gaps each request skips once the batch is decoding; default 2. */
  readonly skipGaps?: number;
  /**
   * Times a timed batch is sent again when the stream shows that the server did not prefill it in one step
   * (its requests reached an idle engine apart); default 3. When every try is split, the batch still gives its
   * decode step but no prefill sample.
   */
  readonly splitResends?: number;
  /**
   * Time each prefill as the engine step(s) that took the batch, marked by a pilot request decoding beside it
   * (see `prefillFromPilot`); default true. False times it from the send to the last first token (HTTP and
   * queueing included), for servers that are not batching engines.
   */
  readonly prefillPilot?: boolean;
  /** Varies the prompts; give each invocation against a server a different one (prefix cache). Default 0. */
  readonly seed?: number;
  /** Added to every completion request body. */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** Receives each point as soon as its run is measured (append it to the raw JSONL here); awaited. */
  readonly onPoint?: (point: BenchmarkPoint) => void | Promise<void>;
  /** Told after each batch how far the experiment is (pass `createProgressReporter(...).update`). */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Told about each retry of a batch. */
  readonly onRetry?: (info: { run: RunnerPoint; error: RunnerError; attempt: number; delayMs: number }) => void;
  /** Stops the run: requests in flight are cancelled, the points so far are returned. */
  readonly signal?: AbortSignal;
}

const positiveInt = z.number().int().positive();
const RunnerPointSchema = z.object({
  batchSize: positiveInt,
  inputLen: positiveInt,
  outputLen: positiveInt,
  repeats: positiveInt,
  warmup: z.number().int().nonnegative(),
});

const SettingsSchema = z.object({
  endpoint: z.url({ protocol: /^https?$/ }),
  modelName: z.string().min(1),
  points: z.array(RunnerPointSchema),
  metadata: z.object({
    model: z.string().min(1).optional(),
    xpu: z.string().min(1),
    tp: positiveInt.optional(),
    pp: positiveInt.optional(),
    dtype: z.optional(DtypeSchema),
    engine: z.string().min(1).optional(),
    engineVersion: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
  }),
  concurrency: positiveInt.optional(),
  timeoutMs: z.number().positive().optional(),
  idleTimeoutMs: z.number().positive().optional(),
  retries: z.number().int().nonnegative().optional(),
  backoff: z.object({ initialDelayMs: z.number().nonnegative(), factor: z.number().min(1), maxDelayMs: z.number().nonnegative() }).optional(),
  skipGaps: z.number().int().nonnegative().optional(),
  splitResends: z.number().int().nonnegative().optional(),
  prefillPilot: z.boolean().optional(),
  seed: z.number().int().optional(),
});

function parseSettings(options: RunExperimentOptions): void {
  const { clock, now, fetch, sleep, onPoint, onProgress, onRetry, signal, existing, extraBody, ...plain } = options;
  const parsed = SettingsSchema.safeParse(plain);
  if (!parsed.success) {
    throw new RunnerError('INVALID_RUNNER_OPTIONS', `runExperiment options are invalid: ${formatIssues(parsed.error.issues)}`);
  }
}

/**
 * Measures each run against a live OpenAI-compatible server (vLLM `vllm serve`, SGLang, trtllm-serve, the
 * project's emulator): `warmup` untimed batches, then `repeats` timed batches of `batchSize` concurrent
 * streaming requests with prompts of exactly `inputLen` token ids and `outputLen` output tokens. Each run
 * yields up to two points, at the median over its repeats with their spread:
 * - `prefill` (contextLen 0): from sending the batch to its last first token (see `summarizeBatchTimings`; a batch the server split across
 *   steps is re-sent, up to `splitResends` times);
 * - `decode` (contextLen = inputLen + round(outputLen / 2), the run's mean context): the median inter-token gap
 *   while all requests of the batch decode.
 * A batch that fails with a connection error, 5xx or 429 is retried whole (fresh prompts, backoff); other
 * failures (4xx, timeouts, a server not honouring `ignore_eos`) fail the run at once. A failed run is reported
 * and the next one starts; points already measured are never dropped. Throws only before measuring (invalid
 * options, unreachable server, unknown model) or when `onPoint` throws.
 */
export async function runExperiment(options: RunExperimentOptions): Promise<RunExperimentResult> {
  parseSettings(options);
  const clock = options.clock ?? defaultClock;
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? defaultSleep;
  const skipGaps = options.skipGaps ?? DEFAULT_SKIP_GAPS;
  const splitResends = options.splitResends ?? 3;
  const prefillPilot = options.prefillPilot ?? true;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const retries = options.retries ?? 3;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const seed = options.seed ?? 0;
  const signal = options.signal;
  const meta = options.metadata;

  // The server may still be loading weights when CI starts the runner: retry connection errors here too.
  const { value: server } = await withRetries(
    () => fetchServerInfo({ endpoint: options.endpoint, fetch: options.fetch, timeoutMs: Math.min(timeoutMs, 30_000), signal }),
    { retries, backoff, sleep, signal },
  );
  const served = findServedModel(server, options.modelName);
  const engine = meta.engine ?? 'vllm';
  const engineVersion = meta.engineVersion ?? server.version;
  const provenance: Provenance = {
    description: `${options.modelName} on ${meta.xpu}${meta.tp && meta.tp > 1 ? ` (TP${meta.tp})` : ''}, measured live with ${engine}${engineVersion ? ` ${engineVersion}` : ''} by the llm-sim runner`,
    url: server.url,
    importedWith: '@llm-sim/benchmark runExperiment',
    notes:
      `served model ${options.modelName}${served?.maxModelLen ? `, max_model_len ${served.maxModelLen}` : ''}; ` +
      (prefillPilot
        ? 'prefill = the engine step(s) that took the batch, beside a decoding pilot request; '
        : 'prefill = send to the batch\'s last first token; ') +
      'decode = time per token over the span while the whole batch decodes (median over requests)',
  };

  const existing = options.existing ?? [];
  const plan = options.points.map((run) => ({ run, phases: missingPhases(run, existing, skipGaps) }));
  const batchesOf = (run: RunnerPoint) => run.warmup + run.repeats;
  const totalBatches = plan.reduce((s, p) => s + (p.phases.length > 0 ? batchesOf(p.run) : 0), 0);

  const points: BenchmarkPoint[] = [];
  const failures: RunFailure[] = [];
  const skipped: RunnerPoint[] = [];
  const notStarted: RunnerPoint[] = [];
  let completedBatches = 0;
  let completedRuns = 0;
  let nextRequestIndex = 0;
  const progress = (event: RunProgress['event'], run?: RunnerPoint) =>
    options.onProgress?.({
      completedBatches, totalBatches, completedRuns, totalRuns: plan.length, measuredPoints: points.length,
      failedRuns: failures.length, event, ...(run ? { run } : {}),
    });
  progress('start');

  /** One batch: all requests prepared, then sent together; the first failure cancels the rest. */
  const runBatch = async (run: RunnerPoint): Promise<CompletionTiming[]> => {
    // One controller per request, so that no signal collects a listener per request of a large batch.
    const controllers = Array.from({ length: run.batchSize }, () => new AbortController());
    const abortAll = (reason?: unknown) => {
      for (const c of controllers) c.abort(reason);
    };
    const onAbort = () => abortAll(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) abortAll(signal.reason);
    const sends = controllers.map((controller) =>
      prepareCompletion({
        endpoint: server.url, modelName: options.modelName, maxTokens: run.outputLen, fetch: options.fetch, clock,
        promptTokenIds: promptTokenIds(run.inputLen, nextRequestIndex++, { seed }),
        timeoutMs, idleTimeoutMs, signal: controller.signal, extraBody: options.extraBody,
      }),
    );
    let firstError: unknown;
    try {
      const settled = await Promise.allSettled(
        sends.map((send) =>
          send().catch((error: unknown) => {
            firstError ??= error;
            abortAll();
            throw error;
          }),
        ),
      );
      if (firstError !== undefined) throw firstError;
      const timings = settled.map((s) => (s as PromiseFulfilledResult<CompletionTiming>).value);
      for (const t of timings) {
        if (t.completionTokens !== run.outputLen) {
          throw new RunnerError(
            'PROTOCOL_ERROR',
            `the server generated ${t.completionTokens} tokens instead of max_tokens ${run.outputLen} (${t.completionTokensFrom}); does it honour ignore_eos?`,
          );
        }
        if (t.promptTokens !== undefined && t.promptTokens !== run.inputLen) {
          throw new RunnerError('PROTOCOL_ERROR', `the server counted ${t.promptTokens} prompt tokens instead of the ${run.inputLen} token ids sent`);
        }
      }
      return timings;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  };

  /** A batch of one-token requests sent while a pilot decodes alone: see `prefillFromPilot`. */
  const runPilotedPrefill = async (run: RunnerPoint): Promise<PilotedPrefill> => {
    const pilotController = new AbortController();
    const onAbort = () => pilotController.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const pilotTokenMs: number[] = [];
    // Resolved by the pilot's next token (or its end): the runner waits on the pilot at two moments.
    let nextPilotToken!: () => void;
    const newPilotToken = () => new Promise<void>((resolve) => (nextPilotToken = resolve));
    let pilotTokenSeen = newPilotToken();
    const pilot = prepareCompletion({
      endpoint: server.url, modelName: options.modelName, fetch: options.fetch, clock,
      promptTokenIds: promptTokenIds(PILOT_INPUT_LEN, nextRequestIndex++, { seed }),
      // Long enough to outlast the batch's prefill; cancelled as soon as the batch has its first tokens.
      maxTokens: Math.max(PILOT_TOKENS_BEFORE_BATCH + 1, Math.min(PILOT_MAX_TOKENS, (served?.maxModelLen ?? Infinity) - PILOT_INPUT_LEN)),
      timeoutMs, idleTimeoutMs, signal: pilotController.signal, extraBody: options.extraBody,
      onTokenChunk: (atMs) => {
        pilotTokenMs.push(atMs);
        nextPilotToken();
      },
    })();
    const pilotEnded = pilot.then(
      () => undefined,
      (error: unknown) => error,
    );
    const pilotEndedEarly = async () => {
      const error = await pilotEnded;
      if (error instanceof RunnerError) throw error;
      throw new RunnerError('PROTOCOL_ERROR', `the pilot request ended after ${pilotTokenMs.length} tokens, before the batch's prefill was timed`);
    };
    const untilPilotToken = async (ready: () => boolean) => {
      while (!ready()) {
        const ended = await Promise.race([pilotTokenSeen.then(() => false), pilotEnded.then(() => true)]);
        if (ended) await pilotEndedEarly();
        pilotTokenSeen = newPilotToken();
      }
    };
    try {
      await untilPilotToken(() => pilotTokenMs.length >= PILOT_TOKENS_BEFORE_BATCH);
      const timings = await runBatch({ ...run, outputLen: 1 });
      // The pilot's token of the batch's last step may still be unread on its own socket: wait for a later one.
      const lastFirstMs = Math.max(...timings.map((t) => t.chunkTimesMs[0]));
      await untilPilotToken(() => pilotTokenMs[pilotTokenMs.length - 1] > lastFirstMs);
      return prefillFromPilot(pilotTokenMs, timings, { promptTokens: run.batchSize * run.inputLen });
    } finally {
      pilotController.abort();
      signal?.removeEventListener('abort', onAbort);
      await pilotEnded;
    }
  };

  const fail = (run: RunnerPoint, phases: Phase[], error: RunnerError, completedRepeats: number, batchesLeft: number) => {
    failures.push({
      run, phases, code: error.code, message: error.message, attempts: attemptsOf(error), completedRepeats,
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(error.errno !== undefined ? { errno: error.errno } : {}),
    });
    completedBatches += batchesLeft;
    completedRuns++;
    progress('failed', run);
  };

  let aborted = false;
  for (const { run, phases } of plan) {
    if (aborted || signal?.aborted) {
      aborted = true;
      notStarted.push(run);
      continue;
    }
    if (phases.length === 0) {
      skipped.push(run);
      completedRuns++;
      progress('skipped', run);
      continue;
    }
    if (served?.maxModelLen !== undefined && run.inputLen + run.outputLen > served.maxModelLen) {
      const why = `inputLen ${run.inputLen} + outputLen ${run.outputLen} exceeds the server's max_model_len ${served.maxModelLen}`;
      fail(run, phases, new RunnerError('INVALID_RUNNER_OPTIONS', why), 0, batchesOf(run));
      continue;
    }
    if (options.concurrency !== undefined && run.batchSize > options.concurrency) {
      const why = `batchSize ${run.batchSize} exceeds concurrency ${options.concurrency}; a batch sent in waves would measure a smaller batch`;
      fail(run, phases, new RunnerError('INVALID_RUNNER_OPTIONS', why), 0, batchesOf(run));
      continue;
    }

    const prefillMs: number[] = [];
    const decodeMs: number[] = [];
    let tokensReadTogether = false;
    let resentBatches = 0;
    let splitBatches = 0;
    let batchesDone = 0;
    try {
      const retrying = async <T>(attempt: () => Promise<T>): Promise<T> =>
        (await withRetries(attempt, {
          retries, backoff, sleep, signal,
          onRetry: (error, tries, delayMs) => options.onRetry?.({ run, error, attempt: tries, delayMs }),
        })).value;
      for (let b = 0; b < batchesOf(run); b++) {
        const warm = b < run.warmup;
        // The batch as a user sends it: its decode steps, and without a pilot its prefill too.
        const summary = warm || phases.includes('decode') || !prefillPilot
          ? summarizeBatchTimings(await retrying(() => runBatch(run)), skipGaps)
          : undefined;
        if (!warm && phases.includes('prefill')) {
          for (let send = 0; ; send++) {
            const prefill = prefillPilot
              ? await retrying(() => runPilotedPrefill(run))
              : send === 0 && summary !== undefined ? summary : summarizeBatchTimings(await retrying(() => runBatch(run)), skipGaps);
            if (prefill.prefilledTogether && prefill.prefillMs !== undefined) {
              prefillMs.push(prefill.prefillMs);
              break;
            }
            if (send >= splitResends) {
              splitBatches++;
              break;
            }
            resentBatches++;
          }
        }
        batchesDone++;
        completedBatches++;
        if (!warm && summary !== undefined && phases.includes('decode')) {
          if (summary.decodeStepMs !== undefined) decodeMs.push(summary.decodeStepMs);
          else if (summary.decodeUnmeasured === 'tokens-read-together') tokensReadTogether = true;
        }
        progress(warm ? 'warmup' : 'repeat', run);
      }
    } catch (error) {
      const failure = error instanceof RunnerError ? error : new RunnerError('PROTOCOL_ERROR', String(error), { cause: error });
      if (failure.code === 'ABORTED' || signal?.aborted) aborted = true;
      fail(run, phases, failure, Math.max(0, batchesDone - run.warmup), batchesOf(run) - batchesDone);
      continue;
    }

    const date = now().toISOString();
    const base = {
      model: meta.model ?? options.modelName, xpu: meta.xpu, tp: meta.tp ?? 1, pp: meta.pp ?? 1, dtype: meta.dtype ?? 'bf16',
      batchSize: run.batchSize, inputLen: run.inputLen, outputLen: run.outputLen, engine, servedModel: options.modelName,
      ...(engineVersion ? { engineVersion } : {}), date, source: meta.source ?? RUNNER_SOURCE,
    };
    const prefillNotes = [
      prefillPilot ? `timed from the start of the engine step that took the batch (marked by a pilot request decoding beside it, ${PILOT_INPUT_LEN} prompt tokens) to the last first token` : '',
      resentBatches > 0 ? `${resentBatches} batch(es) re-sent: the server had not prefilled all ${run.batchSize} prompts in one step` : '',
    ].filter(Boolean).join('; ');
    const runFailure = (phase: Phase, message: string): RunFailure => ({
      run, phases: [phase], code: 'PROTOCOL_ERROR', attempts: 1, completedRepeats: run.repeats, message,
    });
    const measured: BenchmarkPoint[] = [];
    for (const phase of phases) {
      const samples = phase === 'prefill' ? prefillMs : decodeMs;
      if (samples.length === 0) continue;
      const { medianMs, spread } = summarizeLatencies(samples);
      const candidate = {
        ...base, phase, ...(phase === 'prefill' && prefillNotes ? { notes: prefillNotes } : {}), contextLen: phase === 'prefill' ? 0 : run.inputLen + Math.round(run.outputLen / 2),
        latencyMs: medianMs, repeats: samples.length, spread,
      };
      const parsed = BenchmarkPointSchema.safeParse(candidate);
      if (parsed.success) measured.push(parsed.data);
      else {
        // Reported with its figures rather than thrown: the run goes on and no other point is lost.
        failures.push(runFailure(phase, `the ${phase} measurement (${JSON.stringify(samples)} ms) is not a valid point: ${formatIssues(parsed.error.issues)}`));
      }
    }
    for (const point of measured) {
      await options.onPoint?.(point);
      points.push(point);
    }
    completedRuns++;
    if (phases.includes('prefill') && prefillMs.length === 0) {
      failures.push(runFailure('prefill',
        `the server never prefilled all ${run.batchSize} prompts in one step (${splitBatches} batch(es) split on each of ${splitResends + 1} tries: the requests reached the engine apart), so the batch's prefill time is not measured; its decode step is`));
    }
    if (phases.includes('decode') && decodeMs.length === 0) {
      failures.push(runFailure('decode', tokensReadTogether
        ? 'no decode step could be timed: every token of the decoding window arrived at one instant (the client read them together), so the stream cannot tell the step time'
        : // Every batch decoded, but never all at once for long enough: the server did not run the batch together.
          `no inter-token gap while all ${run.batchSize} requests were decoding (outputLen ${run.outputLen}, skipGaps ${skipGaps}); ` +
          'is batchSize above the server\'s max_num_seqs, so that some requests waited for others to finish?'));
    }
    progress('measured', run);
  }

  return { points, failures, skipped, notStarted, aborted, server, provenance };
}
