/**
 * report.html: one self-contained page (inline CSS, inline SVG charts, one small inline script, no network).
 * The script checks in the browser that every chart was laid out with visible marks and records the count
 * in `data-charts-rendered` on <body> (the headless-Chromium test reads it).
 */
import { barChart, escapeXml, lineChart, palette, type LineSeries } from "./charts.js";
import type { AggregateRow } from "./aggregate.js";
import { type ReportModel } from "./report-model.js";
import { failureTable, resultTables, timingTable, type ReportTable } from "./report-tables.js";

const pct = (value: number) => value * 100;

function entryStyle(model: ReportModel, entry: string): { color: string; dashed: boolean } {
  const index = model.aggregation.entries.indexOf(entry);
  const gram = model.aggregation.rows.some((row) => row.entryId === entry && row.gram);
  return { color: palette[index % palette.length]!, dashed: gram };
}

function rowsOf(model: ReportModel, entry: string, dataset: string): AggregateRow[] {
  return model.aggregation.rows.filter((row) => row.entryId === entry && row.dataset === dataset);
}

function shotCharts(model: ReportModel): string[] {
  if (model.aggregation.protocol !== "few-shot") return [];
  const { entries, datasets } = model.aggregation;
  const charts = datasets.map((dataset, d) => {
    const series: LineSeries[] = entries.map((entry) => ({
      name: entry,
      ...entryStyle(model, entry),
      points: rowsOf(model, entry, dataset).map((row) => ({ x: row.shots, y: pct(row.accuracy.mean), err: pct(row.accuracy.std) })),
    }));
    return lineChart({ id: `shots-${d}`, title: `Accuracy vs shots: ${dataset}`, xLabel: "shots per class", yLabel: "accuracy (%)", series, logX: true });
  });
  if (datasets.length > 1) {
    const series: LineSeries[] = entries.map((entry) => ({
      name: entry,
      ...entryStyle(model, entry),
      points: model.aggregation.averages.filter((row) => row.entryId === entry).map((row) => ({ x: row.shots, y: pct(row.accuracy) })),
    }));
    charts.push(lineChart({ id: "shots-average", title: `Accuracy vs shots: average over ${datasets.length} datasets`, xLabel: "shots per class", yLabel: "accuracy (%)", series, logX: true }));
  }
  return charts;
}

function baseNewCharts(model: ReportModel): string[] {
  if (model.aggregation.protocol !== "base-to-new") return [];
  const { entries, shots } = model.aggregation;
  return shots.map((shot, s) => {
    const rows = entries.map((entry) => model.aggregation.averages.find((row) => row.entryId === entry && row.shots === shot));
    const measure = (key: "base" | "new" | "hm") => rows.map((row) => (row?.[key] === undefined ? null : pct(row[key]!)));
    return barChart({
      id: `base-new-${s}`,
      title: `Base / new / HM, ${shot} shots (average over ${model.aggregation.datasets.length} dataset(s))`,
      yLabel: "accuracy (%)",
      categories: entries,
      series: [
        { name: "Base", color: palette[0]!, values: measure("base") },
        { name: "New", color: palette[1]!, values: measure("new") },
        { name: "HM", color: palette[2]!, values: measure("hm") },
      ],
    });
  });
}

function transferCharts(model: ReportModel): string[] {
  const kind = model.aggregation.protocol;
  if (kind !== "cross-domain" && kind !== "cross-dataset") return [];
  const { entries, datasets, shots, targets } = model.aggregation;
  return datasets.flatMap((dataset, d) =>
    shots.map((shot, s) => {
      const find = (entry: string) => model.aggregation.rows.find((row) => row.entryId === entry && row.dataset === dataset && row.shots === shot);
      return barChart({
        id: `transfer-${d}-${s}`,
        title: `${kind === "cross-domain" ? "Cross-domain" : "Cross-dataset"} accuracy from ${dataset}, ${shot} shots`,
        yLabel: "accuracy (%)",
        categories: [`${dataset} (source)`, ...targets],
        series: entries.map((entry) => {
          const row = find(entry);
          return {
            name: entry,
            color: entryStyle(model, entry).color,
            values: [row ? pct(row.accuracy.mean) : null, ...targets.map((t) => (row?.targets[t] ? pct(row.targets[t]!.mean) : null))],
            errors: [row ? pct(row.accuracy.std) : null, ...targets.map((t) => (row?.targets[t] ? pct(row.targets[t]!.std) : null))],
          };
        }),
      });
    }),
  );
}

