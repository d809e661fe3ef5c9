/**
 * Training recipes: plain objects (the manifest's `recipe` fields) and the published recipes of the reference
 * methods as named presets. A recipe is merged field by field: built-in defaults < preset < overrides.
 * Facts: shared/reference/methods.md sections 2-5 and 8 (Dassl configs of CoOp, CoCoOp, VPT-on-CLIP, MaPLe, IVLP).
 */
import { defaultRecipe, epochsForShots, type Recipe } from "../experiment/schema.js";
import { nearestName } from "../method/registry.js";
import { adam, adamw, sgd } from "./optim/aliases.js";
import type { GradientTransformation } from "./optim/types.js";
import { dasslCosine, perEpoch, type Schedule } from "./schedule.js";
import { trainErrors } from "./errors.js";

/** Every field stated: epochs, batchSize, optimizer, lr, momentum, weightDecay, schedule, warmup, evalBatchSize, augment. */
export type TrainRecipe = Recipe;

export interface RecipePreset {
  readonly name: string;
  /** The method the recipe was published for. */
  readonly method: string;
  readonly description: string;
  /** The upstream config file the numbers come from (or "scaled" for the small-backbone presets). */
  readonly source: string;
  readonly recipe: TrainRecipe;
  /**
   * Epochs per shot count (CoOp's few-shot protocol: 50 / 100 / 200). A shot count not listed takes the entry of
   * the largest listed count below it; `recipe.epochs` applies when this is absent.
   */
  readonly epochsByShots?: Readonly<Record<number, number>>;
  /**
   * The published method settings (upstream config keys, e.g. N_CTX, CTX_INIT, PROMPT_DEPTH), for reference and
   * for manifests to copy into an entry's `options` under the plugin's own option names.
   */
  readonly published?: Readonly<Record<string, unknown>>;
}

/** The Dassl recipe every reference method starts from (SGD, momentum 0.9, wd 5e-4, cosine, 1 warm-up epoch at 1e-5). */
export const dasslRecipe: TrainRecipe = { ...defaultRecipe };

const dassl = (fields: Partial<TrainRecipe>): TrainRecipe => ({ ...dasslRecipe, ...fields });

const published: readonly RecipePreset[] = [
  {
    name: "coop",
    method: "coop",
    description: "CoOp few-shot: 16 random context tokens, class token at the end; epochs by shots (1: 50, 2-4: 100, 8-16: 200).",
    source: "KaiyangZhou/CoOp configs/trainers/CoOp/{rn50_ep50,rn50_ep100,rn50,vit_b16}.yaml",
    recipe: dassl({ epochs: 200, batchSize: 32, lr: 0.002 }),
    epochsByShots: { 1: 50, 2: 100, 4: 100, 8: 200, 16: 200 },
    published: { N_CTX: 16, CTX_INIT: "", CSC: false, CLASS_TOKEN_POSITION: "end" },
  },
  {
    name: "coop-b2n",
    method: "coop",
    description: "CoOp as run in the base-to-new protocol: 4 context tokens initialised from \"a photo of a\", 200 epochs.",
    source: "KaiyangZhou/CoOp configs/trainers/CoOp/vit_b16_ctxv1.yaml",
    recipe: dassl({ epochs: 200, batchSize: 32, lr: 0.002 }),
    published: { N_CTX: 4, CTX_INIT: "a photo of a" },
  },
  {
    name: "cocoop",
    method: "cocoop",
    description: "CoCoOp: 4 context tokens from \"a photo of a\" plus the meta-net; batch 1, 10 epochs.",
    source: "KaiyangZhou/CoOp configs/trainers/CoCoOp/vit_b16_c4_ep10_batch1_ctxv1.yaml",
    recipe: dassl({ epochs: 10, batchSize: 1, lr: 0.002 }),
    published: { N_CTX: 4, CTX_INIT: "a photo of a" },
  },
  {
    name: "vpt",
    method: "vpt",
    description: "Deep vision prompting on CLIP: 8 vision tokens in all 12 layers, fixed \"a photo of a {}.\" text; batch 4, 5 epochs.",
    source: "muzairkhattak/multimodal-prompt-learning configs/trainers/VPT/vit_b16_c2_ep5_batch4_4.yaml",
    recipe: dassl({ epochs: 5, batchSize: 4, lr: 0.0025 }),
    published: { N_CTX_VISION: 8, PROMPT_DEPTH_VISION: 12 },
  },
  {
    name: "maple",
    method: "maple",
    description: "MaPLe base-to-new: 2 context tokens from \"a photo of a\", prompt depth 9; batch 4, 5 epochs.",
    source: "muzairkhattak/multimodal-prompt-learning configs/trainers/MaPLe/vit_b16_c2_ep5_batch4_2ctx.yaml",
    recipe: dassl({ epochs: 5, batchSize: 4, lr: 0.0035 }),
    published: { N_CTX: 2, CTX_INIT: "a photo of a", PROMPT_DEPTH: 9 },
  },
  {
    name: "maple-xd",
    method: "maple",
    description: "MaPLe for cross-dataset and domain generalisation: prompt depth 3, lr 0.0026, 2 epochs.",
    source: "muzairkhattak/multimodal-prompt-learning configs/trainers/MaPLe/vit_b16_c2_ep5_batch4_2ctx_cross_datasets.yaml",
    recipe: dassl({ epochs: 2, batchSize: 4, lr: 0.0026 }),
    published: { N_CTX: 2, CTX_INIT: "a photo of a", PROMPT_DEPTH: 3 },
  },
  {
    name: "ivlp",
    method: "ivlp",
    description: "Independent vision-language prompting: 2 text + 2 vision tokens in all 12 layers; batch 4, 5 epochs.",
    source: "muzairkhattak/multimodal-prompt-learning configs/trainers/IVLP/vit_b16_c2_ep5_batch4_2+2ctx.yaml",
    recipe: dassl({ epochs: 5, batchSize: 4, lr: 0.0035 }),
    published: { N_CTX_TEXT: 2, N_CTX_VISION: 2, PROMPT_DEPTH_TEXT: 12, PROMPT_DEPTH_VISION: 12, CTX_INIT: "a photo of a" },
  },
];

