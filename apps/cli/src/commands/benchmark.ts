import { DEFAULT_GRID, createNodeBenchmarkFs, createSparseExperiment, importBenchmarkFileFromFs, planExperiment, serializeBenchmarkPoint } from '@llm-sim/factory';
import type { Argv, CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { table } from '../format.ts';
import { UsageError } from '../options.ts';

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
        .option('model', { type: 'string', describe: "the model, when the file doesn't say" })
        .option('xpu', { type: 'string', describe: "the xpu, when the file doesn't say" })
        .option('tp', { type: 'number', describe: "the tensor-parallel degree, when the file doesn't say" })
        .option('json', { type: 'boolean', describe: 'print the points as JSONL on stdout' }),
    handler: async (args) => {
      const files = args.files ?? [];
      if (files.length === 0) throw new UsageError('benchmark import needs at least one FILE');
      const fs = createNodeBenchmarkFs();
      let count = 0;
      let jsonl = '';
      for (const file of files) {
        const points = await importBenchmarkFileFromFs(fs, file, { model: args.model, xpu: args.xpu, tp: args.tp });
        for (const p of points) jsonl += `${serializeBenchmarkPoint(p)}\n`;
        count += points.length;
      }
      if (args.output) await ctx.io.appendTextFile(args.output, jsonl);
      if (args.json || !args.output) ctx.io.stdout(jsonl);
      if (args.output) ctx.io.stderr(`imported ${count} points from ${files.length} file(s) into ${args.output}\n`);
    },
  };
}

export function benchmarkCommand(ctx: CliContext): CommandModule {
  return {
    command: 'benchmark <command>',
    describe: 'Plan and import benchmark measurements for calibration',
    builder: (y: Argv) => y.command(planCommand(ctx)).command(importCommand(ctx)).demandCommand(1, 'name a benchmark command: plan or import'),
    handler: () => {},
  };
}
