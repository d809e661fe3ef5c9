/**
 * Defaults plus overrides: turns a valid manifest into one where every value is stated (recipes layered,
 * method defaults merged, paths absolute). Planning and the reports read only the resolved form.
 */
import { isAbsolute, resolve } from "node:path";
import type { MethodCatalog } from "./catalog.js";
import {
  defaultMetaTraining,
  defaultRecipe,
  defaultShots,
  reportFormats,
  type ManifestBackbone,
  type Manifest,
  type MetaTrainingConfig,
  type MethodEntry,
  type ProtocolKind,
  type Recipe,
  type ReportFormat,
} from "./schema.js";
import type { BackboneSpec } from "./types.js";
import { defaultEntryId } from "./validate.js";

export interface ResolvedGram {
  readonly init: boolean;
  readonly regulate: boolean;
  readonly options: Readonly<Record<string, unknown>>;
  /** Absolute path of a meta-checkpoint the manifest names; undefined means "meta-train one". */
  readonly metaCheckpoint?: string;
}

export interface ResolvedEntry {
  readonly id: string;
  readonly method: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly gram: ResolvedGram | null;
  readonly recipe: Readonly<Recipe>;
}

export interface ResolvedManifest {
  readonly name: string;
  readonly description: string;
  readonly backbone: BackboneSpec;
  /** The backbone as the manifest wrote it (used in run ids, so moving a checkout keeps them). */
  readonly backboneAsWritten: ManifestBackbone;
  readonly backend: string;
  readonly plugins: readonly string[];
  readonly datasets: readonly string[];
  readonly protocol: { readonly kind: ProtocolKind; readonly shots: readonly number[]; readonly targets: readonly string[] };
  readonly entries: readonly ResolvedEntry[];
  readonly seeds: readonly number[];
  readonly outDir: string;
  readonly reports: readonly ReportFormat[];
  readonly saveCheckpoints: boolean;
  readonly metaTraining: Readonly<MetaTrainingConfig>;
  /** The manifest's folder: relative paths resolve from it. */
  readonly baseDir: string;
}

export interface ResolveOptions {
  /** The manifest's folder. */
  readonly baseDir: string;
  /** Where a default output directory goes; default process.cwd(). */
  readonly cwd?: string;
  /** Overrides `output.dir` (the CLI's --out). */
  readonly outDir?: string;
  readonly methods?: MethodCatalog;
}

const absolute = (path: string, baseDir: string) => (isAbsolute(path) ? path : resolve(baseDir, path));

/** Only the recipe keys vlprompt knows, from a method's own recipe defaults. */
function knownRecipeKeys(values: Readonly<Record<string, unknown>> | undefined): Partial<Recipe> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(defaultRecipe)) if (values && values[key] !== undefined) picked[key] = values[key];
  return picked as Partial<Recipe>;
}

function resolveEntry(entry: MethodEntry, manifest: Manifest, options: ResolveOptions): ResolvedEntry {
  const catalog = options.methods;
  const recipe: Recipe = {
    ...defaultRecipe,
    ...knownRecipeKeys(catalog?.recipeDefaults?.(entry.method)),
    ...manifest.recipe,
    ...entry.recipe,
  };
  const gram = entry.gram;
  const gramObject = typeof gram === "object" ? gram : {};
  return {
    id: entry.id ?? defaultEntryId(entry),
    method: entry.method,
    options: { ...catalog?.defaults?.(entry.method), ...entry.options },
    gram:
      gram === undefined || gram === false
        ? null
        : {
            init: gramObject.init ?? true,
            regulate: gramObject.regulate ?? true,
            options: gramObject.options ?? {},
            ...(gramObject.metaCheckpoint ? { metaCheckpoint: absolute(gramObject.metaCheckpoint, options.baseDir) } : {}),
          },
    recipe,
  };
}

function resolveBackbone(backbone: ManifestBackbone, baseDir: string): BackboneSpec {
  if (backbone === "default") return { kind: "default" };
  return {
    kind: "files",
    weights: absolute(backbone.weights, baseDir),
    tokenizer: absolute(backbone.tokenizer, baseDir),
    ...(backbone.config ? { config: absolute(backbone.config, baseDir) } : {}),
  };
}

export function resolveManifest(manifest: Manifest, options: ResolveOptions): ResolvedManifest {
  const backbone = manifest.backbone ?? "default";
  const protocol = manifest.protocol;
  const { options: metaOptions, ...metaSettings } = manifest.metaTraining ?? {};
  const outDir = options.outDir
    ? resolve(options.cwd ?? process.cwd(), options.outDir)
    : manifest.output?.dir
      ? absolute(manifest.output.dir, options.baseDir)
      : resolve(options.cwd ?? process.cwd(), "runs", manifest.name);
  return {
    name: manifest.name,
    description: manifest.description ?? "",
    backbone: resolveBackbone(backbone, options.baseDir),
    backboneAsWritten: backbone,
    backend: manifest.backend ?? "auto",
    plugins: manifest.plugins ?? [],
    datasets: manifest.datasets,
    protocol: {
      kind: protocol.kind,
      shots: protocol.shots ?? defaultShots[protocol.kind],
      targets: "targets" in protocol ? protocol.targets : [],
    },
    entries: manifest.methods.map((entry) => resolveEntry(entry, manifest, options)),
    seeds: manifest.seeds ?? [1, 2, 3],
    outDir,
    reports: manifest.output?.reports ?? [...reportFormats],
    saveCheckpoints: manifest.output?.checkpoints ?? false,
    metaTraining: { ...defaultMetaTraining, ...metaSettings, options: metaOptions ?? {} },
    baseDir: options.baseDir,
  };
}