/**
 * Presets scaled for the small default backbone on the wasm backend (one thread): a 16-shot run on a 50-100 class
 * dataset should take about a minute (CoCoOp excepted: its text pass runs per image). Fewer epochs than published;
 * batch sizes of the vision-prompting methods raised to 16 with the learning rate scaled linearly (x4) to keep the
 * step count down; runs of 3 epochs or fewer skip the 1e-5 warm-up epoch, which would be a third of the run. Not tuned:
 * treat the learning rates as starting points. coop-small undertrains: on the default backbone CoOp's published
 * recipe (the `coop` preset, 200 epochs at 16 shots) reaches 16.9% on EmoPets 16-shot where coop-small gets 9.5%
 * (docs/backbone.md); use the published presets for numbers you report.
 */
const scaled: readonly RecipePreset[] = [
  {
    name: "coop-small",
    method: "coop",
    description: "CoOp for the small default backbone, a quick budget that undertrains: 4 context tokens, 10 epochs at 16 shots (5 / 8 / 8 / 10 / 10 by shots), lr 0.01.",
    source: "scaled from coop",
    recipe: dassl({ epochs: 10, batchSize: 32, lr: 0.01 }),
    epochsByShots: { 1: 5, 2: 8, 4: 8, 8: 10, 16: 10 },
    // 4 tokens: 16 do not fit the default backbone's 16-token text context with the class name.
    published: { N_CTX: 4, CTX_INIT: "" },
  },
  {
    name: "cocoop-small",
    method: "cocoop",
    description: "CoCoOp for the small default backbone: batch 4, 1 epoch without warm-up (its per-image text pass stays the cost).",
    source: "scaled from cocoop",
    // Evaluation 8 images at a time: its text pass runs per image over every class (the core also splits passes above
    // perImageTextFloats, so larger evalBatchSize values are safe too; 8 keeps the results' run ids).
    recipe: dassl({ epochs: 1, batchSize: 4, lr: 0.004, warmupEpochs: 0, evalBatchSize: 8 }),
    published: { N_CTX: 4, CTX_INIT: "a photo of a" },
  },
  {
    name: "vpt-small",
    method: "vpt",
    description: "Deep VPT for the small default backbone: batch 16, lr 0.01, 3 epochs without warm-up.",
    source: "scaled from vpt",
    recipe: dassl({ epochs: 3, batchSize: 16, lr: 0.01, warmupEpochs: 0 }),
    published: { N_CTX_VISION: 8, PROMPT_DEPTH_VISION: "all layers" },
  },
  {
    name: "maple-small",
    method: "maple",
    description: "MaPLe for the small default backbone: batch 16, lr 0.014, 3 epochs without warm-up.",
    source: "scaled from maple",
    recipe: dassl({ epochs: 3, batchSize: 16, lr: 0.014, warmupEpochs: 0 }),
    published: { N_CTX: 2, CTX_INIT: "a photo of a", PROMPT_DEPTH: "3/4 of the layers" },
  },
  {
    name: "ivlp-small",
    method: "ivlp",
    description: "IVLP for the small default backbone: batch 16, lr 0.014, 3 epochs without warm-up.",
    source: "scaled from ivlp",
    recipe: dassl({ epochs: 3, batchSize: 16, lr: 0.014, warmupEpochs: 0 }),
    published: { N_CTX_TEXT: 2, N_CTX_VISION: 2, CTX_INIT: "a photo of a" },
  },
];

/** Every preset by name. */
export const recipePresets: Readonly<Record<string, RecipePreset>> = Object.fromEntries(
  [...published, ...scaled].map((preset) => [preset.name, preset]),
);

export function recipePresetNames(): string[] {
  return Object.keys(recipePresets);
}

