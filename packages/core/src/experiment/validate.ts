/**
 * Manifest validation, before any work: the schema (ajv, draft 2020-12) and then the checks a schema cannot
 * express (unique entry ids, registered method names, each method's own options schema, dataset names,
 * files that must exist). Every problem is reported at once, each with its JSON pointer.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { VlpromptError } from "../errors.js";
import type { MethodCatalog, NameCatalog } from "./catalog.js";
import { experimentErrors } from "./errors.js";
import { formatIssues, issuesFromAjv, joinPointer, sortIssues, type ManifestIssue } from "./issues.js";
import { ManifestSchema, type Manifest } from "./schema.js";
import { nearestName } from "./suggest.js";

export interface ValidationContext {
  /** Registered methods; without it, method names and options are not checked. */
  readonly methods?: MethodCatalog;
  /** Known datasets; without it, dataset names are not checked. */
  readonly datasets?: NameCatalog;
  /** Known cross-domain targets; defaults to `datasets`. */
  readonly domains?: NameCatalog;
  /** Schema of `gram.options`, from the GRAM wrapper. */
  readonly gramOptionsSchema?: object;
  /** Folder the manifest's relative paths resolve from; enables the file-existence checks. */
  readonly baseDir?: string;
  /** Issues found while loading plugins (reported with the others). */
  readonly extraIssues?: readonly ManifestIssue[];
}

const manifestAjv = addFormats(
  new Ajv2020({ allErrors: true, strict: true, verbose: true, discriminator: true, allowUnionTypes: true }),
);
const validateSchema = manifestAjv.compile<Manifest>(ManifestSchema);

/** Method schemas come from plugins: compile them leniently (unknown keywords and formats are allowed). */
const foreignAjv = addFormats(new Ajv2020({ allErrors: true, strict: false, verbose: true }));
const foreignValidators = new WeakMap<object, ValidateFunction | Error>();