function curveCharts(model: ReportModel): string[] {
  const { entries, datasets, shots } = model.aggregation;
  const shot = shots[shots.length - 1];
  return datasets.flatMap((dataset, d) => {
    const series: LineSeries[] = entries
      .map((entry) => ({
        name: entry,
        ...entryStyle(model, entry),
        points: (rowsOf(model, entry, dataset).find((row) => row.shots === shot)?.curve ?? []).map((p) => ({ x: p.epoch, y: p.loss })),
      }))
      .filter((series) => series.points.length > 0);
    if (series.length === 0) return [];
    return [lineChart({ id: `curve-${d}`, title: `Training loss: ${dataset}, ${shot} shots (mean over seeds)`, xLabel: "epoch", yLabel: "loss", series })];
  });
}

function htmlTable(table: ReportTable): string {
  const head = table.head.map((cell) => `<th>${escapeXml(cell)}</th>`).join("");
  const rows = table.rows.map((row) => `<tr>${row.map((cell, i) => (i === 0 ? `<th scope="row">${escapeXml(cell)}</th>` : `<td>${escapeXml(cell)}</td>`)).join("")}</tr>`);
  return `<table><caption>${escapeXml(table.title)}</caption><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

const style = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #e4e4e4;border-radius:4px}
.chart-title{font-size:14px;font-weight:600}.tick,.legend{font-size:11px;fill:#444}.axis-label{font-size:12px;fill:#222}
.grid{stroke:#eee}table{border-collapse:collapse;margin:12px 0}caption{text-align:left;font-weight:600;padding:4px 0}
caption{white-space:nowrap}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th[scope=row],thead th:first-child{text-align:left}
`;

/** Counts the charts the browser actually laid out with visible marks (see the module comment). */
const checkScript = `
(function () {
  var charts = document.querySelectorAll("svg.chart"), rendered = 0;
  for (var i = 0; i < charts.length; i++) {
    var box = charts[i].getBoundingClientRect(), marks = charts[i].querySelectorAll(".mark"), visible = 0;
    for (var j = 0; j < marks.length; j++) { var b = marks[j].getBBox(); if (b.width > 0 || b.height > 0) visible++; }
    if (box.width > 0 && box.height > 0 && marks.length > 0 && visible === marks.length) rendered++;
  }
  document.body.setAttribute("data-charts-total", String(charts.length));
  document.body.setAttribute("data-charts-rendered", String(rendered));
})();`;

function section(title: string, content: string[], className = ""): string {
  return content.length === 0 ? "" : `<section><h2>${escapeXml(title)}</h2><div class="${className}">${content.join("\n")}</div></section>`;
}

export function renderHtml(model: ReportModel): string {
  const facts = model.facts.map(([key, value]) => `<dt>${escapeXml(key)}</dt><dd>${escapeXml(value)}</dd>`).join("");
  const extra = [failureTable(model), timingTable(model)].filter((table): table is ReportTable => table !== undefined);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeXml(`Results: ${model.title}`)}</title><style>${style}</style></head>
<body>
<h1>Results: ${escapeXml(model.title)}</h1>
${model.description ? `<p>${escapeXml(model.description)}</p>` : ""}
<dl>${facts}</dl>
${section("Accuracy vs shots", shotCharts(model), "charts")}
${section("Base, new and harmonic mean", baseNewCharts(model), "charts")}
${section("Transfer", transferCharts(model), "charts")}
${section("Training curves", curveCharts(model), "charts")}
${section("Tables", resultTables(model).map(htmlTable))}
${section("Runs", extra.map(htmlTable))}
<script>${checkScript}</script>
</body></html>
`;
}
