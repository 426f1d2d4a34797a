import { ROUTER_NAMES, type RouterName } from '@llm-sim/simulator';
import { z } from 'zod';

/** Replicas of an aggregated cluster, instances of a disaggregated pool: each is simulated, so memory and time grow with them. */
export const MAX_INSTANCES = 1024;
const instances = z.number().int().positive().max(MAX_INSTANCES, { message: `must be at most ${MAX_INSTANCES} instances` });

const routerName = z.enum(ROUTER_NAMES as [RouterName, ...RouterName[]]);

/**
 * The `cluster` key of a JSON config, for both kinds of cluster; the flags of `llm-sim simulate`
 * (`--cluster`, `--prefill-instances`, `--kv-transfer-gbit-per-s`, ...) set the same keys.
 * Pool settings left out take the top-level `xpu` and `parallelism`.
 */
export const ClusterConfigSchema = z.strictObject({
  type: z.enum(['aggregated', 'disaggregated']).default('aggregated'),
  /** Aggregated: identical replicas behind the router. */
  num_replicas: instances.default(1),
  /** Both kinds: how requests are spread; in a disaggregated cluster, over each pool. */
  router: routerName.default('round-robin'),
  prefill_router: routerName.optional(),
  decode_router: routerName.optional(),
  prefill_instances: instances.default(1),
  decode_instances: instances.default(1),
  prefill_tp: z.number().int().positive().max(1024, { message: 'must be at most 1024 devices' }).optional(),
  decode_tp: z.number().int().positive().max(1024, { message: 'must be at most 1024 devices' }).optional(),
  prefill_pp: z.number().int().positive().max(1024, { message: 'must be at most 1024 devices' }).optional(),
  decode_pp: z.number().int().positive().max(1024, { message: 'must be at most 1024 devices' }).optional(),
  /** Heterogeneous pools (Splitwise): a catalog name or xpu file per pool. */
  prefill_xpu: z.string().min(1).optional(),
  decode_xpu: z.string().min(1).optional(),
  /**
   * Bandwidth of one link between a prefill and a decode instance, in gigabits (1e9 bits) per second, the
   * network convention (a calibration's `effective_bandwidth_gb_per_s` is in gigabytes); 400 (the default) is
   * one NDR InfiniBand port (ConnectX-7), as one H100 of a DGX H100 has.
   */
  kv_transfer_gbit_per_s: z.number().positive().optional(),
  /** The old name of `kv_transfer_gbit_per_s` (Gb/s, bits), still read. */
  kv_transfer_bandwidth_gbps: z.number().positive().optional(),
  /** Fixed cost per transfer (setup and completion notice), in milliseconds; an assumption to set from measurements. */
  kv_transfer_latency_ms: z.number().nonnegative().default(0.5),
  kv_transfer_sharing: z.enum(['fair', 'fifo']).default('fair'),
  kv_transfer_links: z.enum(['per-pair', 'shared']).default('per-pair'),
})
  .refine((c) => c.type !== 'disaggregated' || c.num_replicas === 1, {
    message: 'num_replicas is for an aggregated cluster; size a disaggregated one with prefill_instances and decode_instances',
    path: ['num_replicas'],
  })
  .refine((c) => c.kv_transfer_gbit_per_s === undefined || c.kv_transfer_bandwidth_gbps === undefined || c.kv_transfer_gbit_per_s === c.kv_transfer_bandwidth_gbps, {
    message: 'give the link in Gb/s once: kv_transfer_gbit_per_s (kv_transfer_bandwidth_gbps is its old name)',
    path: ['kv_transfer_gbit_per_s'],
  })
  .transform(({ kv_transfer_bandwidth_gbps, ...c }) => ({ ...c, kv_transfer_gbit_per_s: c.kv_transfer_gbit_per_s ?? kv_transfer_bandwidth_gbps ?? 400 }));
/** The `cluster` key of a config, defaults filled in (see `ClusterConfigSchema`). */
export type ClusterConfig = z.infer<typeof ClusterConfigSchema>;
