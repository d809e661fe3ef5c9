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
  epochsForShots,
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

const recipeKeys = [...Object.keys(defaultRecipe), "epochsByShots"];

/** Only the recipe keys vlprompt knows, from a method's own recipe defaults or a preset. */
function knownRecipeKeys(values: Readonly<Record<string, unknown>> | undefined): Partial<Recipe> {
  const picked: Record<string, unknown> = {};
  for (const key of recipeKeys) if (values && values[key] !== undefined) picked[key] = values[key];
  return picked as Partial<Recipe>;
}

type RecipeLayer = Readonly<Record<string, unknown>> | undefined;

/**
 * A layer that names a `preset` is two layers: the preset's values, then the layer's own fields over them (so the
 * layer's `epochs` replaces the preset's epochs-by-shots table as any later layer's does). Validation has checked
 * the name.
 */
function expandPreset(layer: RecipeLayer, catalog: MethodCatalog | undefined): RecipeLayer[] {
  if (!layer || typeof layer.preset !== "string") return [layer];
  const { preset, ...fields } = layer;
  return [catalog?.recipePreset?.(preset), fields];
}

/** Layers merged in order; a layer that sets `epochs` without `epochsByShots` drops an earlier table. */
export function layerRecipes(layers: readonly RecipeLayer[], catalog?: MethodCatalog): Recipe {
  let merged: Record<string, unknown> = { ...defaultRecipe };
  for (const raw of layers.flatMap((layer) => expandPreset(layer, catalog))) {
    const layer = knownRecipeKeys(raw);
    if (layer.epochs !== undefined && layer.epochsByShots === undefined) delete merged.epochsByShots;
    merged = { ...merged, ...layer };
  }
  return merged as Recipe;
}

/** The recipe a run with `shots` shots trains with: the epochs-by-shots table applied, then dropped. */
export function recipeForShots(recipe: Readonly<Recipe>, shots: number): Recipe {
  const { epochsByShots, ...rest } = recipe;
  const epochs = epochsByShots && epochsForShots(epochsByShots, shots);
  return epochs === undefined ? rest : { ...rest, epochs };
}

function resolveEntry(entry: MethodEntry, manifest: Manifest, options: ResolveOptions): ResolvedEntry {
  const catalog = options.methods;
  const recipe = layerRecipes([catalog?.recipeDefaults?.(entry.method), manifest.recipe, entry.recipe], catalog);
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
