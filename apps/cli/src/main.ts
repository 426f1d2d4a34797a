import yargs from 'yargs';
import { modelsCommand, xpusCommand } from './commands/models.ts';
import { simulateCommand } from './commands/simulate.ts';
import { stepCommand } from './commands/step.ts';
import { serveCommand } from './commands/serve.ts';
import { compareCommand } from './commands/compare.ts';
import { benchmarkCommand } from './commands/benchmark.ts';
import { calibrateCommand, checkCalibrationCommand } from './commands/calibrate.ts';
import type { CliContext } from './context.ts';
import { ExitCode, exitCodeFor } from './exit-codes.ts';
import { createNodeIo, type CliIo } from './io.ts';
import { UsageError } from './options.ts';

/**
 * Runs the `llm-sim` command line and returns the exit code. Libraries throw typed errors; this is the
 * one place that turns them into a message (one line naming what is wrong) and an exit code.
 */
export async function main(argv: readonly string[], io: CliIo = createNodeIo()): Promise<number> {
  const ctx: CliContext = { io };
  let usageError: string | undefined;
  const cli = yargs([...argv])
    .scriptName('llm-sim')
    .usage('$0 [command] [options]\n\nPredict how fast a large language model serves on given hardware.')
    .command(simulateCommand(ctx))
    .command(stepCommand(ctx))
    .command(modelsCommand(ctx))
    .command(xpusCommand(ctx))
    .command(calibrateCommand(ctx))
    .command(checkCalibrationCommand(ctx))
    .command(benchmarkCommand(ctx))
    .command(serveCommand(ctx))
    .command(compareCommand(ctx))
    .strict()
    .recommendCommands()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue('Exit codes: 0 ok, 1 internal error, 2 bad input, 3 does not fit in memory, 4 server unreachable or failed points, 5 fit too poor, 6 drift above threshold.')
    // Throwing stops yargs before any handler runs: a mistyped flag never starts a simulation.
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .help()
    .version(false);
  try {
    let helpShown = false;
    await cli.parseAsync(argv as string[], {}, (err, _parsed, output) => {
      if (output) {
        helpShown = true;
        io.stdout(`${output}\n`);
      }
      if (err && !usageError) usageError = err.message;
    });
    if (usageError) {
      io.stderr(`llm-sim: ${usageError}\nRun 'llm-sim --help' for usage.\n`);
      return ExitCode.badInput;
    }
    void helpShown;
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`llm-sim: ${error.message}\nRun 'llm-sim --help' for usage.\n`);
      return ExitCode.badInput;
    }
    const code = exitCodeFor(error);
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(code === ExitCode.internal ? `llm-sim: internal error: ${error instanceof Error && error.stack ? error.stack : message}\n` : `llm-sim: ${message}\n`);
    return code;
  }
}
