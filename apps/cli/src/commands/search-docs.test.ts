import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

const docs = (name: string) => fileURLToPath(new URL(`../../../../docs/search/${name}`, import.meta.url));

/** Runs the documented search flags on one candidate of a very fine shard: the CLI must accept every flag. */
async function acceptsFlags(flags: string[]): Promise<void> {
  const t = createTestIo();
  const code = await main(['search', ...flags, '--shard', '1/100000', '--jobs', '1', '--json'], t.io);
  expect(code, t.stderr).toBe(0);
  expect(JSON.parse(t.stdout).shard).toEqual({ index: 1, count: 100000 });
}

const searchFlags = (command: string) =>
  command
    .slice(command.indexOf(' search ') + ' search '.length)
    .split(/\s+--shard\b/)[0]
    .trim()
    .split(/\s+/);

describe('the distributed search examples in docs/search', () => {
  it('Kubernetes: an Indexed Job whose shard K/N comes from JOB_COMPLETION_INDEX, N = completions', async () => {
    const [pvc, job] = parseAllDocuments(await readFile(docs('kubernetes-indexed-job.yaml'), 'utf8')).map((d) => d.toJS());
    expect(pvc.kind).toBe('PersistentVolumeClaim');
    expect(job.spec.completionMode).toBe('Indexed');
    const command: string = job.spec.template.spec.containers[0].args[0];
    const n = job.spec.completions;
    expect(job.spec.parallelism).toBe(n);
    expect(command).toContain(`--shard "$((JOB_COMPLETION_INDEX + 1))/${n}"`);
    await acceptsFlags(searchFlags(command));
    const merge = parse(await readFile(docs('kubernetes-merge-job.yaml'), 'utf8'));
    expect(merge.spec.template.spec.containers[0].args[0]).toContain('search merge /shards');
  });

  it('GitHub Actions: one matrix job per shard, then a merge job', async () => {
    const workflow = parse(await readFile(docs('search-matrix.workflow.yml'), 'utf8'));
    const shards: number[] = workflow.jobs.shard.strategy.matrix.shard;
    expect(shards).toEqual(Array.from({ length: workflow.env.SHARDS }, (_, i) => i + 1));
    expect(workflow.jobs.merge.needs).toBe('shard');
    await acceptsFlags(String(workflow.env.SEARCH).split(/\s+/));
  });
});
