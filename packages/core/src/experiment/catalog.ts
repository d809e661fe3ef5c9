/**
 * What the experiment layer needs to know about methods and datasets, as small interfaces. The method
 * registry (src/method) and the data layer (src/data) satisfy them; tests pass plain objects.
 */

/** The methods a manifest may name, with each one's options schema and defaults. */
export interface MethodCatalog {
  names(): readonly string[];
  /** JSON schema of the method's options, or undefined when the method is unknown. */
  optionsSchema(name: string): object | undefined;
  /** Default options; merged under an entry's `options`. */
  defaults?(name: string): Readonly<Record<string, unknown>> | undefined;
  /** The method's own recipe defaults (e.g. CoCoOp's batch size 1); layered over the built-in recipe. */
  recipeDefaults?(name: string): Readonly<Record<string, unknown>> | undefined;
  /** One line describing the method, for `vlprompt methods`. */
  describe?(name: string): string | undefined;
  /** A named recipe preset's values (a manifest recipe's `preset`), or undefined when there is none by that name. */
  recipePreset?(name: string): Readonly<Record<string, unknown>> | undefined;
  /** The preset names, for suggestions. */
  recipePresetNames?(): readonly string[];
}

/** Names known to some registry (datasets, cross-domain targets). */
export interface NameCatalog {
  names(): readonly string[];
}

/** The parts of a method definition the experiment layer reads (a `defineMethod` result has them). */
export interface MethodDescriptor {
  readonly name: string;
  readonly optionsSchema?: object;
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** The method's default recipe: a preset name (resolved through `recipePresets`) or recipe values. */
  readonly recipe?: unknown;
  readonly description?: string;
}

export interface CatalogOptions {
  /** Resolves a method's recipe preset name (e.g. "coop") to recipe values. */
  readonly recipePresets?: (name: string) => Readonly<Record<string, unknown>> | undefined;
  /** Every preset name `recipePresets` resolves. */
  readonly recipePresetNames?: () => readonly string[];
}

export function isMethodDescriptor(value: unknown): value is MethodDescriptor {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.name === "string" && (typeof record.optionsSchema === "object" || typeof record.create === "function");
}

/** A catalog over method definitions; later entries with a name already present are ignored. */
export function catalogFromMethods(methods: readonly MethodDescriptor[], options: CatalogOptions = {}): MethodCatalog {
  const byName = new Map<string, MethodDescriptor>();
  for (const method of methods) if (!byName.has(method.name)) byName.set(method.name, method);
  const recipeOf = (name: string): Readonly<Record<string, unknown>> | undefined => {
    const recipe = byName.get(name)?.recipe;
    if (typeof recipe === "string") return options.recipePresets?.(recipe);
    return typeof recipe === "object" && recipe !== null ? (recipe as Record<string, unknown>) : undefined;
  };
  return {
    names: () => [...byName.keys()].sort(),
    optionsSchema: (name) => (byName.has(name) ? (byName.get(name)!.optionsSchema ?? {}) : undefined),
    defaults: (name) => byName.get(name)?.defaults,
    recipeDefaults: recipeOf,
    describe: (name) => byName.get(name)?.description,
    ...(options.recipePresets ? { recipePreset: options.recipePresets } : {}),
    ...(options.recipePresetNames ? { recipePresetNames: options.recipePresetNames } : {}),
  };
}

/** Both catalogs at once: `extra` methods (plugins) are added to `base`. */
export function mergeCatalogs(base: MethodCatalog, extra: MethodCatalog): MethodCatalog {
  const pick = (name: string) => (base.optionsSchema(name) !== undefined ? base : extra);
  return {
    names: () => [...new Set([...base.names(), ...extra.names()])].sort(),
    optionsSchema: (name) => base.optionsSchema(name) ?? extra.optionsSchema(name),
    defaults: (name) => pick(name).defaults?.(name),
    recipeDefaults: (name) => pick(name).recipeDefaults?.(name),
    describe: (name) => pick(name).describe?.(name),
    recipePreset: (name) => base.recipePreset?.(name) ?? extra.recipePreset?.(name),
    recipePresetNames: () => [...new Set([...(base.recipePresetNames?.() ?? []), ...(extra.recipePresetNames?.() ?? [])])],
  };
}

export const emptyCatalog: MethodCatalog = catalogFromMethods([]);
