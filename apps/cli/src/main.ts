import { closestName } from '@llm-sim/factory';
import yargs, { type Argv } from 'yargs';
import packageJson from '../package.json' with { type: 'json' };
import { modelsCommand, xpusCommand } from './commands/models.ts';
import { simulateCommand } from './commands/simulate.ts';
import { stepCommand } from './commands/step.ts';
import { serveCommand } from './commands/serve.ts';
import { compareCommand } from './commands/compare.ts';
import { searchCommand } from './commands/search.ts';
import { benchmarkCommand } from './commands/benchmark.ts';
import { calibrateCommand, checkCalibrationCommand } from './commands/calibrate.ts';
import { validateCommand } from './commands/validate.ts';
import { reportCommand } from './commands/report.ts';
import type { CliContext } from './context.ts';
import { ExitCode, exitCodeFor } from './exit-codes.ts';
import { createNodeIo, type CliIo } from './io.ts';
import { UsageError } from './options.ts';
import { sayIssuesAsFlags, type ConfigIssueLike } from './flag-names.ts';

/**
 * Runs the `llm-sim` command line and returns the exit code. Libraries throw typed errors; this is the
 * one place that turns them into a message (one line naming what is wrong) and an exit code.
 */
export async function main(argv: readonly string[], io: CliIo = createNodeIo()): Promise<number> {
  const ctx: CliContext = { io };
  let usageError: string | undefined;
  // The command's flag aliases (`--num-prompts` for `--num-requests`), to name a flag as it was typed.
  let aliases: Record<string, string[]> = {};
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
    .command(searchCommand(ctx))
    .command(validateCommand(ctx))
    .command(reportCommand(ctx))
    .strict()
    .recommendCommands()
    // `--num-prompts` is known as itself only: no `numPrompts` twin in messages or in the parsed flags.
    .parserConfiguration({ 'camel-case-expansion': false })
    .check((parsed) => {
      aliases = optionsOf(cli).alias ?? {};
      const repeated = repeatedFlag(parsed, cli, argv);
      if (repeated) throw new UsageError(repeated);
      return true;
    })
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue('Exit codes: 0 ok, 1 internal error, 2 bad input, 3 does not fit in memory, 4 server unreachable or failed points, 5 fit too poor, 6 drift above threshold.')
    // Throwing stops yargs before any handler runs: a mistyped flag never starts a simulation.
    .fail((message, error) => {
      throw error ?? new UsageError(suggestFlags(message, argv, cli, commandNames));
    })
    .help()
    .version(packageJson.version);
  const commandNames = commandsOf(cli);
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
    const issues = (error as { issues?: unknown }).issues;
    const asFlags = Array.isArray(issues) ? sayIssuesAsFlags(issues as ConfigIssueLike[], (error as { origin?: string }).origin, argv, aliases) : undefined;
    const message = asFlags ?? (error instanceof Error ? error.message : String(error));
    io.stderr(code === ExitCode.internal ? `llm-sim: internal error: ${error instanceof Error && error.stack ? error.stack : message}\n` : `llm-sim: ${message}\n`);
    return code;
  }
}

/** The options of the command being parsed (yargs has them, its typings do not show them). */
interface ParsedOptions {
  readonly key: Record<string, unknown>;
  readonly alias?: Record<string, string[]>;
  readonly array: string[];
}
const optionsOf = (y: Argv) => (y as unknown as { getOptions(): ParsedOptions }).getOptions();
const commandsOf = (y: Argv) =>
  (y as unknown as { getInternalMethods(): { getCommandInstance(): { getCommands(): string[] } } }).getInternalMethods().getCommandInstance().getCommands();

/** The names a command knows, with their aliases. */
function knownFlags(y: Argv): string[] {
  const options = optionsOf(y);
  return [...Object.keys(options.key), ...Object.values(options.alias ?? {}).flat()];
}

/** yargs' "Unknown argument: num-prompt" with the closest known flag for each one that is near. */
function suggestFlags(message: string, argv: readonly string[], y: Argv, commandNames: readonly string[]): string {
  const match = /^Unknown arguments?: (.*)$/.exec(message);
  if (!match) return message;
  const known = knownFlags(y);
  const unknown = match[1].split(', ').map((name) => {
    const asFlag = argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `--no-${name}` || a === `-${name}`);
    if (!asFlag) {
      const command = closestName(name, commandNames);
      return command ? `unknown command '${name}' (did you mean '${command}'?)` : `unknown argument '${name}'`;
    }
    const near = closestName(name, known);
    return near ? `unknown option --${name} (did you mean --${near}?)` : `unknown option --${name}`;
  });
  return unknown.join('; ');
}

/** A flag given twice where one value is wanted: say so ("--num-prompts given twice"), instead of a type error about an array. */
function repeatedFlag(parsed: Record<string, unknown>, y: Argv, argv: readonly string[]): string | undefined {
  const options = optionsOf(y);
  const arrays = new Set<string>(options.array);
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value) && key !== '_' && !arrays.has(key)) {
      // Name it as typed: of the key and its aliases, the first one on the command line.
      const names = [key, ...(options.alias?.[key] ?? [])];
      const typed = names.find((n) => argv.some((a) => a === `--${n}` || a.startsWith(`--${n}=`) || a === `-${n}`)) ?? key;
      const dash = typed.length === 1 ? '-' : '--';
      const times = value.length === 2 ? 'twice' : `${value.length} times`;
      return `${dash}${typed} given ${times} (${value.map(String).join(', ')}); give it once`;
    }
  }
  return undefined;
}
