import { allErrorCodes } from "./errors.js";

/** The docs/errors.md page: one table row per code, grouped by area (the code's second word). */
export function renderErrorsPage(): string {
  const codes = [...allErrorCodes().entries()].filter(([code]) => !code.startsWith("VLP_TEST_")).sort(([a], [b]) => a.localeCompare(b));
  const byArea = new Map<string, [string, { summary: string; fix: string }][]>();
  for (const entry of codes) {
    const area = entry[0].split("_")[1]!.toLowerCase();
    byArea.set(area, [...(byArea.get(area) ?? []), entry]);
  }
  const lines = [
    "# Errors",
    "",
    "Every error a user can cause is a `VlpromptError` with a stable code. The message names the bad value;",
    "`fix` says what to do. In the CLI, `--json` prints `{ \"error\": { \"code\", \"message\", \"fix\" } }`.",
    "This page is generated from the catalogue by `npx tsx --conditions=source scripts/errors-doc.ts`; a test keeps it in step.",
    "",
  ];
  for (const [area, entries] of byArea) {
    lines.push(`## ${area}`, "", "| code | what happened | how to fix it |", "| --- | --- | --- |");
    for (const [code, spec] of entries) lines.push(`| \`${code}\` | ${escape(spec.summary)} | ${escape(spec.fix)} |`);
    lines.push("");
  }
  return lines.join("\n");
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