export function getRecipePreset(name: string): RecipePreset {
  const preset = recipePresets[name];
  if (preset) return preset;
  const suggestion = nearestName(name, recipePresetNames());
  throw trainErrors.make(
    "VLP_TRAIN_UNKNOWN_PRESET",
    `no recipe preset named "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; presets: ${recipePresetNames().join(", ")}`,
  );
}

/** The preset's epochs for a shot count: its epochsByShots entry at or below `shots`, else recipe.epochs. */
export function presetEpochs(preset: RecipePreset, shots?: number): number {
  if (!preset.epochsByShots || shots === undefined) return preset.recipe.epochs;
  return epochsForShots(preset.epochsByShots, shots) ?? preset.recipe.epochs;
}

export interface ResolveRecipeOptions {
  /** A preset name or object; none means the plain Dassl recipe. */
  readonly preset?: string | RecipePreset;
  /** Picks the preset's epochs by shot count (unless `overrides.epochs` is given). */
  readonly shots?: number;
  /** Fields that replace the preset's, one by one. */
  readonly overrides?: Partial<TrainRecipe>;
}

/** defaults < preset (epochs by shots) < overrides, checked. */
export function resolveRecipe(options: ResolveRecipeOptions = {}): TrainRecipe {
  const preset = typeof options.preset === "string" ? getRecipePreset(options.preset) : options.preset;
  const fromPreset = preset ? { ...preset.recipe, epochs: presetEpochs(preset, options.shots) } : {};
  const defined = Object.fromEntries(Object.entries(options.overrides ?? {}).filter(([, v]) => v !== undefined));
  const recipe = { ...dasslRecipe, ...fromPreset, ...defined } as TrainRecipe;
  checkRecipe(recipe);
  return recipe;
}

/**
 * The recipe fields a method's preset sets, for the manifest layer's `recipeDefaults` (a method definition names
 * its preset in `recipe`). Empty when the method names none.
 */
export function recipeDefaultsFor(method: { readonly recipe?: string }): Partial<TrainRecipe> {
  return method.recipe ? { ...getRecipePreset(method.recipe).recipe } : {};
}

/** Throws VLP_TRAIN_BAD_RECIPE naming every bad field. */
export function checkRecipe(recipe: TrainRecipe): void {
  const problems: string[] = [];
  const integer = (key: keyof TrainRecipe, min: number) => {
    const value = recipe[key] as number;
    if (!Number.isInteger(value) || value < min) problems.push(`${key} must be an integer >= ${min}, got ${String(value)}`);
  };
  const positive = (key: keyof TrainRecipe) => {
    const value = recipe[key] as number;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) problems.push(`${key} must be a finite number > 0, got ${String(value)}`);
  };
  integer("epochs", 1);
  integer("batchSize", 1);
  integer("evalBatchSize", 1);
  integer("warmupEpochs", 0);
  positive("lr");
  positive("warmupLr");
  if (!(recipe.momentum >= 0 && recipe.momentum < 1)) problems.push(`momentum must be in [0, 1), got ${String(recipe.momentum)}`);
  if (!(recipe.weightDecay >= 0)) problems.push(`weightDecay must be >= 0, got ${String(recipe.weightDecay)}`);
  if (!["sgd", "adam", "adamw"].includes(recipe.optimizer)) problems.push(`optimizer must be sgd, adam or adamw, got ${String(recipe.optimizer)}`);
  if (!["cosine", "constant"].includes(recipe.schedule)) problems.push(`schedule must be cosine or constant, got ${String(recipe.schedule)}`);
  if (typeof recipe.augment !== "boolean") problems.push(`augment must be true or false, got ${String(recipe.augment)}`);
  if (problems.length > 0) throw trainErrors.make("VLP_TRAIN_BAD_RECIPE", problems.join("; "));
}

/**
 * The per-epoch learning rate of a recipe: Dassl's cosine with its constant warm-up, or a constant rate after the
 * same warm-up.
 */
export function recipeSchedule(recipe: TrainRecipe): Schedule {
  const { lr, epochs, warmupEpochs, warmupLr } = recipe;
  if (recipe.schedule === "cosine") return dasslCosine({ lr, maxEpoch: epochs, warmupEpochs, warmupLr });
  return perEpoch((epoch) => (epoch < warmupEpochs ? warmupLr : lr));
}

/** The optimizer a recipe describes (SGD with coupled decay as torch, Adam, or AdamW), with its schedule. */
export function optimizerFromRecipe(recipe: TrainRecipe): GradientTransformation {
  checkRecipe(recipe);
  const lr = recipeSchedule(recipe);
  if (recipe.optimizer === "adamw") return adamw({ lr, weightDecay: recipe.weightDecay });
  if (recipe.optimizer === "adam") return adam({ lr, weightDecay: recipe.weightDecay });
  return sgd({ lr, momentum: recipe.momentum, weightDecay: recipe.weightDecay });
}
