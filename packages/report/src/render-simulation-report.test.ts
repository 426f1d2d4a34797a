import { describe, expect, it } from 'vitest';
import { buildSimulationInput } from './__fixtures__/simulation-input.ts';
import { percentileOfSorted, sortedCopy } from './downsample-cdf.ts';
import { ReportError } from './errors.ts';
import { formatMs } from './format-number.ts';
import { COLORS } from './render-chart.ts';
import { renderSimulationReport } from './render-simulation-report.ts';
import { captureError, count, figuresById } from './test-support.ts';

const ALL_CHARTS = ['ttft-cdf', 'tpot-cdf', 'itl-cdf', 'e2el-cdf', 'throughput', 'queue-length', 'batch-size', 'kv-cache-utilization', 'operator-time'];

describe('renderSimulationReport', () => {
  const input = buildSimulationInput();
  const html = renderSimulationReport(input);
  const figures = figuresById(html);

  it('draws every chart as one inline SVG with data paths and a caption', () => {
    expect([...figures.keys()]).toEqual(ALL_CHARTS);
    for (const [id, figure] of figures) {
      expect(count(figure, '<svg '), id).toBe(1);
      expect(figure, id).toMatch(/<figcaption>[^<]{20,}<\/figcaption>/);
      if (id === 'operator-time') continue;
      expect(count(figure, /<path d="M[\d.-]+ [\d.-]+(L[\d.-]+ [\d.-]+){10,}/g), `${id} has a drawn data line`).toBeGreaterThan(0);
    }
  });

  it('draws one bar per operator, longest first', () => {
    const figure = figures.get('operator-time')!;
    expect(count(figure, new RegExp(`<path d="M[^"]*Z" fill="${COLORS.series}"`, 'g'))).toBe(input.operatorTime!.length);
    const shares = [...figure.matchAll(/ s · ([\d.]+)%</g)].map((m) => Number(m[1]));
    expect(shares.length).toBe(input.operatorTime!.length);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    // Vidur's H100 medians: the MLP up-projection is the largest operator of a Llama-2-70B layer.
    expect(figure).toMatch(/mlp_up_proj takes \d/);
  });

  it('is one self-contained page: no scripts, no external resources', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(http/i);
  });

  it('marks the percentiles computed like vLLM (numpy linear) and draws the SLOs', () => {
    const ttft = sortedCopy(input.latencySamplesMs!.ttft!);
    const figure = figures.get('ttft-cdf')!;
    for (const p of [50, 90, 99]) expect(figure).toContain(`p${p} ${formatMs(percentileOfSorted(ttft, p))}`);
    expect(figure).toContain('SLO 500 ms');
    expect(figures.get('tpot-cdf')).toContain('SLO 50 ms');
    // Past 10,000 ms a time reads in seconds, on the axis and in the labels.
    expect(figures.get('e2el-cdf')).toContain('SLO 20 s');
    expect(formatMs(9_999.5)).toBe('9,999.5 ms');
    expect(formatMs(21_829.4)).toBe('21.83 s');
    expect(figures.get('itl-cdf')).not.toContain('SLO');
  });

  it('puts goodput with its SLOs in the headline cards, and names throughput as output or total tokens', () => {
    const cards = html.slice(html.indexOf('<div class="metrics">'), html.indexOf('</div></div>', html.lastIndexOf('class="metric"')));
    const goodput = input.summary!.request_goodput as number;
    const share = goodput / (input.summary!.request_throughput as number);
    expect(cards).toContain(`goodput (requests/s meeting every SLO)`);
    expect(cards).toContain(`${(100 * share).toFixed(1)}% of requests within TTFT ≤ 500 ms, TPOT ≤ 50 ms, E2EL ≤ 20 s`);
    expect(cards).toContain('output tokens/s');
    expect(cards).toContain('total tokens/s (input + output)');
    expect(figures.get('throughput')).toContain('output tokens/s');
  });

  it('says what was simulated at the top, before any chart: workload, memory plan, performance model', () => {
    const withSetup = renderSimulationReport({
      ...input,
      setup: [
        { key: 'workload', value: '800 requests of the Azure 2023 conversation trace at its own arrival times' },
        { key: 'memory plan', value: 'weights 17.2 GB per device, KV cache 47.6 GB' },
      ],
    });
    const setup = withSetup.indexOf('<table data-table="setup"');
    expect(setup).toBeGreaterThan(0);
    expect(setup).toBeLessThan(withSetup.indexOf('<figure'));
    expect(withSetup).toContain('<td class="key">memory plan</td><td>weights 17.2 GB per device, KV cache 47.6 GB</td>');
    expect(html).not.toContain('<table data-table="setup"');
  });

  it('shows the configuration and every summary key in vLLM naming', () => {
    for (const key of Object.keys(input.summary!)) expect(html).toContain(`<td class="key">${key}</td>`);
    expect(html).toContain('<td class="key">tensor_parallel_size</td><td>8</td>');
  });

  it('renders the same HTML for the same input', () => {
    expect(renderSimulationReport(input)).toBe(html);
  });

  it('escapes every text it puts into HTML, captions and charts included', () => {
    const hostile = renderSimulationReport({
      title: '<script>alert("t")</script> & co',
      configuration: [{ key: 'note"><img src=x onerror=alert(1)>', value: "it's <b>bold</b>" }],
      summary: { '<i>key</i>': 1 },
      operatorTime: [{ op: '<svg onload=alert(1)>', seconds: 2 }],
    });
    expect(hostile).not.toContain('<script>');
    expect(hostile).not.toContain('<img');
    expect(hostile).not.toContain('<b>');
    expect(hostile).not.toContain('<i>');
    expect(hostile).not.toContain('<svg onload');
    expect(hostile).toContain('<title>&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; co</title>');
    expect(hostile).toContain('it&#39;s &lt;b&gt;bold&lt;/b&gt;');
    expect(figuresById(hostile).get('operator-time')).toContain('&lt;svg onload=alert(1)&gt;');
  });

  it('leaves out the sections it has no data for', () => {
    const page = renderSimulationReport({ title: 'empty run' });
    expect(figuresById(page).size).toBe(0);
    expect(page).toContain('<h1>empty run</h1>');
  });

  it('draws a million latency samples as a CDF of at most 2000 points', () => {
    const n = 1_000_000;
    // Stand-in samples: a permutation of 0..999,999 ms, whose percentiles are known exactly.
    const ttft = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const page = renderSimulationReport({ title: 'large', latencySamplesMs: { ttft } });
    const figure = figuresById(page).get('ttft-cdf')!;
    expect(figure).toContain(`p99 ${formatMs(989_999.01)}`);
    const longest = Math.max(...[...figure.matchAll(/<path d="([^"]*)"/g)].map((m) => count(m[1], 'L')));
    expect(longest).toBeGreaterThan(500);
    expect(longest).toBeLessThan(2000);
    expect(page.length).toBeLessThan(400_000);
  }, 20_000);
});

describe('renderSimulationReport input validation', () => {
  const invalid = (input: unknown) => captureError(() => renderSimulationReport(input as never));

  it('names a missing title', () => {
    const error = invalid({});
    expect(error).toBeInstanceOf(ReportError);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/^simulation report input: title: /);
  });

  it('names the sample that is not a number', () => {
    expect(invalid({ title: 't', latencySamplesMs: { ttft: [1, 2, Number.NaN] } }).message).toContain('latencySamplesMs.ttft.2:');
  });

  it('names a time series whose lengths differ, or whose time goes backwards', () => {
    expect(invalid({ title: 't', timeSeries: { queueLength: { timeSeconds: [0, 1], values: [1] } } }).message).toContain(
      'timeSeries.queueLength.values: must have as many entries as timeSeconds (2), got 1',
    );
    expect(invalid({ title: 't', timeSeries: { queueLength: { timeSeconds: [0, 2, 1], values: [1, 1, 1] } } }).message).toContain(
      'timeSeries.queueLength.timeSeconds.2: must not decrease',
    );
  });

  it('names a KV-cache utilisation given in percent instead of a fraction', () => {
    expect(invalid({ title: 't', timeSeries: { kvCacheUtilization: { timeSeconds: [0], values: [85] } } }).message).toContain(
      'timeSeries.kvCacheUtilization.values: values must be fractions between 0 and 1',
    );
  });

  it('names a percentile outside (0, 100) and a non-positive SLO', () => {
    const message = invalid({ title: 't', percentiles: [50, 100], slo: { ttftMs: 0 } }).message;
    expect(message).toContain('percentiles.1:');
    expect(message).toContain('slo.ttftMs:');
  });
});
