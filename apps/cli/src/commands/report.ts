import path from 'node:path';
import { renderRunsReportHtml } from '@llm-sim/factory';
import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { UsageError } from '../options.ts';

type ReportArgs = { files?: string[]; output?: string };

/** `llm-sim report a.json b.json -o diff.html`: runs saved with --json or --save-result (llm-sim's or vLLM's), overlaid. */
export function reportCommand(ctx: CliContext): CommandModule<object, ReportArgs> {
  return {
    command: 'report <files..>',
    describe: 'Overlay runs saved with --json or --save-result (llm-sim or vllm bench serve) in one HTML report',
    builder: (y) =>
      y
        .positional('files', { type: 'string', array: true, describe: 'result files: llm-sim simulate --json output, or vLLM result JSON (one run, or one a line)' })
        .option('output', { alias: 'o', type: 'string', describe: 'the HTML file to write (default runs-report.html)' })
        .example('$0 report predicted.json measured.json -o diff.html', 'a simulation against the vllm bench serve run it predicts'),
    handler: async (args) => {
      const files = args.files ?? [];
      if (files.length === 0) throw new UsageError('report needs at least one result file');
      const runs = [];
      for (const file of files) {
        let text: string;
        try {
          text = await ctx.io.readTextFile(file);
        } catch (error) {
          throw new UsageError(`cannot read result file '${file}': ${error instanceof Error ? error.message : String(error)}`);
        }
        runs.push({ label: path.basename(file), text });
      }
      const output = args.output ?? 'runs-report.html';
      const { html, runs: overlaid } = await renderRunsReportHtml(runs);
      await ctx.io.writeTextFile(output, html);
      ctx.io.stdout(`wrote ${output} (${overlaid} runs from ${runs.length} file(s))\n`);
    },
  };
}
