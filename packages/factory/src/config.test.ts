import { describe, expect, test } from 'vitest';
import { closestName } from './closest-name.ts';
import { parseSimulationConfig } from './config.ts';

const base = { model: 'llama-3.1-8b', xpu: 'h100' };
const messageOf = (json: unknown): string => {
  try {
    parseSimulationConfig(json, 'config');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
};

describe('a config with keys it does not know is refused', () => {
  test('a workload key at the top level is named with where it belongs', () => {
    expect(messageOf({ ...base, num_requests: 50 })).toBe(
      "invalid config: (root): unknown key 'num_requests' here (it belongs at workload.num_requests)",
    );
  });

  test('a misspelt key is named with the nearest known key', () => {
    expect(messageOf({ ...base, workload: { num_request: 5 } })).toBe("invalid config: workload: unknown key 'num_request' (did you mean 'num_requests'?)");
    expect(messageOf({ ...base, cluster: { tyep: 'disaggregated' } })).toContain("cluster: unknown key 'tyep' (did you mean 'type'?)");
    expect(messageOf({ ...base, schedular: {} })).toContain("unknown key 'schedular' (did you mean 'scheduler'?)");
  });

  test('a key like nothing known lists the known keys', () => {
    expect(messageOf({ ...base, typo_key: 1 })).toContain("unknown key 'typo_key' (known here: model, xpu, parallelism,");
    expect(messageOf({ ...base, workload: { input_len: { kind: 'uniform', min: 1, max: 2, spread: 1 } } })).toContain(
      "workload.input_len: unknown key 'spread' (known here: kind, min, max)",
    );
  });

  test('a config of known keys parses with its defaults', () => {
    expect(parseSimulationConfig({ ...base, workload: { num_requests: 50 } }).workload).toMatchObject({ num_requests: 50, input_len: 1024, output_len: 128 });
  });
});

describe('closestName', () => {
  test('ignores case, dashes and underscores, and refuses what is too far', () => {
    expect(closestName('num_prompts', ['num-prompts', 'num-requests'])).toBe('num-prompts');
    expect(closestName('numRequests', ['num_requests', 'input_len'])).toBe('num_requests');
    expect(closestName('banana', ['model', 'xpu'])).toBeUndefined();
  });
});

describe('a config that cannot run is refused with the limit', () => {
  test('lengths beyond what a request can hold do not wrap around', () => {
    expect(messageOf({ ...base, workload: { input_len: 4294967396 } })).toContain('workload.input_len: must be at most 2,147,483,647 tokens');
  });

  test('requests, replicas, instances, sequences and parallel degrees have upper bounds', () => {
    expect(messageOf({ ...base, workload: { num_requests: 1e12 } })).toContain('workload.num_requests: must be at most 10,000,000 requests');
    expect(messageOf({ ...base, cluster: { num_replicas: 1e12 } })).toContain('cluster.num_replicas: must be at most 1024 instances');
    expect(messageOf({ ...base, cluster: { type: 'disaggregated', prefill_instances: 1e9 } })).toContain('cluster.prefill_instances: must be at most 1024 instances');
    expect(messageOf({ ...base, scheduler: { max_num_seqs: 1e9 } })).toContain('scheduler.max_num_seqs: must be at most 65,536 sequences');
    expect(messageOf({ ...base, parallelism: { tp: 1e9 } })).toContain('parallelism.tp: must be at most 1,024 devices');
  });
});

describe('settings that would be ignored are refused', () => {
  test('a calibration file with the spec-sheet roofline', () => {
    expect(messageOf({ ...base, performance_model: { model_type: 'roofline', calibration_data_path: 'cal.json' } })).toContain(
      "performance_model.calibration_data_path: a calibration is read only by model_type 'vllm_roofline'",
    );
  });

  test('replicas with a disaggregated cluster', () => {
    expect(messageOf({ ...base, cluster: { type: 'disaggregated', num_replicas: 4 } })).toContain('cluster.num_replicas: num_replicas is for an aggregated cluster');
  });
});
