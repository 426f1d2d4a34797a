import { computeStep, renderStepReportHtml } from '@llm-sim/factory';
import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { formatCount, formatMs, table } from '../format.ts';
import { UsageError, withExpertParallelFlags, withModelAndXpu } from '../options.ts';

interface StepArgs {
  model?: string;
  xpu?: string;
  tp?: number;
  pp?: number;
  ep?: number;
  dp?: number;
  'enable-expert-parallel'?: boolean;
  phase?: string;
  'batch-size'?: number;
  'input-len'?: number;
  'context-len'?: number;
  'performance-model'?: string;
  'calibration-data'?: string;
  'weight-dtype'?: string;
  'kv-cache-dtype'?: string;
  quantization?: string;
  'gpu-memory-utilization'?: number;
  json?: boolean;
  report?: string;
}

export function stepCommand(ctx: CliContext): CommandModule<object, StepArgs> {
  return {
    command: 'step',
    describe: 'Time one forward pass (engine step) of a batch, with the breakdown by operator',
    builder: (y) =>
      withExpertParallelFlags(withModelAndXpu(y))
        .option('phase', { type: 'string', choices: ['prefill', 'decode'], default: 'decode', describe: 'prefill a prompt, or decode one token per sequence' })
        .option('batch-size', { type: 'number', default: 1, describe: 'sequences in the step (with --dp, of all data-parallel ranks together)' })
        .option('input-len', { type: 'number', describe: 'prompt tokens per sequence (prefill)' })
        .option('context-len', { type: 'number', describe: 'tokens already cached per sequence (decode)' })
        .option('gpu-memory-utilization', { type: 'number', describe: 'share of device memory vLLM may use (default 0.9)' })
        .option('report', { type: 'string', describe: 'write a self-contained HTML report (the step on the roofline, the breakdown) to FILE.html' })
        .example('$0 step --model llama-3.1-8b --xpu h100 --phase prefill --input-len 2048', 'a 2k-token prefill')
        .example('$0 step --model llama-3.1-70b --xpu h100 --tp 4 --phase decode --batch-size 64 --context-len 1024 --json', 'a decode step as JSON')
        .example('$0 step --model deepseek-v3 --xpu h200 --dp 8 --enable-expert-parallel --batch-size 512 --context-len 4096', "DeepSeek-V3 as vLLM's DP8 + EP8: 64 sequences per rank"),
    handler: async (args) => {
      if (!args.model || !args.xpu) throw new UsageError('step needs --model and --xpu (see `llm-sim models` and `llm-sim xpus`)');
      const phase = (args.phase ?? 'decode') as 'prefill' | 'decode';
      if (phase === 'prefill' && args['input-len'] === undefined) throw new UsageError('a prefill step needs --input-len');
      if (phase === 'decode' && args['context-len'] === undefined && args['input-len'] === undefined) {
        throw new UsageError('a decode step needs --context-len (tokens already in each sequence\'s KV cache)');
      }
      const report = await computeStep(
        {
          model: args.model,
          xpu: args.xpu,
          tp: args.tp,
          pp: args.pp,
          ep: args.ep,
          dp: args.dp,
          enableExpertParallel: args['enable-expert-parallel'],
          phase,
          batchSize: args['batch-size'] ?? 1,
          inputLen: args['input-len'],
          contextLen: args['context-len'],
          performanceModel: args['performance-model'] as 'roofline' | 'vllm_roofline' | undefined,
          calibrationDataPath: args['calibration-data'],
          dtypes: {
            ...(args['weight-dtype'] ? { weights: args['weight-dtype'] as 'bf16' } : {}),
          },
          kvCacheDtype: args['kv-cache-dtype'],
          quantization: args.quantization as 'fp8' | undefined,
          gpuMemoryUtilization: args['gpu-memory-utilization'],
        },
        ctx.io.readTextFile,
      );
      if (args.report) await ctx.io.writeTextFile(args.report, await renderStepReportHtml(report, { xpu: args.xpu, quantization: args.quantization as 'fp8' | undefined }, ctx.io.readTextFile));
      // Said on stderr under --json, so that stdout stays one JSON object.
      const tellWritten = () => args.report && (args.json ? ctx.io.stderr : ctx.io.stdout)(`wrote ${args.report} (HTML report)\n`);
      if (args.json) {
        ctx.io.stdout(`${JSON.stringify(report, null, 2)}\n`);
        tellWritten();
        return;
      }
      const shape = phase === 'prefill' ? `prefill ${report.batch_size} x ${report.input_len} tokens` : `decode ${report.batch_size} sequences at context ${report.context_len}`;
      ctx.io.stdout(`${report.model} on ${report.xpu} (tp=${report.tp}, pp=${report.pp}${report.dp > 1 ? `, dp=${report.dp}` : ''}${report.ep > 1 ? `, ep=${report.ep}` : ''}, ${report.performance_model}): ${shape}\n${report.performance_model_description}\n\n`);
      ctx.io.stdout(
        table(
          ['operator', 'ms', 'share', 'FLOPs', 'bytes', 'bound'],
          report.breakdown.map((o) => [o.op, formatMs(o.ms), `${((100 * o.ms) / report.total_ms).toFixed(1)}%`, formatCount(o.flops), formatCount(o.bytes), o.bound]),
        ),
      );
      ctx.io.stdout(
        `\ntotal ${formatMs(report.total_ms)} ms, ${report.bound}-bound (${formatCount(report.flops)}FLOP, ${formatCount(report.bytes)}B, ${report.arithmetic_intensity.toFixed(1)} FLOP/byte)\n`,
      );
      ctx.io.stdout(`accuracy: ${report.error_band.text}\n`);
      tellWritten();
    },
  };
}
