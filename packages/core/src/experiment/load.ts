/**
 * Reads, validates and resolves a manifest file: JSON syntax, plugins, schema, names and options, all
 * checked before any work, with every problem reported at once.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { catalogFromMethods, mergeCatalogs, type MethodCatalog, type NameCatalog } from "./catalog.js";
import { experimentErrors } from "./errors.js";
import { jsonErrorPosition } from "./json-position.js";
import { loadPlugins, type LoadedPlugins } from "./plugins.js";
import { resolveManifest, type ResolvedManifest } from "./resolve.js";
import type { Manifest } from "./schema.js";
import { assertValidManifest } from "./validate.js";

export interface LoadManifestOptions {
  /** Built-in methods; without it, method names and options are not checked. */
  readonly methods?: MethodCatalog;
  readonly datasets?: NameCatalog;
  readonly domains?: NameCatalog;
  readonly gramOptionsSchema?: object;
  /** Where a default output directory goes; default process.cwd(). */
  readonly cwd?: string;
  /** Overrides the manifest's output directory. */
  readonly outDir?: string;
}

export interface LoadedManifest {
  readonly path: string;
  readonly manifest: Manifest;
  readonly resolved: ResolvedManifest;
  readonly plugins: LoadedPlugins;
  /** Built-in methods plus the manifest's plugins. */
  readonly catalog: MethodCatalog | undefined;
}

/** The parsed JSON of a manifest file (not yet validated). */
export async function readManifestJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw experimentErrors.make("VLP_MANIFEST_NOT_FOUND", `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const place = jsonErrorPosition(text) ?? "unknown position";
    throw experimentErrors.make("VLP_MANIFEST_JSON", `${path}: ${place}: ${message.split("\n")[0]}`);
  }
}

export async function loadManifest(path: string, options: LoadManifestOptions = {}): Promise<LoadedManifest> {
  const fullPath = resolve(options.cwd ?? process.cwd(), path);
  const baseDir = dirname(fullPath);
  const data = await readManifestJson(fullPath);
  const pluginSpecs = typeof data === "object" && data !== null && Array.isArray((data as { plugins?: unknown }).plugins)
    ? ((data as { plugins: unknown[] }).plugins)
    : [];
  const plugins = await loadPlugins(pluginSpecs, baseDir, options.methods?.names() ?? []);
  const catalog = options.methods ? mergeCatalogs(options.methods, catalogFromMethods(plugins.methods)) : undefined;
  const manifest = assertValidManifest(
    data,
    {
      ...(catalog ? { methods: catalog } : {}),
      ...(options.datasets ? { datasets: options.datasets } : {}),
      ...(options.domains ? { domains: options.domains } : {}),
      ...(options.gramOptionsSchema ? { gramOptionsSchema: options.gramOptionsSchema } : {}),
      baseDir,
      extraIssues: plugins.issues,
    },
    path,
  );
  const resolved = resolveManifest(manifest, {
    baseDir,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.outDir ? { outDir: options.outDir } : {}),
    ...(catalog ? { methods: catalog } : {}),
  });
  return { path: fullPath, manifest, resolved, plugins, catalog };
}
