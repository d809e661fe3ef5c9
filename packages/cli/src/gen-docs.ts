/**
 * Regenerates docs/manifest.schema.json and the field reference inside docs/manifest.md from the manifest
 * schema. Run with `npm run docs -w @vlprompt/cli`; a test fails when the committed files are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FIELDS_END, FIELDS_START, manifestFieldsMarkdown, manifestSchemaText } from "@vlprompt/core";

const docs = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

/** docs/manifest.md with its generated block replaced by the current field reference. */
export function updatedManifestDoc(current: string): string {
  const start = current.indexOf(FIELDS_START.split(" (")[0]!);
  const end = current.indexOf(FIELDS_END);
  if (start < 0 || end < 0) throw new Error("docs/manifest.md lacks the generated-block markers");
  return current.slice(0, start) + manifestFieldsMarkdown() + current.slice(end + FIELDS_END.length);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(docs("manifest.schema.json"), manifestSchemaText());
  writeFileSync(docs("manifest.md"), updatedManifestDoc(readFileSync(docs("manifest.md"), "utf8")));
  console.log("wrote docs/manifest.schema.json and docs/manifest.md");
}
