import {
  appendBenchmarkPoint,
  createSparseExperiment,
  DEFAULT_GRID,
  fetchServerInfo,
  planExperiment,
  readBenchmarkPoints,
  runExperiment,
  type BenchmarkFs,
  type GridInput,
  type RunExperimentResult,
  type RunProgress,
} from '@llm-sim/benchmark';
import { FactoryError } from './errors.ts';
import { resolveModel, resolveXpu } from './specs.ts';

/** What `measureEndpoint` measures: which server, model and xpu, which grid, and where the points go. */
export interface MeasureRequest {
  /** Base URL of an OpenAI-compatible server (vLLM, SGLang, trtllm-serve, `llm-sim serve`). */
  readonly endpoint: string;
  readonly model: string;
  readonly xpu: string;
  readonly tp?: number;
  readonly pp?: number;
  /** The sparse grid (both regimes and the ridge) instead of the full one. */
  readonly sparse?: boolean;
  /** A custom grid (batch sizes, input and output lengths, repeats). */
  readonly grid?: GridInput;
  /** The raw JSONL every measured point is appended to at once. */
  readonly output: string;
  /** Skip the points already in `output`. */
  readonly resume?: boolean;
  /** The model id the server serves; asked from /v1/models when absent. */
  readonly servedModelName?: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** Varies the prompts' token ids so that a server's prefix cache never turns a prefill into a hit. */
  readonly seed: number;
  readonly fs: BenchmarkFs;
  /** Told after each batch how far the experiment is. */
  readonly onProgress?: (progress: RunProgress) => void;
  readonly signal?: AbortSignal;
}

/**
 * Runs an experiment (the full or sparse grid for this model and xpu) against a live server, appending every
 * measured point to the raw JSONL as soon as it is measured, so that an interrupted run loses nothing.
 */
export async function measureEndpoint(request: MeasureRequest): Promise<RunExperimentResult> {
  const readTextFile = async (path: string) => {
    const text = await request.fs.readText(path);
    if (text === undefined) throw new FactoryError('UNREADABLE_FILE', `cannot read '${path}': no such file`);
    return text;
  };
  const model = await resolveModel(request.model, readTextFile);
  const xpu = await resolveXpu(request.xpu, readTextFile);
  const tp = request.tp ?? 1;
  const pp = request.pp ?? 1;
  const config = request.sparse
    ? createSparseExperiment({ model, xpu, tp, pp, grid: request.grid })
    : { kind: 'grid' as const, model: model.name, xpu: xpu.name, tp, pp, grid: request.grid ?? DEFAULT_GRID };
  // Runs longer than the model's context could never be served: leave them out of the plan.
  const points = planExperiment(config as Parameters<typeof planExperiment>[0]).filter(
    (p) => p.inputLen + p.outputLen <= model.maxPositionEmbeddings,
  );
  let servedModelName = request.servedModelName;
  if (!servedModelName) {
    // Bounded like every request of the run: a server that accepts and never answers must not hang it.
    const info = await fetchServerInfo({ endpoint: request.endpoint, signal: request.signal, timeoutMs: Math.min(request.timeoutMs ?? 600_000, 30_000) });
    const served = (info.models ?? []).map((m) => m.id);
    if (served.length !== 1) {
      throw new FactoryError('INVALID_CONFIG', `the server at ${request.endpoint} serves ${served.length === 0 ? 'no model' : served.join(', ')}; name one with --served-model-name`);
    }
    servedModelName = served[0];
  }
  const existing = request.resume ? await readBenchmarkPoints(request.fs, request.output) : [];
  // Resuming another deployment's file would skip its points as "already measured".
  const foreign = existing.find((p) => p.model !== model.name || p.xpu !== xpu.name || p.tp !== tp || p.pp !== pp);
  if (foreign) {
    throw new FactoryError(
      'INVALID_CONFIG',
      `--resume: ${request.output} holds measurements of ${foreign.model} on ${foreign.xpu} at tp=${foreign.tp} pp=${foreign.pp}, not ${model.name} on ${xpu.name} at tp=${tp} pp=${pp}; resume with the same deployment, or write to another -o`,
    );
  }
  // Nor may it go on against a server that serves another model than the one the file measured.
  const otherServed = existing.find((p) => p.servedModel !== undefined && p.servedModel !== servedModelName);
  if (otherServed) {
    throw new FactoryError(
      'INVALID_CONFIG',
      `--resume: ${request.output} was measured on a server serving '${otherServed.servedModel}', but ${request.endpoint} serves '${servedModelName}'; resume against the same model, or write to another -o`,
    );
  }
  return runExperiment({
    endpoint: request.endpoint,
    modelName: servedModelName,
    points,
    metadata: { xpu: xpu.name, model: model.name, tp, pp },
    existing,
    timeoutMs: request.timeoutMs,
    retries: request.retries,
    seed: request.seed,
    onPoint: (point) => appendBenchmarkPoint(request.fs, request.output, point),
    onProgress: request.onProgress,
    signal: request.signal,
  });
}
