// Speed of RooflinePerformanceModel.stepSeconds, the simulator's hot path (about one call per engine step).
// Prints nanoseconds per call and the heap growth over the timed loop. Run `pnpm --filter @llm-sim/roofline build`
// first, then `node packages/roofline/bench/bench.mjs` (add --expose-gc for a steadier heap figure).
import { getModel, getXpu, RooflinePerformanceModel } from '../dist/index.js';

const cases = [
  ['llama-3.1-8b', 'h100-sxm', { tp: 1 }],
  ['llama-3.1-70b', 'h100-sxm', { tp: 4 }],
  ['mixtral-8x7b', 'mi300x', { tp: 2 }],
];

// A fixed spread of mixed steps: chunked prefills next to decodes, as the vLLM scheduler makes them.
const batches = [];
for (let i = 0; i < 1024; i++) {
  const chunk = (i * 37) % 2048;
  const cached = (i * 101) % 4096;
  const decodes = (i * 13) % 256;
  batches.push({
    prefillSequences: chunk > 0 ? 1 : 0,
    prefillTokens: chunk,
    prefillCachedTokens: chunk > 0 ? cached : 0,
    prefillAttentionPairs: chunk > 0 ? chunk * cached + (chunk * (chunk + 1)) / 2 : 0,
    decodeSequences: decodes,
    decodeCachedTokens: decodes * ((i * 53) % 3000),
  });
}

const calls = 2_000_000;
for (const [modelName, xpuName, parallelism] of cases) {
  const model = new RooflinePerformanceModel({ model: getModel(modelName), xpu: getXpu(xpuName), parallelism });
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += model.stepSeconds(batches[i & 1023]);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += model.stepSeconds(batches[i & 1023]);
  const ns = Number(process.hrtime.bigint() - t0) / calls;
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  console.log(
    `${model.describe()}: ${ns.toFixed(1)} ns per stepSeconds call, heap +${(heapGrowth / 1024).toFixed(0)} KiB over ${calls.toLocaleString('en-US')} calls (checksum ${sink.toExponential(3)})`,
  );
}
