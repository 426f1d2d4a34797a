const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A cell is text to escape; numbers arrive already formatted by the caller. */
export type Cell = string | { text: string; className: string };

function cellHtml(tag: 'td' | 'th', cell: Cell): string {
  if (typeof cell === 'string') return `<${tag}>${escapeHtml(cell)}</${tag}>`;
  return `<${tag} class="${escapeHtml(cell.className)}">${escapeHtml(cell.text)}</${tag}>`;
}

export function tableHtml(options: {
  id: string;
  caption: string;
  header: readonly Cell[];
  rows: readonly (readonly Cell[])[];
}): string {
  // A list of settings needs no header row: all-empty headers leave it out.
  const blank = options.header.every((c) => (typeof c === 'string' ? c : c.text) === '');
  const head = blank ? '' : `<thead><tr>${options.header.map((c) => cellHtml('th', c)).join('')}</tr></thead>`;
  const body = `<tbody>${options.rows.map((r) => `<tr>${r.map((c) => cellHtml('td', c)).join('')}</tr>`).join('\n')}</tbody>`;
  return `<table data-table="${escapeHtml(options.id)}"><caption>${escapeHtml(options.caption)}</caption>${head}${body}</table>`;
}

/** A chart in a figure that tests and readers find by `data-chart`; `svg` is trusted markup. */
export function figureHtml(options: { id: string; svg: string; caption: string; wide?: boolean }): string {
  const cls = options.wide ? ' class="wide"' : '';
  return `<figure data-chart="${escapeHtml(options.id)}"${cls}>${options.svg}<figcaption>${escapeHtml(options.caption)}</figcaption></figure>`;
}

export function sectionHtml(title: string, body: string): string {
  return `<section><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

export interface Metric {
  label: string;
  value: string;
  /** A line under the label (what an SLO was, what the value is a share of). */
  note?: string;
}

export function metricCardsHtml(metrics: readonly Metric[]): string {
  if (metrics.length === 0) return '';
  const cards = metrics
    .map((m) => `<div class="metric"><div class="metric-value">${escapeHtml(m.value)}</div><div class="metric-label">${escapeHtml(m.label)}</div>${m.note ? `<div class="metric-note">${escapeHtml(m.note)}</div>` : ''}</div>`)
    .join('');
  return `<div class="metrics">${cards}</div>`;
}

const CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --card: #fff; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 24px 48px; }
header h1 { font-size: 26px; margin: 0 0 4px; }
header p { color: var(--muted); margin: 0; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin-top: 20px; }
.metric-note { color: var(--muted); font-size: 12px; }
.setup td.key { white-space: nowrap; }
.metric { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.metric-value { font-size: 20px; font-weight: 600; white-space: nowrap; font-variant-numeric: tabular-nums; }
.metric-label { color: var(--muted); font-size: 13px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; }
figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
figure.wide { grid-column: 1 / -1; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 16px; align-items: start; }
section > table { margin-bottom: 16px; }
.charts + table { margin-top: 16px; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); border-radius: 8px; font-size: 14px; }
caption { text-align: left; font-weight: 600; padding: 0 0 6px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
td.good { color: #1a7f37; } td.bad { color: #cf222e; }
pre { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; overflow-x: auto; font-size: 12px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
details { margin-top: 16px; } summary { cursor: pointer; color: var(--accent); }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; }
@media print { body { background: #fff; } figure, table { break-inside: avoid; } }
`;

/** The whole self-contained page: inline CSS, inline SVG, no scripts and no external resources. */
export function pageHtml(options: { title: string; subtitle?: string; body: string; kind: string }): string {
  const subtitle = options.subtitle ? `<p>${escapeHtml(options.subtitle)}</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@llm-sim/report">
<title>${escapeHtml(options.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main data-report="${escapeHtml(options.kind)}">
<header><h1>${escapeHtml(options.title)}</h1>${subtitle}</header>
${options.body}
<footer>Generated by llm-sim. Charts are static SVG; this file needs no network and no scripts.</footer>
</main>
</body>
</html>
`;
}
