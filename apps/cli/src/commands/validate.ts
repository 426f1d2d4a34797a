import {
  BASELINE_COMMAND,
  FactoryError,
  PERFORMANCE_MODEL_TYPES,
  compareWithBaseline,
  computeErrorBands,
  makeValidationBaseline,
  parseValidationBaseline,
  parseValidationSet,
  validateCases,
  type ModelComparison,
  type PerformanceModelType,
  type ValidationReport,
} from '@llm-sim/factory';
import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { writeOutputFile } from '../outputs.ts';
import { table } from '../format.ts';
import { createProgress } from '../progress.ts';
import { UsageError } from '../options.ts';

interface ValidateArgs {
  cases?: string;
  split?: string;
  'performance-model'?: string[];
  baseline?: string;
  tolerance?: number;
  'write-baseline'?: string;
  'write-error-bands'?: string;
  json?: boolean;
  quiet?: boolean;
}

const DEFAULT_CASES = 'benchmark_data/validation/cases.json';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${x.toFixed(1)}%`);
const signed = (x: number | undefined) => (x === undefined ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`);
const value = (x: number | undefined) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));

export function validateCommand(ctx: CliContext): CommandModule<object, ValidateArgs> {
  return {
    command: 'validate',
    describe: 'Predict the public end-to-end measurements of the validation set with every performance model, and report the error',
    builder: (y) =>
      y
        .option('cases', { type: 'string', default: DEFAULT_CASES, describe: 'the validation set (JSON, see benchmark_data/validation/README.md)' })
        .option('split', { type: 'string', choices: ['validation', 'fitting', 'all'], default: 'validation', describe: 'which cases: never fitted (validation), usable by fits (fitting), or both' })
        .option('performance-model', { type: 'string', array: true, choices: [...PERFORMANCE_MODEL_TYPES], describe: 'only these performance models (default: every one)' })
        .option('baseline', { type: 'string', describe: 'compare with a committed baseline; exit 6 when a model regressed' })
        .option('tolerance', { type: 'number', default: 1, describe: 'with --baseline: percentage points of MAPE a model may lose' })
        .option('write-baseline', { type: 'string', describe: 'write the signed error of every case to FILE (the committed baseline)' })
        .option('write-error-bands', { type: 'string', describe: 'write the per-xpu error bands of the validation split to FILE (shipped in @llm-sim/factory)' })
        .option('json', { type: 'boolean', describe: 'print one JSON object and nothing else on stdout' })
        .option('quiet', { type: 'boolean', describe: 'no progress bar' })
        .example('$0 validate', 'MAPE of every performance model on the validation split')
        .example('$0 validate --split all --json', 'every case, as JSON')
        .example('$0 validate --split all --baseline benchmark_data/validation/baseline.json', 'what CI runs'),
    handler: async (args) => {
      const split = (args.split ?? 'validation') as 'validation' | 'fitting' | 'all';
      if (args['write-error-bands'] && split !== 'validation') throw new UsageError('--write-error-bands takes the validation split only (--split validation)');
      if (args.tolerance !== undefined && !(args.tolerance >= 0)) throw new UsageError(`--tolerance must be a non-negative number of percentage points, got ${args.tolerance}`);
      const casesPath = args.cases ?? DEFAULT_CASES;
      let text: string;
      try {
        text = await ctx.io.readTextFile(casesPath);
      } catch (error) {
        throw new UsageError(`cannot read --cases '${casesPath}' (run from the repository root, or give --cases): ${(error as Error).message}`);
      }
      const { cases } = parseValidationSet(text, casesPath);
      const progress = createProgress(ctx.io, { enabled: !args.json && !args.quiet, label: 'cases' });
      let report: ValidationReport;
      try {
        report = await validateCases({
          cases,
          split,
          performanceModels: args['performance-model'] as PerformanceModelType[] | undefined,
          readTextFile: ctx.io.readTextFile,
          onCase: progress.update,
        });
      } finally {
        progress.stop();
      }
      if (args['write-baseline']) await writeOutputFile(ctx, '--write-baseline', args['write-baseline'], `${JSON.stringify(makeValidationBaseline(report), null, 2)}\n`);
      if (args['write-error-bands']) await writeOutputFile(ctx, '--write-error-bands', args['write-error-bands'], `${JSON.stringify(computeErrorBands(report), null, 2)}\n`);
      let comparison: ModelComparison[] | undefined;
      if (args.baseline) {
        let baselineText: string;
        try {
          baselineText = await ctx.io.readTextFile(args.baseline);
        } catch (error) {
          throw new UsageError(`cannot read --baseline '${args.baseline}': ${(error as Error).message}`);
        }
        comparison = compareWithBaseline(report, parseValidationBaseline(baselineText, args.baseline), args.tolerance ?? 1);
      }
      if (args.json) ctx.io.stdout(`${JSON.stringify({ ...report, ...(comparison ? { baseline: comparison } : {}) }, null, 2)}\n`);
      else printReport(ctx, report, comparison, args.tolerance ?? 1);
      const regressed = comparison?.filter((c) => c.regressed) ?? [];
      if (regressed.length > 0) {
        const what = regressed
          .map((c) =>
            c.lost_cases.length > 0
              ? `${c.performance_model} no longer predicts ${c.lost_cases.join(', ')}`
              : `${c.performance_model} MAPE ${pct(c.current_mape)} on ${c.shared_cases} cases, baseline ${pct(c.baseline_mape)}`,
          )
          .join('; ');
        throw new FactoryError(
          'VALIDATION_REGRESSED',
          `validation regressed beyond ${args.tolerance ?? 1} percentage point(s): ${what}. If the change is intended, rewrite the baseline: ${BASELINE_COMMAND}`,
        );
      }
    },
  };
}

