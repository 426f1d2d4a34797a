import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getModel } from './model-catalog.ts';
import { RooflinePerformanceModel } from './roofline-model.ts';
import { prefillBatch } from './step-batch.ts';
import { getXpu } from './xpu-catalog.ts';

// Vidur's per-layer operator medians (microsoft/vidur @ 7d47513), measured on A100 and H100: see
// shared/data/README.md. A roofline from spec-sheet peaks can never be slower than the real kernels.
const csvPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/vidur_mlp_op_medians_ms.csv');

const MODELS: Record<string, string> = {
  'Llama-2-7b-hf': 'llama-2-7b',
  'Llama-2-70b-hf': 'llama-2-70b',
  // Llama-3 and Llama-3.1 share every dimension the accounting reads.
  'Meta-Llama-3-8B': 'llama-3.1-8b',
  'Meta-Llama-3-70B': 'llama-3.1-70b',
};
// Vidur does not say which form factor; the faster one (SXM, 80 GB) keeps the bound a lower bound.
const XPUS: Record<string, string> = { a100: 'a100-80gb', h100: 'h100-sxm' };

describe('the peak roofline against measured kernels (Vidur)', () => {
  it('never predicts a q/k/v projection, o_proj or MLP slower than measured', () => {
    const [header, ...rows] = readFileSync(csvPath, 'utf8').trim().split('\n');
    const col = Object.fromEntries(header.split(',').map((name, i) => [name, i]));
    const models = new Map<string, RooflinePerformanceModel>();
    let checked = 0;
    let tightest = Infinity;
    for (const line of rows) {
      const f = line.split(',');
      const modelName = MODELS[f[col.model]];
      const xpuName = XPUS[f[col.gpu]];
      if (!modelName || !xpuName) continue;
      const key = `${modelName}/${xpuName}/${f[col.tp]}`;
      let roofline = models.get(key);
      if (!roofline) {
        roofline = new RooflinePerformanceModel({ model: getModel(modelName), xpu: getXpu(xpuName), parallelism: { tp: Number(f[col.tp]) } });
        models.set(key, roofline);
      }
      const layers = roofline.model.numLayers;
      const step = roofline.stepTime(prefillBatch(1, Number(f[col.num_tokens])));
      const perLayerMs = (name: string) => (step.breakdown.find((o) => o.op === name)!.seconds / layers) * 1e3;
      const measured = {
        qkv_proj: Number(f[col.attn_pre_proj_median_ms]),
        o_proj: Number(f[col.attn_post_proj_median_ms]),
        mlp: Number(f[col.mlp_up_proj_median_ms]) + Number(f[col.mlp_act_median_ms]) + Number(f[col.mlp_down_proj_median_ms]),
      };
      for (const [name, ms] of Object.entries(measured)) {
        const predicted = perLayerMs(name);
        expect(predicted, `${key} ${name} at ${f[col.num_tokens]} tokens`).toBeLessThanOrEqual(ms);
        tightest = Math.min(tightest, ms / predicted);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
    // And not a vacuous bound: somewhere the kernels come within 1.5x of the roofline.
    expect(tightest).toBeLessThan(1.5);
  });
});
