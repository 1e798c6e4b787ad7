/** report.html for one run, and comparisons of several runs. */
export { renderRunReport, renderRunHtml, type RenderOptions } from './render_run.js';
export { renderCompareHtml, configDifferences } from './render_compare.js';
export { readRun, type RunData, type MetricPoint } from './read_run.js';
export { lineChart, formatNumber, type ChartSeries } from './svg_chart.js';
