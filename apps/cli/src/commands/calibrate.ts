import {
  calibrateFromFiles,
  calibrateFromKernelTables,
  formatKernelCalibration,
  serializeKernelCalibration,
  checkCalibrationDrift,
  createNodeBenchmarkFs,
  formatFitReport,
  renderCalibrationOutcomeReport,
  parseCalibrationFile,
  serializeCalibration,
} from '@llm-sim/factory';
import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { UsageError } from '../options.ts';
import { writeOutputFile, writeOutputs } from '../outputs.ts';
import { runBenchmark } from './benchmark.ts';

interface CalibrateArgs {
  report?: string;
  endpoint?: string;
  sparse?: boolean;
  resume?: boolean;
  'raw-output'?: string;
  'served-model-name'?: string;
  seed?: number;
  quiet?: boolean;
  model?: string;
  xpu?: string;
  tp?: number;
  pp?: number;
  from?: string[];
  output?: string;
  'max-mape'?: number;
  json?: boolean;
  'from-kernels'?: string;
  'fitting-cases'?: string;
}

/** A failure a CI job can act on: its code maps to a documented exit code. */
class ThresholdError extends Error {
  readonly code: string;
  constructor(code: 'FIT_TOO_POOR' | 'DRIFT_ABOVE_THRESHOLD', message: string) {
    super(message);
    this.code = code;
  }
}

function requireTarget(args: CalibrateArgs, command: string): { model: string; xpu: string; files: string[] } {
  if (!args.model || !args.xpu) throw new UsageError(`${command} needs --model and --xpu (the deployment the measurements are of)`);
  if ((!args.from || args.from.length === 0) && args.endpoint) return { model: args.model, xpu: args.xpu, files: [] };
  if (!args.from || args.from.length === 0) throw new UsageError(`${command} needs --from FILE... (vllm bench serve/latency results, a Splitwise CSV, or points JSONL)`);
  return { model: args.model, xpu: args.xpu, files: args.from };
}

function maxMapeFraction(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(value > 0)) throw new UsageError(`--max-mape must be a positive percentage, got ${value}`);
  return value / 100;
}

export function calibrateCommand(ctx: CliContext): CommandModule<object, CalibrateArgs> {
  return {
    command: 'calibrate',
    describe: 'Fit effective TFLOPS, bandwidth and overhead (prefill and decode apart) to measurements; write a calibration file',
    builder: (y) =>
      y
        .option('model', { type: 'string', describe: 'the model measured (catalog name or config.json)' })
        .option('xpu', { type: 'string', describe: 'the xpu measured (catalog name or xpu JSON)' })
        .option('tp', { type: 'number', describe: 'tensor-parallel degree of the measurements (default: the one the files record, else 1)' })
        .option('pp', { type: 'number', describe: 'pipeline-parallel degree of the measurements (default: what the files record, else 1)' })
        .option('from', { type: 'string', array: true, describe: 'measurement files: vllm bench serve/latency JSON, Splitwise perf_model.csv, points JSONL' })
        .option('from-kernels', { type: 'string', describe: 'a folder of measured kernel tables (aiconfigurator GEMM, attention, collectives; Vidur operators; Splitwise steps): write the xpu\'s operator-level calibration (format 2) instead' })
        .option('fitting-cases', { type: 'string', describe: "with --from-kernels: a validation set whose 'fitting' split's static-batch runs the engine overhead is fitted to" })
        .option('endpoint', { type: 'string', describe: 'measure a live OpenAI-compatible server first (the sparse grid with --sparse), then fit' })
        .option('sparse', { type: 'boolean', describe: 'with --endpoint: measure the sparse grid' })
        .option('resume', { type: 'boolean', describe: 'with --endpoint: skip points already in --raw-output' })
        .option('raw-output', { type: 'string', describe: 'with --endpoint: the raw JSONL of the measurements (default: OUTPUT.raw.jsonl)' })
        .option('served-model-name', { type: 'string', describe: 'with --endpoint: the model id the server serves' })
        .option('seed', { type: 'number', describe: "with --endpoint: prompt token ids' seed (default random)" })
        .option('quiet', { type: 'boolean', describe: 'no progress bar' })
        .option('output', { alias: 'o', type: 'string', describe: 'where to write the calibration JSON' })
        .option('report', { type: 'string', describe: 'write a self-contained HTML report (roofline plot, predicted vs measured) to FILE.html' })
        .option('max-mape', { type: 'number', describe: 'fail (exit 5) when a phase fits worse than this many percent' })
        .option('json', { type: 'boolean', describe: 'print the calibration file as JSON instead of the fit report' })
        .example('$0 calibrate --model llama-2-70b --xpu h100 --tp 4 --from benchmark_data/raw/splitwise/perf_model.csv -o cal.json', 'fit the Splitwise H100 TP4 measurements')
        .example('$0 calibrate --xpu h100 --from-kernels benchmark_data/raw/kernels --fitting-cases benchmark_data/validation/cases.json -o benchmark_data/calibration/h100-sxm/kernels.json', 'regenerate the shipped operator-level calibration of the H100')
        .example('$0 calibrate --model llama-7b --xpu gb10 --endpoint http://localhost:8000 --sparse -o calibration.json', "the seeds' run_calibration.py: measure a live vLLM server, then fit"),
    handler: async (args) => {
      if (args['from-kernels'] !== undefined) {
        if (!args.xpu) throw new UsageError('calibrate --from-kernels needs --xpu (the xpu whose kernel tables to fit)');
        const outcome = await calibrateFromKernelTables({ xpu: args.xpu, dir: args['from-kernels'], fittingCasesPath: args['fitting-cases'], readTextFile: (path) => ctx.io.readTextFile(path) });
        const text = serializeKernelCalibration(outcome.calibration);
        if (args.json) ctx.io.stdout(text);
        else ctx.io.stdout(formatKernelCalibration(outcome.calibration));
        if (args.output) await writeCalibration(ctx, args, text, `\nwrote ${args.output}\n`);
        return;
      }
      const { model, xpu, files } = requireTarget(args, 'calibrate');
      const maxMape = maxMapeFraction(args['max-mape']);
      if (args.endpoint) {
        const raw = args['raw-output'] ?? `${args.output ?? 'calibration.json'}`.replace(/\.json$/, '') + '.raw.jsonl';
        const run = await runBenchmark(ctx, { ...args, endpoint: args.endpoint }, raw, args['raw-output'] ? '--raw-output' : '-o (its .raw.jsonl)');
        if (run.points.length === 0 && !args.resume) throw new UsageError(`no point could be measured at ${args.endpoint}; see the failures above`);
        files.push(raw);
      }
      const outcome = await calibrateFromFiles({
        model,
        xpu,
        tp: args.tp,
        pp: args.pp,
        files,
        fs: createNodeBenchmarkFs(),
        createdAt: ctx.io.now().toISOString(),
      });
      const text = serializeCalibration(outcome.parameters);
      // Also in the file's fit notes, so `--json` carries them.
      for (const warning of outcome.warnings) ctx.io.stderr(`warning: ${warning}\n`);
      if (args.json) ctx.io.stdout(text);
      else ctx.io.stdout(formatFitReport(outcome.fit));
      if (args.output) await writeCalibration(ctx, args, text, `\nwrote ${args.output}: use it with --performance-model vllm_roofline --calibration-data ${args.output}\n`);
      if (args.report) {
        const report = args.report;
        await writeOutputs(ctx, [{ flag: '--report', path: report, text: () => renderCalibrationOutcomeReport(outcome), said: `wrote ${report} (HTML report)\n` }], (line) => (args.json ? ctx.io.stderr : ctx.io.stdout)(line));
      }
      const fit = outcome.parameters.fit;
      if (maxMape !== undefined && Math.max(fit.prefill_mape, fit.decode_mape) > maxMape) {
        throw new ThresholdError(
          'FIT_TOO_POOR',
          `the fit is too poor: prefill MAPE ${(fit.prefill_mape * 100).toFixed(2)}%, decode MAPE ${(fit.decode_mape * 100).toFixed(2)}%, allowed ${(maxMape * 100).toFixed(2)}%${args.output ? ` (the calibration was still written to ${args.output})` : ''}`,
        );
      }
    },
  };
}

