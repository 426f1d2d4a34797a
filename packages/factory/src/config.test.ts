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
