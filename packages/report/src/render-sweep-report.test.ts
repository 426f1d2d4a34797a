import { describe, expect, it } from 'vitest';
import { renderSweepReport } from './render-sweep-report.ts';
import { captureError, count, figuresById } from './test-support.ts';

// Four points of a concurrency sweep as llm-sim printed them (Llama-3.1-8B on one H100, roofline).
const points = [
  ['C=1', 1.69, 216.9, 221.0, 15.4, 15.4, 4.53, 4.53, 590, 592],
  ['C=4', 6.13, 785.1, 214.7, 60.5, 60.5, 4.66, 4.66, 652, 655],
  ['C=16', 17.77, 2274.8, 161.1, 102.6, 241.5, 6.21, 6.78, 891, 1010],
  ['C=64', 33.53, 4291.2, 77.7, 217.5, 972.9, 12.87, 14.28, 1852, 2400],
].map(([label, rps, dev, user, t, t99, p, p99, e, e99]) => ({
  label: label as string,
  requestThroughput: rps as number,
  outputThroughputPerDevice: dev as number,
  outputThroughputPerUser: user as number,
  meanTtftMs: t as number,
  p99TtftMs: t99 as number,
  meanTpotMs: p as number,
  p99TpotMs: p99 as number,
  meanE2elMs: e as number,
  p99E2elMs: e99 as number,
}));

describe('renderSweepReport', () => {
  it('draws latency against load and the per-device / per-user trade-off, one point per simulation', () => {
    const html = renderSweepReport({ title: 'sweep', points });
    const figures = figuresById(html);
    expect([...figures.keys()]).toEqual(['ttft-vs-load', 'tpot-vs-load', 'e2el-vs-load', 'throughput-per-device-vs-per-user']);
    for (const [id, figure] of figures) expect(count(figure, '<svg '), id).toBe(1);
    for (const p of points) expect(figures.get('throughput-per-device-vs-per-user')).toContain(`>${p.label}<`);
    expect(count(html, /<tr><td>C=\d+<\/td>/g)).toBe(4);
  });

  it('names the field of a bad point', () => {
    const e = captureError(() => renderSweepReport({ title: 'sweep', points: [{ ...points[0], meanTtftMs: -1 }] }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain('points.0.meanTtftMs');
  });
});
