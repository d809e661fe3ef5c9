/**
 * Turns ajv errors into manifest issues: one per problem, each with its JSON pointer and what is expected.
 * Unions are collapsed to the branch whose type matches the value (so `"backbone": "defualt"` reports the
 * string branch, not three errors), unknown fields point at the field itself and suggest the nearest name.
 */
import type { ErrorObject } from "ajv";
import { nearestName } from "./suggest.js";

export interface ManifestIssue {
  /** JSON pointer (RFC 6901) of the offending value; "" is the whole manifest. */
  readonly pointer: string;
  /** What is wrong and what is expected. */
  readonly message: string;
  /** The nearest valid name, for a misspelt field, method or dataset. */
  readonly suggestion?: string;
}

export function escapePointerSegment(segment: string | number): string {
  return String(segment).replaceAll("~", "~0").replaceAll("/", "~1");
}

export function joinPointer(base: string, ...segments: (string | number)[]): string {
  return base + segments.map((segment) => "/" + escapePointerSegment(segment)).join("");
}

/** A value as it appears in a message: JSON, shortened. */
export function showValue(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const unionKeywords = new Set(["anyOf", "oneOf"]);
const rootMismatchKeywords = new Set(["type", "const", "enum"]);

/** Index of the union branch an error belongs to, read from its schema path. */
function branchOf(error: ErrorObject, union: ErrorObject): number | undefined {
  const prefix = union.schemaPath + "/";
  if (!error.schemaPath.startsWith(prefix)) return undefined;
  const index = Number(error.schemaPath.slice(prefix.length).split("/")[0]);
  return Number.isInteger(index) ? index : undefined;
}

function describeBranch(errors: readonly ErrorObject[], at: string): string {
  const root = errors.find((error) => error.instancePath === at && rootMismatchKeywords.has(error.keyword));
  if (!root) return "another shape";
  if (root.keyword === "const") return showValue(root.params.allowedValue);
  if (root.keyword === "enum") return (root.params.allowedValues as unknown[]).map(showValue).join(" or ");
  const type = String(root.params.type);
  return type === "object" ? "an object" : type === "array" ? "an array" : `a ${type}`;
}

/** Keeps the errors of the branch that fits the value's type; replaces a total mismatch with one issue. */
function collapseUnions(errors: readonly ErrorObject[]): { kept: ErrorObject[]; extra: ManifestIssue[] } {
  const dropped = new Set<ErrorObject>();
  const extra: ManifestIssue[] = [];
  const unions = errors
    .filter((error) => unionKeywords.has(error.keyword))
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (dropped.has(union)) continue;
    dropped.add(union);
    const branches = new Map<number, ErrorObject[]>();
    for (const error of errors) {
      const branch = branchOf(error, union);
      if (branch !== undefined) branches.set(branch, [...(branches.get(branch) ?? []), error]);
    }
    const fitting = [...branches.entries()].find(([, branchErrors]) =>
      branchErrors.every((error) => error.instancePath !== union.instancePath || !rootMismatchKeywords.has(error.keyword)),
    );
    for (const [index, branchErrors] of branches) {
      if (fitting && index === fitting[0]) continue;
      for (const error of branchErrors) dropped.add(error);
    }
    if (!fitting && branches.size > 0) {
      const expected = [...branches.values()].map((branchErrors) => describeBranch(branchErrors, union.instancePath));
      extra.push({
        pointer: union.instancePath,
        message: `expected ${[...new Set(expected)].join(" or ")}, got ${showValue(union.data)}`,
      });
    }
  }
  return { kept: errors.filter((error) => !dropped.has(error)), extra };
}

function knownProperties(parentSchema: unknown): string[] {
  if (typeof parentSchema !== "object" || parentSchema === null) return [];
  const properties = (parentSchema as { properties?: unknown }).properties;
  return typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
}

