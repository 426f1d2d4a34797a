/**
 * Config errors name key paths (`workload.num_requests`); a user who typed `--num-prompts -5` should read
 * the flag they typed. Most flags are the kebab-case of their key's last segment; these are not.
 */
const FLAG_OF_PATH: Readonly<Record<string, string>> = {
  'scheduler.enable_chunked_prefill': 'chunked-prefill',
  'performance_model.calibration_data_path': 'calibration-data',
  'performance_model.model_type': 'performance-model',
  'dtype.weights': 'weight-dtype',
  'dtype.kv_cache': 'kv-cache-dtype',
  'workload.trace_requests': 'num-requests',
  'cluster.type': 'cluster',
};

export interface ConfigIssueLike {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The flag as typed (`--num-prompts`, `--tp`) and the value given, when `name` or one of its aliases is in argv. */
function typedFlag(name: string, argv: readonly string[], aliases: Readonly<Record<string, readonly string[]>>): { flag: string; value?: string } | undefined {
  for (const candidate of [name, ...(aliases[name] ?? [])]) {
    for (const [i, token] of argv.entries()) {
      if (token === `--${candidate}` || token === `--no-${candidate}`) {
        const next = argv[i + 1];
        return { flag: token, value: token.startsWith('--no-') || next === undefined || /^--?[a-z]/i.test(next) ? undefined : next };
      }
      if (token.startsWith(`--${candidate}=`)) return { flag: `--${candidate}`, value: token.slice(candidate.length + 3) };
    }
  }
  return undefined;
}

/** The typed flag that set this key path (or the key above it: `goodput.ttft` comes from `--goodput`). */
function flagOfPath(path: readonly (string | number)[], argv: readonly string[], aliases: Readonly<Record<string, readonly string[]>>) {
  const keys = path.filter((k): k is string => typeof k === 'string');
  for (let n = keys.length; n > 0; n--) {
    const prefix = keys.slice(0, n);
    const name = FLAG_OF_PATH[prefix.join('.')] ?? prefix[n - 1].replaceAll('_', '-');
    const typed = typedFlag(name, argv, aliases);
    // The keys below the flag stay named: `--speculative-config: acceptance_rate: ...`.
    if (typed) return { ...typed, within: path.slice(n).map(String) };
  }
  return undefined;
}

/**
 * A config error re-said with the flags the user typed: `--num-prompts -5: Too small: expected number to be >0`
 * instead of `invalid flags: workload.num_requests: ...`. Keys that came from a config file keep their path.
 * Undefined when no issue came from a typed flag.
 */
export function sayIssuesAsFlags(
  issues: readonly ConfigIssueLike[],
  origin: string | undefined,
  argv: readonly string[],
  aliases: Readonly<Record<string, readonly string[]>>,
): string | undefined {
  let named = 0;
  const parts = issues.map((issue) => {
    const typed = flagOfPath(issue.path, argv, aliases);
    if (!typed) return `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`;
    named++;
    // A JSON flag's value is the user's own paragraph: not worth repeating.
    const value = typed.value !== undefined && !/^[[{]/.test(typed.value) && typed.value.length <= 120 ? ` ${typed.value}` : '';
    return `${typed.flag}${value}: ${[...typed.within, issue.message].join(': ')}`;
  });
  if (named === 0) return undefined;
  return named === issues.length ? parts.join('; ') : `invalid ${origin ?? 'config'}: ${parts.join('; ')}`;
}
