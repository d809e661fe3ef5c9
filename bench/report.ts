/**
 * The benchmark's table: one row per workload with both sides' median time, their ratio and peak memory, the
 * machine's matMul limits, the target checks, and the markdown section docs/benchmarks.md keeps.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";

export interface SideResult {
  readonly runs: number[];
  readonly peakRssMb?: number;
  readonly [key: string]: unknown;
}

export interface Row {
  readonly id: string;
  readonly label: string;
  readonly shape: string;
  readonly ours?: SideResult;
  readonly torch?: SideResult;
  /** For TS-only rows: the row whose TS time this one is compared with (GRAM vs the bare method). */
  readonly versus?: string;
  /** uptime's 1-minute load average when the row was measured. */
  readonly load: number;
  readonly error?: string;
}

export interface Report {
  readonly date: string;
  readonly command: string;
  readonly machine: string;
  readonly backend: string;
  readonly torch: string;
  readonly shape: string;
  readonly limits: Record<string, number>;
  readonly rows: Row[];
  readonly targets: { readonly name: string; readonly status: string; readonly detail: string }[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function ms(side?: SideResult): number | undefined {
  return side && side.runs.length > 0 ? median(side.runs) : undefined;
}

function seconds(value?: number): string {
  if (value === undefined) return "–";
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

function megabytes(side?: SideResult): string {
  return side?.peakRssMb === undefined ? "–" : `${Math.round(side.peakRssMb)}`;
}

/**
 * ours / reference: the PyTorch time; for a GRAM row the bare method's steps measured alternately in the same
 * process (`bareRuns`), else the TS time of the row it is compared with.
 */
export function ratio(row: Row, rows: readonly Row[]): number | undefined {
  const ours = ms(row.ours);
  const bare = row.ours?.bareRuns as number[] | undefined;
  const reference = bare ? median(bare) : row.versus ? ms(rows.find((r) => r.id === row.versus)?.ours) : ms(row.torch);
  return ours !== undefined && reference !== undefined ? ours / reference : undefined;
}

/** Rows that report something other than a ratio: the same-model check, GRAM meta-training steps per second. */
function rowNote(row: Row): string | undefined {
  const check = row.torch as { imageMaxRelDiff?: number; textMaxRelDiff?: number } | undefined;
  if (check?.imageMaxRelDiff !== undefined) {
    return `features agree: image ${check.imageMaxRelDiff.toExponential(1)}, text ${check.textMaxRelDiff!.toExponential(1)}`;
  }
  const perSecond = (row.ours as { stepsPerSecond?: number } | undefined)?.stepsPerSecond;
  return perSecond !== undefined ? `${perSecond.toFixed(2)} steps/s` : undefined;
}

export function tableMarkdown(report: Report): string {
  const lines = [
    `| workload | shape | vlprompt (${report.backend}) | PyTorch ${report.torch} | ratio | peak RSS MB (ours / torch) | load |`,
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of report.rows) {
    if (row.error) {
      lines.push(`| ${row.label} | ${row.shape} | failed: ${row.error.replace(/\|/g, "/").slice(0, 120)} | | | | ${row.load.toFixed(1)} |`);
      continue;
    }
    const note = rowNote(row);
    if (note) {
      lines.push(`| ${row.label} | ${row.shape} | ${seconds(ms(row.ours))} | ${seconds(ms(row.torch))} | ${note} | ${megabytes(row.ours)} / ${megabytes(row.torch)} | ${row.load.toFixed(1)} |`);
      continue;
    }
    const r = ratio(row, report.rows);
    const versus = row.versus ? " (vs the bare step, alternated in one process)" : "";
    const torchCell = row.versus ? "n/a" : seconds(ms(row.torch));
    lines.push(
      `| ${row.label} | ${row.shape} | ${seconds(ms(row.ours))} | ${torchCell} | ${r === undefined ? "–" : `${r.toFixed(2)}x${versus}`} | ` +
        `${megabytes(row.ours)} / ${megabytes(row.torch)} | ${row.load.toFixed(1)} |`,
    );
  }
  return lines.join("\n");
}

export function reportMarkdown(report: Report): string {
  const limits = Object.entries(report.limits).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ");
  return [
    `Measured ${report.date} on ${report.machine}.`,
    "",
    "```",
    report.command,
    "```",
    "",
    `Shapes: ${report.shape}. Times are medians of the timed runs after one warm-up (end-to-end: one run).`,
    `Ratio = vlprompt time / PyTorch time (below 1: vlprompt is faster). "load" is the 1-minute load average when the row ran.`,
    "",
    `Machine matMul limit (float32 GFLOP/s): ${limits}.`,
    "",
    tableMarkdown(report),
    "",
    "| target | status | measured |",
    "| --- | --- | --- |",
    ...report.targets.map((t) => `| ${t.name} | ${t.status} | ${t.detail} |`),
  ].join("\n");
}

const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";

/** Replace the generated section of docs/benchmarks.md (between the markers), keeping everything else. */
export async function updateDoc(path: string, section: string): Promise<void> {
  const block = `${START}\n${section}\n${END}`;
  const text = existsSync(path) ? await readFile(path, "utf8") : "# Benchmarks\n";
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const next = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(path, next);
}
