/**
 * The field reference of docs/manifest.md, generated from the manifest schema so the two cannot drift
 * (a test compares the committed file with this output).
 */
import { manifestJsonSchema } from "./schema.js";

export const FIELDS_START = "<!-- generated:manifest-fields:start (npm run docs -w @vlprompt/cli) -->";
export const FIELDS_END = "<!-- generated:manifest-fields:end -->";

type Node = Record<string, unknown>;

interface FieldRow {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultValue: string;
  readonly description: string;
}

const asNode = (value: unknown): Node => (typeof value === "object" && value !== null ? (value as Node) : {});

function typeOf(node: Node): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (Array.isArray(node.enum)) return node.enum.map((value) => JSON.stringify(value)).join(" \\| ");
  const union = ((node.anyOf ?? node.oneOf) as Node[] | undefined)?.map(asNode);
  const kinds = union?.map((branch) => asNode(asNode(branch.properties).kind).const);
  if (kinds && kinds.every((kind) => kind !== undefined)) return `object with kind ${kinds.map((k) => JSON.stringify(k)).join(" \\| ")}`;
  if (union) return union.map(typeOf).join(" \\| ");
  if (node.type === "array") {
    const item = typeOf(asNode(node.items));
    return item.includes(" ") ? `(${item})[]` : `${item}[]`;
  }
  if (node.type === "object" && node.patternProperties) return "object (free-form)";
  if (Array.isArray(node.type)) return node.type.join(" \\| ");
  return typeof node.type === "string" ? node.type : "any";
}

function constraints(node: Node): string {
  const parts: string[] = [];
  if (node.minimum !== undefined) parts.push(`≥ ${String(node.minimum)}`);
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${String(node.exclusiveMinimum)}`);
  if (node.exclusiveMaximum !== undefined) parts.push(`< ${String(node.exclusiveMaximum)}`);
  if (node.minItems !== undefined) parts.push(`at least ${String(node.minItems)} item(s)`);
  if (node.uniqueItems) parts.push("unique");
  if (node.pattern !== undefined) parts.push(`pattern \`${String(node.pattern)}\``);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

function walk(node: Node, path: string, required: boolean, rows: FieldRow[]): void {
  if (path !== "") {
    rows.push({
      path,
      type: typeOf(node) + constraints(node.type === "array" ? { ...asNode(node.items), minItems: node.minItems, uniqueItems: node.uniqueItems } : node),
      required,
      defaultValue: node.default === undefined ? "" : `\`${JSON.stringify(node.default)}\``,
      description: String(node.description ?? ""),
    });
  }
  const properties = asNode(node.properties);
  const requiredKeys = new Set((node.required as string[] | undefined) ?? []);
  if (node.type === "object" && !node.oneOf) {
    for (const [key, child] of Object.entries(properties)) walk(asNode(child), path ? `${path}.${key}` : key, requiredKeys.has(key), rows);
  }
  if (node.type === "array" && asNode(node.items).type === "object") walk({ ...asNode(node.items), description: "" }, `${path}[]`, false, rows);
  for (const branch of ((node.anyOf ?? node.oneOf) as Node[] | undefined) ?? []) {
    const branchNode = asNode(branch);
    if (branchNode.type !== "object" || branchNode.patternProperties) continue;
    const kind = asNode(asNode(branchNode.properties).kind).const;
    const label = kind === undefined ? path : `${path} (kind ${JSON.stringify(kind)})`;
    const branchRequired = new Set((branchNode.required as string[] | undefined) ?? []);
    for (const [key, child] of Object.entries(asNode(branchNode.properties))) {
      if (key !== "kind") walk(asNode(child), `${label}.${key}`, branchRequired.has(key), rows);
    }
  }
}

/** The markdown table of every manifest field, between the generated-block markers. */
export function manifestFieldsMarkdown(): string {
  const rows: FieldRow[] = [];
  walk(manifestJsonSchema(), "", true, rows);
  const lines = rows
    .filter((row) => !row.path.endsWith("[]") || row.description !== "")
    .map((row) => `| \`${row.path}\` | ${row.type} | ${row.required ? "yes" : ""} | ${row.defaultValue} | ${row.description.replaceAll("|", "\\|")} |`);
  return [FIELDS_START, "", "| Field | Type | Required | Default | Meaning |", "| --- | --- | --- | --- | --- |", ...lines, "", FIELDS_END].join("\n");
}

/** The generated schema file's text (docs/manifest.schema.json). */
export function manifestSchemaText(): string {
  return JSON.stringify(manifestJsonSchema(), null, 2) + "\n";
}
