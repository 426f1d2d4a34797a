import { describe, expect, it } from 'vitest';
import { buildCalibrationInput } from './__fixtures__/calibration-input.ts';
import { ReportError } from './errors.ts';
import { renderCalibrationReport } from './render-calibration-report.ts';
import { COLORS } from './render-chart.ts';
import { SCATTER_CIRCLE, captureError, count, figuresById } from './test-support.ts';

describe('renderCalibrationReport', () => {
  const input = buildCalibrationInput();
  const html = renderCalibrationReport(input);
  const figures = figuresById(html);
  const points = input.points;

  it('draws the roofline, predicted against measured, and the error, one SVG each', () => {
    expect([...figures.keys()]).toEqual(['roofline', 'predicted-vs-measured', 'prediction-error']);
    for (const [id, figure] of figures) {
      expect(count(figure, '<svg '), id).toBe(1);
      expect(figure, id).toMatch(/<figcaption>[^<]{20,}<\/figcaption>/);
    }
  });

  it('draws every measured point once per chart, coloured by phase', () => {
    const prefill = points.filter((p) => p.phase === 'prefill').length;
    for (const [id, figure] of figures) {
      expect(count(figure, SCATTER_CIRCLE), id).toBe(points.length);
      expect(count(figure, new RegExp(`${SCATTER_CIRCLE}[^>]*fill="${COLORS.prefill}"`, 'g')), id).toBe(prefill);
    }
  });

  it('draws the spec roof and both fitted roofs as lines on log axes', () => {
    const roofline = figures.get('roofline')!;
    expect(count(roofline, new RegExp(`<path d="M[^"]*" fill="none"[^>]*stroke="${COLORS.peak}"`, 'g'))).toBeGreaterThanOrEqual(1);
    for (const phase of ['prefill', 'decode'] as const) {
      expect(roofline).toMatch(new RegExp(`<path d="M[^"]*L[^"]*" fill="none"[^>]*stroke="${COLORS[phase]}"[^>]*stroke-dasharray`));
      expect(roofline).toContain(`${phase} effective roof`);
    }
    // Decade labels of a log axis: 0.1, 1, 10, 100, 1k (FLOP/byte).
    for (const label of ['>1<', '>10<', '>100<', '>1k<']) expect(roofline).toContain(label);
  });

  it("states the H100's ridge point from its datasheet figures", () => {
    // 989.4 TFLOP/s / 3.35 TB/s = 295.3 FLOP/byte.
    expect(figures.get('roofline')).toContain('ridge at 295.3 FLOP/byte');
  });

  it('tabulates MAPE, R^2 and points per phase, and every point with its error', () => {
    for (const fit of input.fit!) {
      expect(html).toContain(`<td>${fit.phase}</td><td class="num">${fit.points}</td><td class="num">${(fit.mape * 100).toFixed(2)}%</td>`);
      expect(html).toContain(`${fit.r2.toFixed(4)}</td>`);
    }
    expect(count(html, /<tr><td>(prefill|decode)<\/td><td>(prefill|decode) /g)).toBe(points.length);
  });

  it('escapes point labels and names', () => {
    const page = renderCalibrationReport({
      ...input,
      xpu: { ...input.xpu, name: '<b>H100</b>' },
      points: [{ ...points[0], label: '<img src=x onerror=alert(1)>' }],
    });
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>H100');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(figuresById(page).get('roofline')).toContain('&lt;b&gt;H100&lt;/b&gt; peak (spec)');
  });
});

describe('renderCalibrationReport input validation', () => {
  const input = buildCalibrationInput();
  const invalid = (value: unknown) => captureError(() => renderCalibrationReport(value as never));

  it('names an unknown phase and lists the known ones', () => {
    const error = invalid({ ...input, points: [{ ...input.points[0], phase: 'prefil' }] });
    expect(error).toBeInstanceOf(ReportError);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/points\.0\.phase: .*"prefill".*"decode"/);
  });

  it('names non-positive figures that a log axis cannot show', () => {
    const message = invalid({ ...input, xpu: { ...input.xpu, bandwidthBytesPerSecond: 0 }, points: [{ ...input.points[0], measuredMs: -1 }] }).message;
    expect(message).toContain('xpu.bandwidthBytesPerSecond:');
    expect(message).toContain('points.0.measuredMs:');
  });

  it('names an empty point list', () => {
    expect(invalid({ ...input, points: [] }).message).toContain('points:');
  });
});

describe('renderCalibrationReport: which figures the data determine', () => {
  it('tabulates each fitted figure as determined, weakly identified or not determined, with the points that set it, and the fit notes', () => {
    const input = buildCalibrationInput();
    const html = renderCalibrationReport({
      ...input,
      fitted: {
        prefill: { ...input.fitted.prefill!, identification: { flops: { status: 'identified', points: ['prefill b1 in8192', 'prefill b4 in512'] }, bandwidth: { status: 'identified', points: ['prefill b1 in128', 'prefill b1 in512'] } } },
        decode: {
          ...input.fitted.decode!,
          identification: { flops: { status: 'weakly-identified', points: ['decode b64 ctx576'], held: true }, bandwidth: { status: 'identified', points: ['decode b1 ctx576', 'decode b4 ctx576'] } },
          notes: ['effective FLOP/s weakly identified: only decode b64 ctx576 <was> mostly compute-bound'],
        },
      },
    });
    const table = html.match(/<table data-table="identification">[\s\S]*?<\/table>/)![0];
    expect(count(table, /<tr><td>(prefill|decode)<\/td>/g)).toBe(4);
    expect(table).toMatch(/<td>decode<\/td><td>FLOP\/s<\/td><td class="num">[^<]+ TFLOP\/s<\/td><td class="bad">weakly identified<\/td><td>decode b64 ctx576 \(held by the default rule, not fitted\)<\/td>/);
    expect(table).toMatch(/<td>prefill<\/td><td>FLOP\/s<\/td><td class="num">[^<]+<\/td><td class="good">determined by the data<\/td><td>prefill b1 in8192, prefill b4 in512<\/td>/);
    expect(html).toContain('<li>decode: effective FLOP/s weakly identified: only decode b64 ctx576 &lt;was&gt; mostly compute-bound</li>');
  });

  it('leaves the table out when the input does not say', () => {
    expect(renderCalibrationReport(buildCalibrationInput())).not.toContain('data-table="identification"');
  });
});
