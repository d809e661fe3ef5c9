import { pathToFileURL } from "node:url";
import { isAbsolute, resolve } from "node:path";
import type { MethodDefinition } from "./define.js";
import type { MethodRegistry } from "./registry.js";
import { methodErrors } from "./errors.js";

function isMethod(value: unknown): value is MethodDefinition {
  const v = value as MethodDefinition;
  return !!v && typeof v === "object" && typeof v.name === "string" && typeof v.create === "function" && typeof v.parseOptions === "function";
}

/** Every method a module exports: a default export, named exports, or an exported `methods` array. */
export function methodsExportedBy(module: Record<string, unknown>): MethodDefinition[] {
  const found = new Set<MethodDefinition>();
  for (const value of Object.values(module)) {
    if (isMethod(value)) found.add(value);
    else if (Array.isArray(value)) value.filter(isMethod).forEach((m) => found.add(m));
  }
  return [...found];
}

/**
 * Load a third-party plugin (a module path, relative to `baseDir`, or a package name) and register its
 * methods. Returns the names registered.
 */
export async function loadPlugin(specifier: string, registry: MethodRegistry, baseDir = process.cwd()): Promise<string[]> {
  const isPath = specifier.startsWith(".") || isAbsolute(specifier);
  const target = isPath ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
  let module: Record<string, unknown>;
  try {
    module = await import(target);
  } catch (cause) {
    throw methodErrors.make("VLP_PLUGIN_LOAD", `cannot load plugin "${specifier}": ${(cause as Error).message?.split("\n")[0]}`, { cause });
  }
  const methods = methodsExportedBy(module);
  if (methods.length === 0) throw methodErrors.make("VLP_PLUGIN_LOAD", `plugin "${specifier}" exports no method`);
  registry.registerAll(methods);
  return methods.map((m) => m.name);
}