/**
 * Writes the calibration to -o once it is printed; when the path cannot be written, the calibration is
 * printed in full (unless --json already did) so that the fit is not lost with the file.
 */
async function writeCalibration(ctx: CliContext, args: CalibrateArgs, text: string, said: string): Promise<void> {
  try {
    await writeOutputFile(ctx, '-o', args.output!, text);
  } catch (error) {
    if (!args.json) ctx.io.stdout(`\nthe calibration, which could not be written:\n${text}`);
    throw error;
  }
  (args.json ? ctx.io.stderr : ctx.io.stdout)(said.replace(/^\n/, args.json ? '' : '\n'));
}

export function checkCalibrationCommand(ctx: CliContext): CommandModule<object, CalibrateArgs & { 'calibration-data'?: string }> {
  return {
    command: 'check-calibration',
    describe: 'Compare a calibration with new measurements; exit 6 when predictions drifted beyond --max-mape',
    builder: (y) =>
      y
        .option('calibration-data', { type: 'string', describe: 'the committed calibration JSON' })
        .option('from', { type: 'string', array: true, describe: 'new measurement files' })
        .option('max-mape', { type: 'number', default: 5, describe: 'allowed mean absolute percentage error of the predictions' })
        .option('json', { type: 'boolean', describe: 'print the evaluation as JSON' }),
    handler: async (args) => {
      const path = args['calibration-data'];
      if (!path) throw new UsageError('check-calibration needs --calibration-data FILE');
      let text: string;
      try {
        text = await ctx.io.readTextFile(path);
      } catch (error) {
        throw new UsageError(`cannot read --calibration-data '${path}': ${error instanceof Error ? error.message : String(error)}`);
      }
      const parameters = parseCalibrationFile(text, path);
      const { files } = requireTarget({ ...args, model: parameters.model, xpu: parameters.xpu }, 'check-calibration');
      const maxMape = maxMapeFraction(args['max-mape'] ?? 5)!;
      const evaluation = await checkCalibrationDrift(
        parameters,
        { model: parameters.model, xpu: parameters.xpu, tp: parameters.tp, pp: parameters.pp, files, fs: createNodeBenchmarkFs() },
        maxMape,
      );
      const summary = {
        calibration: path,
        model: parameters.model,
        xpu: parameters.xpu,
        tp: parameters.tp,
        points: evaluation.points,
        mape: evaluation.mape,
        prefill_mape: evaluation.prefill?.mape ?? null,
        decode_mape: evaluation.decode?.mape ?? null,
        max_mape: maxMape,
        drifted: evaluation.drifted,
      };
      if (args.json) ctx.io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
      else ctx.io.stdout(`${parameters.model} on ${parameters.xpu} tp=${parameters.tp}: MAPE ${(evaluation.mape * 100).toFixed(2)}% over ${evaluation.points} new points (allowed ${(maxMape * 100).toFixed(2)}%)\n`);
      if (evaluation.drifted) {
        throw new ThresholdError('DRIFT_ABOVE_THRESHOLD', `predictions drifted: MAPE ${(evaluation.mape * 100).toFixed(2)}% exceeds --max-mape ${(maxMape * 100).toFixed(2)}%`);
      }
    },
  };
}
