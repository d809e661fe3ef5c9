/**
 * Loads the third-party methods a manifest lists in `plugins`: module paths (relative to the manifest's
 * folder) or package names. What counts as a method export is src/method's `methodsExportedBy` (a default
 * export, named exports or an exported array of `defineMethod` results).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { MethodDefinition } from "../method/define.js";
import { methodsExportedBy } from "../method/plugins.js";
import type { ManifestIssue } from "./issues.js";

export interface LoadedPlugins {
  /** The method definitions as exported (the engine registers these objects). */
  readonly methods: readonly MethodDefinition[];
  /** Which manifest entry each method came from. */
  readonly origin: ReadonlyMap<string, string>;
  readonly issues: readonly ManifestIssue[];
}

const isPath = (spec: string) => spec.startsWith(".") || isAbsolute(spec);

function moduleUrl(spec: string, baseDir: string): string {
  if (isPath(spec)) {
    const full = resolve(baseDir, spec);
    if (!existsSync(full)) throw new Error(`no such file: ${full}`);
    return pathToFileURL(full).href;
  }
  try {
    return pathToFileURL(createRequire(join(baseDir, "manifest.json")).resolve(spec)).href;
  } catch {
    return spec; // An ESM-only package: let import() resolve it.
  }
}

/** Imports every plugin; problems become issues at `/plugins/<i>` so they are reported with the rest. */
export async function loadPlugins(specs: readonly unknown[], baseDir: string, builtinNames: readonly string[] = []): Promise<LoadedPlugins> {
  const methods: MethodDefinition[] = [];
  const origin = new Map<string, string>();
  const issues: ManifestIssue[] = [];
  for (const [index, spec] of specs.entries()) {
    if (typeof spec !== "string") continue;
    const pointer = `/plugins/${index}`;
    let module: Record<string, unknown>;
    try {
      module = (await import(moduleUrl(spec, baseDir))) as Record<string, unknown>;
    } catch (error) {
      issues.push({ pointer, message: `cannot load plugin "${spec}": ${String((error as Error).message ?? error).split("\n")[0]}` });
      continue;
    }
    const found = methodsExportedBy(module);
    if (found.length === 0) issues.push({ pointer, message: `plugin "${spec}" exports no method definition (build one with defineMethod)` });
    for (const method of found) {
      const clash = builtinNames.includes(method.name) ? "a built-in method" : origin.get(method.name);
      if (clash) {
        issues.push({ pointer, message: `plugin "${spec}" defines method "${method.name}", already defined by ${clash}` });
        continue;
      }
      origin.set(method.name, spec);
      methods.push(method);
    }
  }
  return { methods, origin, issues };
}
