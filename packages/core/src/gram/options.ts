/**
 * GRAM's options (what `withGram` and a manifest's `gram.options` take) and the meta-training settings
 * (a manifest's `metaTraining`, its `options` included), as JSON schemas with defaults. Every value the
 * paper does not give is a reconstruction; docs/gram.md marks which.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import Ajv2020 from "ajv/dist/2020.js";
import type { ErrorObject } from "ajv";
import { gramErrors } from "./errors.js";
import type { ParamRole } from "./layout.js";
import type { RegulateMode } from "./regulator-set.js";
import type { RegulatorSpec } from "./regulators.js";

const Enum = <const T extends string[]>(values: [...T], description: string) =>
  Type.Unsafe<T[number]>({ type: "string", enum: values, description });

export const RegulatorSpecSchema = Type.Object(
  {
    kind: Enum(["gated", "diagonal", "supmer", "identity"], "Regulator design."),
    inputNorm: Type.Optional(Enum(["none", "row"], "gated/diagonal: gate on g or on g / |g| per row (default row).")),
    rank: Type.Optional(Type.Integer({ minimum: 1, description: "supmer: rank of each low-rank layer (default 64)." })),
    layers: Type.Optional(Type.Integer({ minimum: 1, maximum: 8, description: "supmer: low-rank ReLU layers (default 2)." })),
    normPreserve: Type.Optional(Enum(["row", "global"], "supmer: rescale to the raw norm per row or globally (default row).")),
    blendInit: Type.Optional(Type.Number({ description: "supmer: initial logit of the raw gradient's share (default 0)." })),
  },
  { additionalProperties: false },
);

export const GramOptionsSchema = Type.Object(
  {
    init: Type.Boolean({ description: "Start from the meta-learned initialisation (needs a meta-checkpoint)." }),
    regulate: Type.Union([Type.Boolean(), Enum(["prompts", "all"], "")], {
      description: 'Regulate gradients: false (off), "prompts" (= true: prompt tokens only) or "all" (non-prompt parameters get a scalar gate).',
    }),
    regulators: Type.Object(
      { text: Type.Optional(RegulatorSpecSchema), vision: Type.Optional(RegulatorSpecSchema) },
      { additionalProperties: false, description: "Regulator per modality (default gated for both)." },
    ),
    paramRoles: Type.Record(Type.String(), Enum(["text", "vision", "other"], ""), {
      description: "Override the guessed role of learner parameters by name.",
    }),
    checkBackbone: Type.Boolean({ description: "Refuse a meta-checkpoint made with another backbone." }),
    seed: Type.Integer({ description: "Seed of randomly initialised regulators (supmer) when no checkpoint is given." }),
  },
  { additionalProperties: false },
);

export type GramJsonOptions = Static<typeof GramOptionsSchema>;

export const gramDefaults: GramJsonOptions = {
  init: true,
  regulate: "prompts",
  regulators: { text: { kind: "gated" }, vision: { kind: "gated" } },
  paramRoles: {},
  checkBackbone: true,
  seed: 0,
};

export const MetaTrainSettingsSchema = Type.Object(
  {
    steps: Type.Integer({ minimum: 1, description: "Outer (meta) steps." }),
    tasksPerStep: Type.Integer({ minimum: 1, description: "Tasks per meta step." }),
    innerSteps: Type.Integer({ minimum: 1, description: "Inner (support) updates per task." }),
    innerLr: Type.Number({ exclusiveMinimum: 0, description: "alpha: inner SGD rate." }),
    outerLr: Type.Number({ exclusiveMinimum: 0, description: "beta: outer rate of the initialisation." }),
    regulatorLr: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { description: "gamma: outer rate of the regulator (null: outerLr)." }),
    outerOptimizer: Enum(["adam", "sgd"], "Outer optimizer of both the initialisation and the regulator."),
    clipNorm: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { description: "Clip each outer gradient's global norm (null: off)." }),
    ways: Type.Integer({ minimum: 2, description: "N: pseudo-classes per task (contrastive: pairs per batch)." }),
    supportShots: Type.Integer({ minimum: 1, description: "K: support examples per pseudo-class." }),
    queryShots: Type.Integer({ minimum: 1, description: "Query examples per pseudo-class." }),
    firstOrder: Type.Boolean({ description: "First order in the initialisation (exact for the regulator at one inner step); false: second order with finite-difference Hessian-vector products." }),
    hvpRadius: Type.Number({ exclusiveMinimum: 0, description: "Second order: finite-difference step, divided by the vector's norm." }),
    seed: Type.Integer({ description: "Seed of clustering, task sampling and the initial prompts." }),
    task: Enum(["clusters", "contrastive"], "Task kind: N-way K-shot over fine clusters, or in-batch image-caption matching."),
    queryDomain: Enum(["other", "same"], "Query from another coarse cluster (its own pseudo-classes) or held-out items of the support's pseudo-classes."),
    coarseClusters: Type.Integer({ minimum: 1, description: "Coarse clusters (domains)." }),
    finePerCoarse: Type.Integer({ minimum: 2, description: "Fine clusters (pseudo-classes) inside each coarse cluster." }),
    coarseFeatures: Enum(["joint", "image", "text"], "Features the coarse level clusters."),
    fineFeatures: Enum(["joint", "image", "text"], "Features the fine level clusters."),
    imageWeight: Type.Number({ minimum: 0, maximum: 1, description: "Share of the image features in the joint feature." }),
    kmeansIterations: Type.Integer({ minimum: 1, description: "Lloyd iterations per k-means." }),
    kmeansRestarts: Type.Integer({ minimum: 1, description: "k-means++ restarts; the lowest inertia wins." }),
    naming: Enum(["keywords", "caption"], "Pseudo-class text: top caption words of the cluster, or its most central caption."),
    nameWords: Type.Integer({ minimum: 1, description: "keywords: words per pseudo-class name." }),
    maxNameWords: Type.Integer({ minimum: 1, description: "caption/contrastive: captions are cut to this many words." }),
    checkpointEvery: Type.Integer({ minimum: 1, description: "Save resumable state every this many steps." }),
  },
  { additionalProperties: false },
);

export type MetaTrainSettings = Static<typeof MetaTrainSettingsSchema>;

export const metaTrainDefaults: MetaTrainSettings = {
  steps: 200,
  tasksPerStep: 4,
  innerSteps: 1,
  innerLr: 0.01,
  outerLr: 0.001,
  regulatorLr: 0.01,
  outerOptimizer: "adam",
  clipNorm: 1,
  ways: 5,
  supportShots: 4,
  queryShots: 4,
  firstOrder: true,
  hvpRadius: 0.01,
  seed: 1,
  task: "clusters",
  queryDomain: "other",
  coarseClusters: 8,
  finePerCoarse: 8,
  coarseFeatures: "joint",
  fineFeatures: "joint",
  imageWeight: 0.5,
  kmeansIterations: 30,
  kmeansRestarts: 4,
  naming: "keywords",
  nameWords: 3,
  maxNameWords: 8,
  checkpointEvery: 25,
};

const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: false });
const validators = new Map<TSchema, ReturnType<typeof ajv.compile>>();

function describe(what: string, error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, ".") : "options";
  const extra =
    error.keyword === "additionalProperties" ? ` "${(error.params as { additionalProperty: string }).additionalProperty}"` : "";
  return `${what}: ${where} ${error.message}${extra}`;
}

function validated<T>(what: string, schema: TSchema, defaults: T, partial: unknown): T {
  if (partial === undefined || partial === null) partial = {};
  if (typeof partial !== "object" || Array.isArray(partial)) {
    throw gramErrors.make("VLP_GRAM_OPTIONS", `${what} must be an object, got ${JSON.stringify(partial)}`);
  }
  const merged = { ...structuredClone(defaults), ...(partial as object) };
  let validate = validators.get(schema);
  if (!validate) validators.set(schema, (validate = ajv.compile(schema)));
  if (!validate(merged)) throw gramErrors.make("VLP_GRAM_OPTIONS", validate.errors!.map((e) => describe(what, e)).join("; "));
  return merged as T;
}

/** GRAM's JSON options: defaults merged with `partial` (regulators merged per modality), validated. */
export function parseGramOptions(partial?: unknown): GramJsonOptions {
  const given = (partial ?? {}) as Partial<GramJsonOptions>;
  const regulators =
    typeof given === "object" && given.regulators && typeof given.regulators === "object"
      ? { ...gramDefaults.regulators, ...given.regulators }
      : gramDefaults.regulators;
  const options = validated("gram options", GramOptionsSchema, gramDefaults, partial);
  return { ...options, regulators };
}

/** Meta-training settings: defaults merged with `partial`, validated (a manifest's `options` flattened in). */
export function parseMetaTrainSettings(partial?: unknown): MetaTrainSettings {
  const raw = (partial ?? {}) as Record<string, unknown>;
  const { options, corpus: _corpus, ...rest } = raw;
  const flat = options && typeof options === "object" ? { ...rest, ...(options as object) } : rest;
  return validated("meta-training", MetaTrainSettingsSchema, metaTrainDefaults, flat);
}

/** The regulate mode, or null when regulation is off. */
export function regulateMode(options: GramJsonOptions): RegulateMode | null {
  if (options.regulate === false) return null;
  return options.regulate === true ? "prompts" : options.regulate;
}

/** The regulator spec of both modalities (defaults filled in). */
export function regulatorSpecs(options: GramJsonOptions): Record<"text" | "vision", RegulatorSpec> {
  return { text: options.regulators.text ?? { kind: "gated" }, vision: options.regulators.vision ?? { kind: "gated" } };
}

export type { ParamRole };
