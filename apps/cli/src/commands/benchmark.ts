import { randomInt } from 'node:crypto';
import { DEFAULT_GRID, createNodeBenchmarkFs, createProgressReporter, formatRunFailures, measureEndpoint, type RunExperimentResult, createSparseExperiment, importBenchmarkFileFromFs, planExperiment, serializeBenchmarkPoint } from '@llm-sim/factory';
import type { Argv, CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { table } from '../format.ts';
import { UsageError } from '../options.ts';
import { writeOutputFile } from '../outputs.ts';

interface PlanArgs {
  model?: string;
  xpu?: string;
  tp?: number;
  sparse?: boolean;
  json?: boolean;
}

interface ImportArgs {
  files?: string[];
  output?: string;
  model?: string;
  xpu?: string;
  tp?: number;
  pp?: number;
  'batch-size'?: number;
  'input-len'?: number;
  'output-len'?: number;
  json?: boolean;
}

function planCommand(ctx: CliContext): CommandModule<object, PlanArgs> {
  return {
    command: 'plan',
    describe: 'Print the experiment points to measure (a full grid, or a sparse grid covering both regimes)',
    builder: (y) =>
      y
        .option('model', { type: 'string', describe: 'catalog model' })
        .option('xpu', { type: 'string', describe: 'catalog xpu' })
        .option('tp', { type: 'number', default: 1 })
        .option('sparse', { type: 'boolean', describe: 'compute-bound prefill, memory-bound decode and the ridge between, with a fraction of the points' })
        .option('json', { type: 'boolean' }),
    handler: (args) => {
      if (!args.model || !args.xpu) throw new UsageError('benchmark plan needs --model and --xpu');
      const config = args.sparse
        ? createSparseExperiment({ model: args.model, xpu: args.xpu, tp: args.tp })
        : { kind: 'grid' as const, model: args.model, xpu: args.xpu, tp: args.tp, grid: DEFAULT_GRID };
      const points = planExperiment(config as Parameters<typeof planExperiment>[0]);
      if (args.json) return ctx.io.stdout(`${JSON.stringify({ ...config, points }, null, 2)}\n`);
      ctx.io.stdout(`${points.length} runs for ${args.model} on ${args.xpu} at tp=${args.tp}${args.sparse ? ' (sparse)' : ''}\n\n`);
      ctx.io.stdout(
        table(
          ['batch', 'input', 'output', 'repeats', 'prefill FLOP/B', 'decode FLOP/B', 'purpose'],
          points.map((p) => [
            String(p.batchSize),
            String(p.inputLen),
            String(p.outputLen),
            String(p.repeats),
            p.prefillIntensityFlopsPerByte?.toFixed(0) ?? '-',
            p.decodeIntensityFlopsPerByte?.toFixed(1) ?? '-',
            (p.purposes ?? []).join(', '),
          ]),
        ),
      );
    },
  };
}

function importCommand(ctx: CliContext): CommandModule<object, ImportArgs> {
  return {
    command: 'import <files..>',
    describe: 'Import measurement files (auto-detected format) into benchmark points (JSONL)',
    builder: (y) =>
      y
        .positional('files', { type: 'string', array: true, describe: 'vllm bench serve/latency JSON, Splitwise CSV, points JSONL' })
        .option('output', { alias: 'o', type: 'string', describe: 'append the points to this JSONL file' })
        .option('model', { type: 'string', describe: "the model, when the file doesn't say (refused if it records another)" })
        .option('xpu', { type: 'string', describe: "the xpu, when the file doesn't say (refused if it records another)" })
        .option('tp', { type: 'number', describe: "the tensor-parallel degree, when the file doesn't say" })
        .option('pp', { type: 'number', describe: "the pipeline-parallel degree, when the file doesn't say" })
        .option('batch-size', { type: 'number', describe: 'vllm bench latency: the run\'s --batch-size, when no sidecar says' })
        .option('input-len', { type: 'number', describe: 'vllm bench latency: the run\'s --input-len, when no sidecar says' })
        .option('output-len', { type: 'number', describe: 'vllm bench latency: the run\'s --output-len, when no sidecar says' })
        .option('json', { type: 'boolean', describe: 'print the points as JSONL on stdout (warnings still go to stderr)' }),
    handler: async (args) => {
      const files = args.files ?? [];
      if (files.length === 0) throw new UsageError('benchmark import needs at least one FILE');
      const fs = createNodeBenchmarkFs();
      let count = 0;
      let jsonl = '';
      for (const file of files) {
        const points = await importBenchmarkFileFromFs(fs, file, {
          model: args.model,
          xpu: args.xpu,
          tp: args.tp,
          pp: args.pp,
          batchSize: args['batch-size'],
          inputLen: args['input-len'],
          outputLen: args['output-len'],
          onWarning: (message) => ctx.io.stderr(`warning: ${message}\n`),
        });
        for (const p of points) jsonl += `${serializeBenchmarkPoint(p)}\n`;
        count += points.length;
      }
      if (args.json || !args.output) ctx.io.stdout(jsonl);
      if (args.output) await writeOutputFile(ctx, '-o', args.output, jsonl, true);
      if (args.output) ctx.io.stderr(`imported ${count} points from ${files.length} file(s) into ${args.output}\n`);
    },
  };
}

interface RunArgs {
  endpoint?: string;
  model?: string;
  xpu?: string;
  tp?: number;
  pp?: number;
  sparse?: boolean;
  output?: string;
  resume?: boolean;
  'served-model-name'?: string;
  'timeout-s'?: number;
  retries?: number;
  seed?: number;
  json?: boolean;
  quiet?: boolean;
}

/** Measured points that failed: a CI job can act on it (exit 4); the rest were kept. */
class PointsFailedError extends Error {
  readonly code = 'BENCHMARK_POINTS_FAILED';
}

export const runOptions = (y: Argv) =>
  y
    .option('endpoint', { type: 'string', describe: 'base URL of the OpenAI-compatible server (vLLM, SGLang, trtllm-serve, llm-sim serve)' })
    .option('model', { type: 'string', describe: 'the model the server runs (catalog name or config.json)' })
    .option('xpu', { type: 'string', describe: 'the accelerator it runs on (catalog name or xpu JSON)' })
    .option('tp', { type: 'number', default: 1 })
    .option('pp', { type: 'number', default: 1 })
    .option('sparse', { type: 'boolean', describe: 'measure the sparse grid (both regimes and the ridge)' })
    .option('resume', { type: 'boolean', describe: 'skip the points already in the output file' })
    .option('served-model-name', { type: 'string', describe: 'model id the server serves (default: the one /v1/models lists)' })
    .option('timeout-s', { type: 'number', default: 600, describe: 'per-request timeout in seconds' })
    .option('retries', { type: 'number', default: 3, describe: 'retries with backoff for connection errors and 5xx' })
    .option('seed', { type: 'number', describe: "prompt token ids' seed (default: random, so a server's prefix cache never hits)" })
    .option('quiet', { type: 'boolean', describe: 'no progress bar' });

/** Runs the experiment against the server, appending each point to `output` as it is measured. */
export async function runBenchmark(ctx: CliContext, args: RunArgs, output: string, outputFlag = '-o'): Promise<RunExperimentResult> {
  if (!args.endpoint || !args.model || !args.xpu) throw new UsageError('benchmark run needs --endpoint URL, --model and --xpu');
  const timeoutS = args['timeout-s'];
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new UsageError(`--timeout-s must be a positive number of seconds, got ${timeoutS}`);
  if (args.retries !== undefined && !(Number.isInteger(args.retries) && args.retries >= 0)) throw new UsageError(`--retries must be a whole number, 0 or more, got ${args.retries}`);
  // Points are appended as they are measured: a path that cannot take them is refused before the first one.
  await writeOutputFile(ctx, outputFlag, output, '', true);
  const progress = createProgressReporter({ total: 1, stream: process.stderr, enabled: ctx.io.isTty && !args.json && !args.quiet });
  let result: RunExperimentResult;
  try {
    result = await measureEndpoint({
      endpoint: args.endpoint,
      model: args.model,
      xpu: args.xpu,
      tp: args.tp,
      pp: args.pp,
      sparse: args.sparse,
      output,
      resume: args.resume,
      servedModelName: args['served-model-name'],
      timeoutMs: (args['timeout-s'] ?? 600) * 1000,
      retries: args.retries,
      seed: args.seed ?? randomInt(2 ** 31),
      fs: createNodeBenchmarkFs(),
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
  }
  ctx.io.stderr(`measured ${result.points.length} point(s) into ${output}${result.skipped.length > 0 ? `, skipped ${result.skipped.length} already measured` : ''}\n`);
  if (result.failures.length > 0) ctx.io.stderr(formatRunFailures(result.failures));
  return result;
}

function runCommand(ctx: CliContext): CommandModule<object, RunArgs> {
  return {
    command: 'run',
    describe: 'Measure prefill and decode step times on a live OpenAI-compatible server (streaming /v1/completions)',
    builder: (y) =>
      runOptions(y)
        .option('output', { alias: 'o', type: 'string', describe: 'raw JSONL the points are appended to' })
        .option('json', { type: 'boolean', describe: 'print the run summary as JSON' })
        .example('$0 benchmark run --endpoint http://localhost:8000 --model llama-3.1-8b --xpu h100 --sparse -o raw.jsonl', 'calibration measurements of a vLLM server') as unknown as Argv<RunArgs>,
    handler: async (args) => {
      if (!args.output) throw new UsageError('benchmark run needs --output FILE.jsonl (points are appended as they are measured)');
      const result = await runBenchmark(ctx, args, args.output);
      if (args.json) {
        ctx.io.stdout(`${JSON.stringify({ output: args.output, measured: result.points.length, skipped: result.skipped.length, failed: result.failures.length, failures: result.failures, server: result.server }, null, 2)}\n`);
      }
      if (result.failures.length > 0) {
        throw new PointsFailedError(`${result.failures.length} run(s) failed (listed above); the ${result.points.length} measured point(s) are in ${args.output}; rerun with --resume to measure the rest`);
      }
    },
  };
}

export function benchmarkCommand(ctx: CliContext): CommandModule {
  return {
    command: 'benchmark <command>',
    describe: 'Plan and import benchmark measurements for calibration',
    builder: (y: Argv) => y.command(planCommand(ctx)).command(importCommand(ctx)).command(runCommand(ctx)).demandCommand(1, 'name a benchmark command: plan, run or import'),
    handler: () => {},
  };
}
