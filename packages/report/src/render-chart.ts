import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';

export const FONT_FAMILY = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif';

export const COLORS = {
  prefill: '#e8710a',
  decode: '#1a73e8',
  peak: '#3c4043',
  slo: '#d93025',
  series: '#1a73e8',
  percentile: '#5f6368',
  grid: '#e6e8eb',
  axis: '#59636e',
} as const;

export interface ChartSize {
  widthPixels: number;
  heightPixels: number;
}

export const DEFAULT_CHART_SIZE: ChartSize = { widthPixels: 560, heightPixels: 320 };

/** Axis styling shared by every chart so the report reads as one document. */
export function axisStyle(name: string) {
  return {
    name,
    nameLocation: 'middle' as const,
    nameTextStyle: { color: COLORS.axis, fontSize: 12 },
    axisLine: { lineStyle: { color: COLORS.axis } },
    axisLabel: { color: COLORS.axis, fontSize: 11 },
    splitLine: { lineStyle: { color: COLORS.grid } },
  };
}

/**
 * Renders one chart to an SVG string on the server. ECharts names clip paths after a
 * process-wide instance counter ("zr7-c0"); renaming them after the chart keeps ids unique within
 * a page and the output identical for identical input. The hover stylesheet and event metadata are
 * dropped because the page has no script to use them.
 */
export function renderChartSvg(id: string, option: EChartsOption, size: ChartSize = DEFAULT_CHART_SIZE): string {
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: size.widthPixels,
    height: size.heightPixels,
  });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: 'transparent',
      textStyle: { fontFamily: FONT_FAMILY },
      ...option,
    });
    return tidySvg(chart.renderToSVGString(), id);
  } finally {
    chart.dispose();
  }
}

function tidySvg(svg: string, id: string): string {
  return svg
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>/g, '')
    .replace(/ class="zr\d+-cls-\d+"/g, '')
    .replace(/ ecmeta_[a-z_]+="[^"]*"/g, '')
    .replace(/(id="|url\(#)zr\d+-/g, `$1${id}-`)
    .replace(/<svg /, `<svg role="img" aria-label="${id}" `);
}
