import { describe, expect, it } from 'vitest';
import { catalogModelName, parseGpuString } from './catalog-names.ts';

describe('catalog names of what result files record', () => {
  it('maps GPU strings as torch, nvidia-smi and benchmark scripts write them', () => {
    expect(parseGpuString('4xNVIDIA_L40S')).toEqual({ xpu: 'l40s', inCatalog: true, devices: 4 });
    expect(parseGpuString('NVIDIA H100 80GB HBM3')).toMatchObject({ xpu: 'h100-sxm', inCatalog: true });
    expect(parseGpuString('NVIDIA H100 PCIe')).toMatchObject({ xpu: 'h100-pcie' });
    expect(parseGpuString('NVIDIA A100-SXM4-40GB')).toMatchObject({ xpu: 'a100-40gb' });
    expect(parseGpuString('1xA100-80GB-SXM')).toEqual({ xpu: 'a100-80gb', inCatalog: true, devices: 1 });
    expect(parseGpuString('AMD Instinct MI300X')).toMatchObject({ xpu: 'mi300x' });
    expect(parseGpuString('a100-sxm4-40gb')).toMatchObject({ xpu: 'a100-40gb' });
    // Not in the catalog: a descriptive name, never the raw string with its count.
    expect(parseGpuString('2x NVIDIA GeForce RTX 3090')).toEqual({ xpu: 'geforce-rtx-3090', inCatalog: false, devices: 2 });
    // An A100 without its memory size could be either: kept as 'a100' (which the catalog's alias takes as 80 GB).
    expect(parseGpuString('NVIDIA A100')).toMatchObject({ inCatalog: false, xpu: 'a100' });
  });

  it('maps model ids, paths and aliases to catalog names, and leaves other models alone', () => {
    expect(catalogModelName('meta-llama/Llama-3.1-8B')).toBe('llama-3.1-8b');
    expect(catalogModelName('llama-3-70b')).toBe('llama-3.1-70b');
    expect(catalogModelName('/root/.cache/modelscope/hub/LLM-Research/Meta-Llama-3-8B-Instruct')).toBe('llama-3.1-8b');
    expect(catalogModelName('meta-llama/Llama-2-70b-chat-hf')).toBe('llama-2-70b');
    expect(catalogModelName('meta-llama/Llama-3.2-3B-Instruct')).toBeUndefined();
    expect(catalogModelName('facebook/opt-125m')).toBeUndefined();
  });
});