function issueFromError(error: ErrorObject): ManifestIssue {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      const known = knownProperties(error.parentSchema);
      const suggestion = nearestName(field, known);
      return {
        pointer: joinPointer(at, field),
        message: `unknown field "${field}"${suggestion ? `; did you mean "${suggestion}"?` : ""} (allowed: ${known.join(", ")})`,
        ...(suggestion ? { suggestion } : {}),
      };
    }
    case "required":
      return { pointer: joinPointer(at, String(params.missingProperty)), message: "required field is missing" };
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion = typeof error.data === "string" ? nearestName(error.data, allowed) : undefined;
      return {
        pointer: at,
        message: `expected one of ${allowed.join(", ")}; got ${showValue(error.data)}${suggestion ? `; did you mean "${suggestion}"?` : ""}`,
        ...(suggestion ? { suggestion } : {}),
      };
    }
    case "discriminator":
      return {
        pointer: joinPointer(at, String(params.tag)),
        message: `expected a known ${String(params.tag)}; got ${showValue(params.tagValue)}`,
      };
    case "uniqueItems": {
      const [first, second] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return { pointer: joinPointer(at, second!), message: `duplicates item ${first}; items must be unique` };
    }
    case "type":
      return { pointer: at, message: `expected ${String(params.type)}, got ${showValue(error.data)}` };
    default:
      return { pointer: at, message: `${error.message ?? error.keyword}${error.data === undefined ? "" : `; got ${showValue(error.data)}`}` };
  }
}

/** Manifest issues from ajv errors (validator compiled with allErrors and verbose), prefixed by `base`. */
export function issuesFromAjv(errors: readonly ErrorObject[] | null | undefined, base = ""): ManifestIssue[] {
  if (!errors || errors.length === 0) return [];
  const { kept, extra } = collapseUnions(errors);
  const tagged = kept.map((error) => ({ issue: issueFromError(error), discriminator: error.keyword === "discriminator" }));
  // A bad `kind` is also an enum error at the same pointer, which names the allowed values: keep only that one.
  const covered = new Set(tagged.filter((entry) => !entry.discriminator).map((entry) => entry.issue.pointer));
  const issues = [...tagged.filter((entry) => !entry.discriminator || !covered.has(entry.issue.pointer)).map((e) => e.issue), ...extra];
  return dedupe(issues.map((issue) => ({ ...issue, pointer: base + issue.pointer })));
}

/** Drops repeated issues (same pointer and message) and keeps the first. */
export function dedupe(issues: readonly ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.pointer}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Orders issues as their fields appear in `data` (array indices by number, object keys by position). */
export function sortIssues(issues: readonly ManifestIssue[], data: unknown): ManifestIssue[] {
  const rank = (pointer: string): number[] => {
    const ranks: number[] = [];
    let node: unknown = data;
    for (const raw of pointer.split("/").slice(1)) {
      const segment = raw.replaceAll("~1", "/").replaceAll("~0", "~");
      if (Array.isArray(node)) {
        ranks.push(Number(segment));
        node = node[Number(segment)];
      } else if (typeof node === "object" && node !== null) {
        const position = Object.keys(node).indexOf(segment);
        ranks.push(position < 0 ? Number.MAX_SAFE_INTEGER : position);
        node = (node as Record<string, unknown>)[segment];
      } else {
        ranks.push(Number.MAX_SAFE_INTEGER);
        node = undefined;
      }
    }
    return ranks;
  };
  const ranked = issues.map((issue, order) => ({ issue, order, ranks: rank(issue.pointer) }));
  ranked.sort((a, b) => {
    for (let i = 0; i < Math.min(a.ranks.length, b.ranks.length); i++) {
      if (a.ranks[i] !== b.ranks[i]) return a.ranks[i]! - b.ranks[i]!;
    }
    return a.ranks.length - b.ranks.length || a.order - b.order;
  });
  return ranked.map((entry) => entry.issue);
}

/** One line per issue, as the CLI prints them. */
export function formatIssues(issues: readonly ManifestIssue[]): string {
  return issues.map((issue) => `  ${issue.pointer || "(root)"}: ${issue.message}`).join("\n");
}
