import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml } from './html';

/**
 * The reports' pictures: a Vega-Lite specification rendered by Vega to static SVG in Node, at
 * report time. The SVG sits in the page itself (no script, no CDN: a page opens from its folder
 * as it is), every mark carries an ARIA label with its data (`endpoint: login; p95 (ms): 12.3`),
 * and the figure's caption is its text alternative. Vega-Lite, because a chart is then data: the
 * same declaration a person would write in the Vega editor, not hand-placed SVG.
 */

export interface Chart {
  /** Shown above the chart. */
  readonly title: string;
  /** The text alternative: what the chart shows, in a sentence or two. */
  readonly description: string;
  /** The chart's declaration; its title and description are the ones above. */
  readonly spec: TopLevelSpec;
}

/** One look for every chart of the reports. */
const CONFIG = {
  font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#eaeef2' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom' },
  title: { fontSize: 13, anchor: 'start' },
  view: { stroke: null },
  range: { category: ['#2563eb', '#d97706', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#4b5563'] },
} as const;

/** ESM-only packages, loaded once when a report first needs a chart. */
let renderer: Promise<{ vega: typeof import('vega'); vegaLite: typeof import('vega-lite') }> | undefined;
function load() {
  renderer ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
  return renderer;
}

/** The chart as SVG markup. */
export async function renderSvg(chart: Chart): Promise<string> {
  const { vega, vegaLite } = await load();
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...chart.spec,
    title: chart.title,
    description: chart.description,
    config: { ...CONFIG, ...chart.spec.config },
  } as unknown as TopLevelSpec;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a figure for a page: the SVG, and its text alternative as the caption. */
export async function renderFigure(chart: Chart): Promise<string> {
  const svg = await renderSvg(chart);
  return `<figure class="chart">${svg}<figcaption>${escapeHtml(chart.description)}</figcaption></figure>`;
}

/** CSS for the figures, for a page's style sheet. */
export const CHART_STYLE =
  'figure.chart{margin:1rem 0;overflow-x:auto}figure.chart svg{max-width:100%;height:auto}' +
  'figure.chart figcaption{font-size:.85rem;color:#57606a;margin-top:.25rem}';