function compileForeign(schema: object): ValidateFunction | Error {
  const cached = foreignValidators.get(schema);
  if (cached) return cached;
  let compiled: ValidateFunction | Error;
  try {
    const { $schema: _dialect, $id: _id, ...body } = schema as Record<string, unknown>;
    compiled = foreignAjv.compile(body);
  } catch (error) {
    compiled = error instanceof Error ? error : new Error(String(error));
  }
  foreignValidators.set(schema, compiled);
  return compiled;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The id an entry gets when it states none. */
export function defaultEntryId(entry: { method: string; gram?: unknown }): string {
  return entry.gram === undefined || entry.gram === false ? entry.method : `gram+${entry.method}`;
}

function unknownName(pointer: string, kind: string, name: string, known: readonly string[]): ManifestIssue {
  const suggestion = nearestName(name, known);
  const list = known.length > 0 ? known.join(", ") : "none";
  return {
    pointer,
    message: `unknown ${kind} "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ""} (known: ${list})`,
    ...(suggestion ? { suggestion } : {}),
  };
}

function optionsIssues(pointer: string, schema: object, options: Record<string, unknown>, defaults: object): ManifestIssue[] {
  const validate = compileForeign(schema);
  if (validate instanceof Error) {
    return [{ pointer, message: `the method's options schema does not compile (${validate.message.split("\n")[0]})` }];
  }
  const issues: ManifestIssue[] = [];
  const properties = isRecord((schema as Record<string, unknown>).properties)
    ? Object.keys((schema as Record<string, unknown>).properties as object)
    : undefined;
  if (properties && (schema as Record<string, unknown>).additionalProperties === undefined) {
    for (const key of Object.keys(options).filter((key) => !properties.includes(key))) {
      issues.push(unknownName(joinPointer(pointer, key), "option", key, properties));
    }
  }
  if (!validate({ ...defaults, ...options })) issues.push(...issuesFromAjv(validate.errors, pointer));
  return issues;
}

function entryIssues(entry: unknown, index: number, ctx: ValidationContext, seenIds: Map<string, number>): ManifestIssue[] {
  if (!isRecord(entry)) return [];
  const at = `/methods/${index}`;
  const issues: ManifestIssue[] = [];
  const method = entry.method;
  if (typeof method === "string") {
    const id = typeof entry.id === "string" ? entry.id : defaultEntryId({ method, gram: entry.gram });
    const first = seenIds.get(id);
    if (first !== undefined) {
      issues.push({
        pointer: typeof entry.id === "string" ? `${at}/id` : at,
        message: `entry id "${id}" is already used by /methods/${first}; give each entry a distinct "id"`,
      });
    } else seenIds.set(id, index);
  }
  if (ctx.methods && typeof method === "string") {
    const schema = ctx.methods.optionsSchema(method);
    if (schema === undefined) issues.push(unknownName(`${at}/method`, "method", method, ctx.methods.names()));
    else if (isRecord(entry.options) || entry.options === undefined) {
      const options = isRecord(entry.options) ? entry.options : {};
      issues.push(...optionsIssues(`${at}/options`, schema, options, ctx.methods.defaults?.(method) ?? {}));
    }
  }
  issues.push(...presetIssues(`${at}/recipe`, entry.recipe, ctx.methods));
  if (ctx.gramOptionsSchema && isRecord(entry.gram) && isRecord(entry.gram.options)) {
    issues.push(...optionsIssues(`${at}/gram/options`, ctx.gramOptionsSchema, entry.gram.options, {}));
  }
  if (ctx.baseDir && isRecord(entry.gram) && typeof entry.gram.metaCheckpoint === "string") {
    issues.push(...fileIssues(`${at}/gram/metaCheckpoint`, entry.gram.metaCheckpoint, ctx.baseDir));
  }
  return issues;
}

/** A recipe's `preset` must name a preset the catalog knows (when it lists any). */
function presetIssues(pointer: string, recipe: unknown, catalog: MethodCatalog | undefined): ManifestIssue[] {
  if (!catalog?.recipePreset || !isRecord(recipe) || typeof recipe.preset !== "string") return [];
  if (catalog.recipePreset(recipe.preset) !== undefined) return [];
  return [unknownName(`${pointer}/preset`, "recipe preset", recipe.preset, catalog.recipePresetNames?.() ?? [])];
}

function fileIssues(pointer: string, path: string, baseDir: string): ManifestIssue[] {
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  return existsSync(full) ? [] : [{ pointer, message: `file not found: ${full}` }];
}

function nameListIssues(pointer: string, kind: string, value: unknown, catalog: NameCatalog | undefined): ManifestIssue[] {
  if (!catalog || !Array.isArray(value)) return [];
  const known = catalog.names();
  return value.flatMap((name, index) =>
    typeof name === "string" && !known.includes(name) ? [unknownName(`${pointer}/${index}`, kind, name, known)] : [],
  );
}

/** The checks a schema cannot express; safe on any value (only well-typed parts are checked). */
export function semanticIssues(data: unknown, ctx: ValidationContext = {}): ManifestIssue[] {
  if (!isRecord(data)) return [];
  const issues: ManifestIssue[] = [];
  const seenIds = new Map<string, number>();
  if (Array.isArray(data.methods)) data.methods.forEach((entry, i) => issues.push(...entryIssues(entry, i, ctx, seenIds)));
  issues.push(...presetIssues("/recipe", data.recipe, ctx.methods));
  issues.push(...nameListIssues("/datasets", "dataset", data.datasets, ctx.datasets));
  if (isRecord(data.protocol)) {
    const targets = data.protocol.kind === "cross-domain" ? (ctx.domains ?? ctx.datasets) : ctx.datasets;
    issues.push(...nameListIssues("/protocol/targets", "target", data.protocol.targets, targets));
  }
  if (ctx.baseDir && isRecord(data.backbone)) {
    for (const key of ["weights", "tokenizer", "config"] as const) {
      const path = data.backbone[key];
      if (typeof path === "string") issues.push(...fileIssues(`/backbone/${key}`, path, ctx.baseDir));
    }
  }
  return issues;
}

/** Every problem of a manifest, in document order; empty when it is valid. */
export function manifestIssues(data: unknown, ctx: ValidationContext = {}): ManifestIssue[] {
  const schemaProblems = validateSchema(data) ? [] : issuesFromAjv(validateSchema.errors);
  const all = [...schemaProblems, ...semanticIssues(data, ctx), ...(ctx.extraIssues ?? [])];
  return sortIssues(all, data);
}

/** A VLP_MANIFEST_INVALID error that carries every issue. */
export class ManifestValidationError extends VlpromptError {
  constructor(
    readonly issues: readonly ManifestIssue[],
    source = "manifest",
  ) {
    const template = experimentErrors.make(
      "VLP_MANIFEST_INVALID",
      `${source} has ${issues.length} problem${issues.length === 1 ? "" : "s"}:\n${formatIssues(issues)}`,
    );
    super(template.code, template.detail, template.fix);
  }
}

/** The manifest, typed, when it is valid; otherwise throws ManifestValidationError listing every issue. */
export function assertValidManifest(data: unknown, ctx: ValidationContext = {}, source?: string): Manifest {
  const issues = manifestIssues(data, ctx);
  if (issues.length > 0) throw new ManifestValidationError(issues, source);
  return data as Manifest;
}