function printReport(ctx: CliContext, report: ValidationReport, comparison: ModelComparison[] | undefined, tolerance: number): void {
  const models = report.performance_models;
  const out = ctx.io.stdout;
  out(`${report.cases.length} case(s), split ${report.split}; error = (predicted - measured) / measured\n\n`);
  out(
    table(
      ['case', 'xpu', 'model', 'tp', 'metric', 'unit', 'measured', ...models.flatMap((m) => [m, 'error'])],
      report.cases.map((c) => [
        c.id,
        c.xpu,
        c.model,
        String(c.tp),
        c.metric,
        c.unit,
        value(c.measured),
        ...models.flatMap((m) => [value(c.predicted[m]), signed(c.error_pct[m])]),
      ]),
    ),
  );
  out('\nMAPE by performance model (cases predicted / cases)\n\n');
  out(table(['performance model', 'MAPE', 'cases'], models.map((m) => [m, pct(report.mape[m]), `${report.coverage[m] ?? 0} / ${report.cases.length}`])));
  const xpus = [...new Set(report.cases.map((c) => c.xpu))].sort();
  const metrics = [...new Set(report.cases.map((c) => c.metric.split(' ')[0]))].sort();
  const cell = (entry: { mape: number | null; cases: number } | undefined) => (entry ? `${pct(entry.mape)} (${entry.cases})` : '-');
  out('\nMAPE by xpu (cases)\n\n');
  out(table(['performance model', ...xpus], models.map((m) => [m, ...xpus.map((x) => cell(report.mape_by_xpu[m]?.[x]))])));
  out('\nMAPE by metric (cases)\n\n');
  out(table(['performance model', ...metrics], models.map((m) => [m, ...metrics.map((x) => cell(report.mape_by_metric[m]?.[x]))])));
  const skipped = new Map<string, number>();
  for (const c of report.cases) for (const [m, why] of Object.entries(c.skipped)) skipped.set(`${m}: ${why}`, (skipped.get(`${m}: ${why}`) ?? 0) + 1);
  if (skipped.size > 0) {
    out('\nnot predicted\n');
    for (const [why, n] of skipped) out(`  ${n} x ${why}\n`);
  }
  if (comparison) {
    out(`\nagainst the baseline (tolerance ${tolerance} percentage point(s), on the cases both predicted)\n\n`);
    out(
      table(
        ['performance model', 'shared cases', 'baseline MAPE', 'MAPE now', 'new cases', 'verdict'],
        comparison.map((c) => [
          c.performance_model,
          String(c.shared_cases),
          pct(c.baseline_mape),
          pct(c.current_mape),
          String(c.new_cases.length),
          c.regressed ? 'REGRESSED' : 'ok',
        ]),
      ),
    );
  }
}

