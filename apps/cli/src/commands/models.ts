import { describeModels, describeXpus } from '@llm-sim/factory';
import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { table } from '../format.ts';

export function modelsCommand(ctx: CliContext): CommandModule<object, { json?: boolean }> {
  return {
    command: 'models',
    describe: 'List the built-in models (published config.json values)',
    builder: (y) => y.option('json', { type: 'boolean', describe: 'print JSON' }),
    handler: (args) => {
      const models = describeModels();
      if (args.json) return ctx.io.stdout(`${JSON.stringify(models, null, 2)}\n`);
      ctx.io.stdout(
        table(
          ['name', 'Hugging Face id', 'params', 'active', 'layers', 'attention', 'KV bytes/token', 'precision', 'source'],
          models.map((m) => [
            m.name,
            m.huggingface_id,
            `${(m.params / 1e9).toFixed(2)}B`,
            `${(m.active_params / 1e9).toFixed(2)}B`,
            String(m.num_layers),
            m.attention,
            m.kv_cache_bytes_per_token.toLocaleString('en-US'),
            m.precision,
            m.source,
          ]),
        ),
      );
    },
  };
}

export function xpusCommand(ctx: CliContext): CommandModule<object, { json?: boolean }> {
  return {
    command: 'xpus',
    describe: 'List the built-in accelerators (vendor spec sheets, dense tensor figures)',
    builder: (y) => y.option('json', { type: 'boolean', describe: 'print JSON' }),
    handler: (args) => {
      const xpus = describeXpus();
      if (args.json) return ctx.io.stdout(`${JSON.stringify(xpus, null, 2)}\n`);
      ctx.io.stdout(
        table(
          ['name', 'aliases', 'memory', 'bandwidth', 'bf16', 'fp8', 'fp4', 'ridge (FLOP/B)', 'interconnect', 'source'],
          xpus.map((x) => [
            x.name,
            x.aliases.join(', '),
            `${x.memory_gb} GB (${x.memory_gib.toFixed(1)} GiB seen)`,
            `${x.memory_bandwidth_gbps} GB/s`,
            x.peak_tflops.bf16 ? `${x.peak_tflops.bf16} TF` : '-',
            x.peak_tflops.fp8 ? `${x.peak_tflops.fp8} TF` : '-',
            x.peak_tflops.fp4 ? `${x.peak_tflops.fp4} TF` : '-',
            x.ridge_point_bf16_flops_per_byte ? x.ridge_point_bf16_flops_per_byte.toFixed(0) : '-',
            `${x.interconnect_bandwidth_gbps} GB/s`,
            x.source[0] ?? '-',
          ]),
        ),
      );
    },
  };
}
