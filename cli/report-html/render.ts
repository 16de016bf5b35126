import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { HtmlReportData } from './data.js';
import type { ItemChart, ReportSummary } from './model.js';

const require = createRequire(import.meta.url);

/** uPlot (minified IIFE and its stylesheet) and the page script, inlined so the file works offline. */
const assets = () => ({
  uplot: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
  uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  page: readFileSync(new URL('./page.js', import.meta.url), 'utf8'),
});

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** JSON inside a script element: `<` escaped, so no text in the data can close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replaceAll('<', '\\u003c');

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937; margin: 24px auto; max-width: 1040px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 0 0 6px; }
.period { color: #4b5563; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 3px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary { display: flex; gap: 32px; flex-wrap: wrap; align-items: flex-start; }
.item { border-top: 2px solid #e5e7eb; padding-top: 12px; margin-top: 20px; break-inside: avoid; page-break-inside: avoid; }
.chart { width: 100%; min-height: 340px; }
.findings { margin: 6px 0; padding-left: 20px; }
.key { color: #4b5563; font-size: 12px; margin: 0 0 4px; }
.key span { margin-right: 12px; white-space: nowrap; }
.marker { position: absolute; width: 12px; height: 12px; transform: translate(-50%, -50%); z-index: 10;
  font-size: 12px; line-height: 12px; text-align: center; cursor: default; pointer-events: auto; }
.marker::before { display: block; }
.marker-triggered::before { content: "\\25BC"; } .marker-resolved::before { content: "\\25B2"; color: #15803d; }
.level-OUT_OF_STOCK.marker-triggered { color: #b91c1c; } .level-LOW_STOCK.marker-triggered { color: #d97706; }
.level-OVERSTOCK.marker-triggered { color: #7c3aed; }
.marker-order-raised::before { content: "\\25A0"; color: #0e7490; } .marker-order-received::before { content: "\\25C6"; color: #0e7490; }
.marker-restock::before { content: "+"; font-weight: 700; color: #0f766e; } .marker-reduction::before { content: "\\2212"; font-weight: 700; color: #9d174d; }
.marker-reprice::before { content: "$"; font-weight: 700; color: #15803d; } .marker-listing::before { content: "\\25CF"; color: #6b7280; }
.marker:hover::after, .marker:focus::after { content: attr(data-label); position: absolute; left: 14px; top: -6px; white-space: nowrap;
  background: #111827; color: #fff; font-size: 12px; line-height: 1.3; padding: 2px 6px; border-radius: 3px; }
details { margin: 4px 0; } summary { cursor: pointer; color: #374151; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  .chart { min-height: 0; }
  .marker:hover::after { content: none; }
  summary { display: none; }
}
`;

const summaryHtml = (summary: ReportSummary): string => {
  const levels = summary.levels
    .map(
      ({ level, figures }) =>
        `<table><caption><strong>${level}</strong></caption><thead><tr><th></th><th>this period</th><th>period before</th></tr></thead><tbody>${figures
          .map(
            (f) =>
              `<tr><th scope="row">${escapeHtml(f.label)}</th><td class="num">${escapeHtml(f.now)}</td><td class="num">${escapeHtml(f.before)}</td></tr>`,
          )
          .join('')}</tbody></table>`,
    )
    .join('');
  const effects = summary.effects.length
    ? `<table><caption><strong>Effects by strategy</strong></caption><thead><tr><th>strategy</th><th>outcome</th><th>this period</th><th>period before</th></tr></thead><tbody>${summary.effects
        .map(
          (e) =>
            `<tr><td>${escapeHtml(e.strategy)}</td><td>${escapeHtml(e.outcome)}</td><td class="num">${e.now}</td><td class="num">${e.before}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>No strategy effects in either period.</p>';
  return `<section class="summary">${levels}${effects}</section>`;
};

const KEY = `<p class="key" aria-hidden="true"><span>▼ triggered</span><span>▲ resolved</span><span>■ order raised</span><span>◆ order received</span><span>+ restock</span><span>− reduction</span><span>$ reprice</span><span>● listing</span><span>shaded: below low stock / above overstock</span></p>`;

const itemHtml = (chart: ItemChart, index: number): string => {
  const title = `${chart.sku} at ${chart.location}${chart.name ? ` — ${chart.name}` : ''}`;
  const events = chart.markers.length
    ? `<details><summary>${chart.markers.length} event(s)</summary><table><tbody>${chart.markers
        .map(
          (m) =>
            `<tr><td>${day(new Date(m.at).toISOString())}</td><td>${escapeHtml(m.label)}</td><td class="num">${m.quantity ?? ''}</td></tr>`,
        )
        .join('')}</tbody></table></details>`
    : '';
  return `<section class="item" data-sku="${escapeHtml(chart.sku)}" data-location="${escapeHtml(chart.location)}">
<h2>${escapeHtml(title)}</h2>${KEY}
<div class="chart" id="chart-${index}" role="img" aria-label="${escapeHtml(`Quantity of ${title} over the period, with thresholds and events`)}"></div>
<ul class="findings">${chart.findings.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>${events}
</section>`;
};

/** The whole report as one HTML document: styles, data, uPlot and the page script inlined. */
export const renderReport = (data: HtmlReportData, title = 'Inventory alerts report'): string => {
  const { uplot, uplotCss, page } = assets();
  const { summary } = data;
  const items = data.charts.length
    ? data.charts.map(itemHtml).join('\n')
    : '<p>No item alerted in this period (or matched the selection).</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${uplotCss}</style><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="period">${day(summary.since)} to ${day(summary.until)} UTC, compared with the period before (${day(summary.previousSince)} to ${day(summary.since)}).</p>
${summaryHtml(summary)}
${items}
<script type="application/json" id="report-data">${scriptJson({ charts: data.charts })}</script>
<script>${uplot}</script>
<script>${page}</script>
</body></html>
`;
};
