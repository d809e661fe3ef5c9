/** Prints the report's comparison tables on the terminal (cli-table3). */
import Table from "cli-table3";
import type { ReportTable } from "@vlprompt/core";

export interface TableLayout {
  /** Left-align every column (text tables); default: numbers right-aligned after the first column. */
  readonly textColumns?: boolean;
  /** Column widths; a wider cell wraps at word boundaries. */
  readonly widths?: readonly (number | null)[];
}

export function renderTable(table: ReportTable, layout: TableLayout = {}): string {
  const grid = new Table({
    head: [...table.head],
    style: { head: [], border: [] },
    colAligns: table.head.map((_, i) => (i === 0 || layout.textColumns ? "left" : "right")),
    ...(layout.widths ? { colWidths: [...layout.widths], wordWrap: true, wrapOnWordBoundary: true } : {}),
  });
  for (const row of table.rows) grid.push([...row]);
  return table.title ? `${table.title}\n${grid.toString()}` : grid.toString();
}

export function renderTables(tables: readonly ReportTable[]): string {
  return tables.map((table) => renderTable(table)).join("\n\n");
}
