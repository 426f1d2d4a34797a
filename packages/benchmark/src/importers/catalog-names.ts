import { findModel, findXpu } from '@llm-sim/roofline';

/**
 * The catalog name of a model as a result file or a user names it: a catalog name or alias, a Hugging Face id
 * (`meta-llama/Llama-3.1-8B`), or a local path or id whose last part names a catalog model once the usual
 * release suffixes are dropped (`/models/Meta-Llama-3-8B-Instruct` is llama-3-8b, an alias of llama-3.1-8b:
 * instruction tuning changes no shape). Undefined when none matches: the caller keeps the name as written.
 */
export function catalogModelName(recorded: string): string | undefined {
  const direct = findModel(recorded.trim());
  if (direct) return direct.name;
  let base = recorded.trim().replace(/[\\/]+$/, '').split(/[\\/]/).pop()?.toLowerCase() ?? '';
  const candidates = new Set<string>([base]);
  for (;;) {
    const stripped = base.replace(/-(instruct|chat|hf|it|base)$/, '');
    if (stripped === base) break;
    base = stripped;
    candidates.add(base);
  }
  for (const c of [...candidates]) if (c.startsWith('meta-')) candidates.add(c.slice('meta-'.length));
  for (const c of candidates) {
    const found = findModel(c);
    if (found) return found.name;
  }
  return undefined;
}

/** The catalog name of an xpu named by its catalog name or alias (`h100`, `a100-sxm4-40gb`); undefined otherwise. */
export function catalogXpuName(name: string): string | undefined {
  return findXpu(name.trim())?.name;
}

/** What a GPU string in a result file names: the xpu, whether the catalog has it, and a device count if stated. */
export interface RecordedGpu {
  /** Catalog name when the string names a catalog xpu, else the string normalised (`geforce-rtx-3090`). */
  readonly xpu: string;
  readonly inCatalog: boolean;
  /** The device count a `4xNVIDIA_L40S`-style prefix states. */
  readonly devices?: number;
}

/**
 * What a GPU string in a result file names: `torch.cuda.get_device_name()` and nvidia-smi spellings
 * (`NVIDIA H100 80GB HBM3`, `NVIDIA A100-SXM4-40GB`, `AMD Instinct MI300X`), with an optional count prefix
 * (`4xNVIDIA_L40S`, `1xA100-80GB-SXM`). An A100 without its memory size is ambiguous and stays `a100`.
 */
export function parseGpuString(recorded: string): RecordedGpu {
  let text = recorded.trim().toLowerCase().replace(/[_\s]+/g, '-');
  let devices: number | undefined;
  const count = /^(\d+)-?x-?(.+)$/.exec(text);
  if (count) {
    devices = Number(count[1]);
    text = count[2];
  }
  const direct = catalogXpuName(text);
  if (direct) return { xpu: direct, inCatalog: true, devices };
  const tokens = new Set(text.split(/[^a-z0-9]+/).filter(Boolean));
  const has = (...t: string[]) => t.every((x) => tokens.has(x));
  const byTokens = ((): string | undefined => {
    if (has('h100')) return has('pcie') ? 'h100-pcie' : has('nvl') ? undefined : 'h100-sxm';
    if (has('a100')) {
      if (has('pcie')) return undefined;
      if (has('40gb')) return 'a100-40gb';
      if (has('80gb')) return 'a100-80gb';
      return undefined;
    }
    if (has('rtx', 'pro', '6000')) return 'rtx-pro-6000';
    for (const name of ['gb200', 'gb300', 'gb10', 'h200', 'h800', 'h20', 'b200', 'b300', 'l40s', 'l4', 'mi300x', 'mi325x', 'mi355x', 'gaudi3']) {
      if (tokens.has(name)) return name;
    }
    return undefined;
  })();
  if (byTokens) return { xpu: byTokens, inCatalog: true, devices };
  const descriptive = text.replace(/^(nvidia|amd|intel)-/, '').replace(/-+/g, '-');
  return { xpu: descriptive, inCatalog: false, devices };
}
