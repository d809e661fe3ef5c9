/**
 * Small SVG charts for report.html, drawn as static markup (no library, no CDN): a line chart with error
 * bars and a grouped bar chart. Every drawn datum carries class "mark", which the page's check counts.
 */

export const palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D1F", "#000000"];

export interface LinePoint {
  readonly x: number;
  readonly y: number;
  readonly err?: number;
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  readonly points: readonly LinePoint[];
}

export interface LineChartSpec {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** Place x on a log2 axis (shots). */
  readonly logX?: boolean;
}

export interface BarSeries {
  readonly name: string;
  readonly color: string;
  /** One value per category; null leaves a gap. */
  readonly values: readonly (number | null)[];
  readonly errors?: readonly (number | null)[];
}

export interface BarChartSpec {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
}

const W = 640;
const H = 340;
const M = { left: 56, right: 16, top: 36, bottom: 72 };

export function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

const fixed = (value: number) => Number(value.toFixed(2));

/** Round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) [min, max] = [min - 1, max + 1];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 0.5; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

const tickLabel = (value: number) => (Math.abs(value) >= 100 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(2).replace(/0+$/, ""));

function frame(id: string, title: string, body: string[], legend: string): string {
  return [
    `<svg class="chart" id="${escapeXml(id)}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" class="chart-title">${escapeXml(title)}</text>`,
    ...body,
    legend,
    "</svg>",
  ].join("\n");
}

function yAxis(ticks: number[], y: (value: number) => number, label: string): string[] {
  const lines = ticks.map(
    (tick) =>
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${fixed(y(tick))}" y2="${fixed(y(tick))}"/>` +
      `<text class="tick" x="${M.left - 6}" y="${fixed(y(tick)) + 4}" text-anchor="end">${tickLabel(tick)}</text>`,
  );
  const middle = (M.top + H - M.bottom) / 2;
  return [...lines, `<text class="axis-label" transform="translate(14 ${middle}) rotate(-90)" text-anchor="middle">${escapeXml(label)}</text>`];
}

function legendOf(items: readonly { name: string; color: string; dashed?: boolean }[]): string {
  const perRow = 4;
  return items
    .map((item, i) => {
      const x = M.left + (i % perRow) * 145;
      const y = H - 26 + Math.floor(i / perRow) * 14 - (items.length > perRow ? 8 : 0);
      const dash = item.dashed ? ` stroke-dasharray="5 3"` : "";
      return `<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${item.color}" stroke-width="3"${dash}/>` +
        `<text class="legend" x="${x + 24}" y="${y}">${escapeXml(item.name)}</text>`;
    })
    .join("\n");
}

function yRange(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  const [low, high] = [Math.min(...finite), Math.max(...finite)];
  const pad = (high - low) * 0.1 || Math.abs(high) * 0.1 || 1;
  return [low - pad, high + pad];
}

export function lineChart(spec: LineChartSpec): string {
  const points = spec.series.flatMap((series) => series.points);
  const toX = (value: number) => (spec.logX ? Math.log2(value) : value);
  const xs = [...new Set(points.map((point) => point.x))].sort((a, b) => a - b);
  const [xMin, xMax] = xs.length > 1 ? [toX(xs[0]!), toX(xs[xs.length - 1]!)] : [toX(xs[0] ?? 0) - 1, toX(xs[0] ?? 0) + 1];
  const ticks = niceTicks(...yRange(points.flatMap((point) => [point.y - (point.err ?? 0), point.y + (point.err ?? 0)])));
  const [yMin, yMax] = [ticks[0]!, ticks[ticks.length - 1]!];
  const x = (value: number) => M.left + ((toX(value) - xMin) / (xMax - xMin)) * (W - M.left - M.right - 10) + 5;
  const y = (value: number) => H - M.bottom - ((value - yMin) / (yMax - yMin)) * (H - M.top - M.bottom);
  const xTicks = (spec.logX ? xs : niceTicks(xMin, xMax, 6).filter((t) => t >= xMin && t <= xMax)).map(
    (tick) => `<text class="tick" x="${fixed(x(tick))}" y="${H - M.bottom + 16}" text-anchor="middle">${tickLabel(tick)}</text>`,
  );
  const body = [...yAxis(ticks, y, spec.yLabel), ...xTicks];
  body.push(`<text class="axis-label" x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 34}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  for (const series of spec.series) {
    const sorted = [...series.points].sort((a, b) => a.x - b.x);
    const dash = series.dashed ? ` stroke-dasharray="6 4"` : "";
    if (sorted.length > 1) {
      const d = sorted.map((p, i) => `${i === 0 ? "M" : "L"}${fixed(x(p.x))} ${fixed(y(p.y))}`).join(" ");
      body.push(`<path class="mark line" d="${d}" fill="none" stroke="${series.color}" stroke-width="2"${dash}><title>${escapeXml(series.name)}</title></path>`);
    }
    for (const p of sorted.length <= 20 ? sorted : []) {
      if (p.err) body.push(`<line class="err" x1="${fixed(x(p.x))}" x2="${fixed(x(p.x))}" y1="${fixed(y(p.y - p.err))}" y2="${fixed(y(p.y + p.err))}" stroke="${series.color}"/>`);
      body.push(`<circle class="mark point" cx="${fixed(x(p.x))}" cy="${fixed(y(p.y))}" r="3.5" fill="${series.color}"><title>${escapeXml(`${series.name}: ${tickLabel(p.y)}`)}</title></circle>`);
    }
  }
  return frame(spec.id, spec.title, body, legendOf(spec.series));
}

export function barChart(spec: BarChartSpec): string {
  const values = spec.series.flatMap((series) => series.values.filter((v): v is number => v !== null));
  const ticks = niceTicks(Math.min(0, ...values), Math.max(...values, 0) * 1.05 || 1);
  const [yMin, yMax] = [ticks[0]!, ticks[ticks.length - 1]!];
  const y = (value: number) => H - M.bottom - ((value - yMin) / (yMax - yMin)) * (H - M.top - M.bottom);
  const groupWidth = (W - M.left - M.right) / Math.max(1, spec.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, spec.series.length);
  const body = yAxis(ticks, y, spec.yLabel);
  spec.categories.forEach((category, c) => {
    const left = M.left + c * groupWidth + groupWidth * 0.1;
    body.push(`<text class="tick" x="${fixed(left + groupWidth * 0.4)}" y="${H - M.bottom + 16}" text-anchor="middle">${escapeXml(category)}</text>`);
    spec.series.forEach((series, s) => {
      const value = series.values[c];
      if (value === null || value === undefined || !Number.isFinite(value)) return;
      const bx = left + s * barWidth;
      const top = y(Math.max(value, 0));
      const height = Math.max(1, Math.abs(y(value) - y(0)));
      body.push(`<rect class="mark bar" x="${fixed(bx)}" y="${fixed(top)}" width="${fixed(barWidth - 2)}" height="${fixed(height)}" fill="${series.color}"><title>${escapeXml(`${series.name}, ${category}: ${tickLabel(value)}`)}</title></rect>`);
      const err = series.errors?.[c];
      if (err) body.push(`<line class="err" x1="${fixed(bx + barWidth / 2 - 1)}" x2="${fixed(bx + barWidth / 2 - 1)}" y1="${fixed(y(value - err))}" y2="${fixed(y(value + err))}" stroke="#333"/>`);
    });
  });
  return frame(spec.id, spec.title, body, legendOf(spec.series));
}
