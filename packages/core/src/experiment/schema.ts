/**
 * The manifest schema: one TypeBox value is both the JSON schema (draft 2020-12, published as
 * docs/manifest.schema.json) and, through `Static<>`, the TypeScript type. Defaults are written here once,
 * as `default` annotations that editors show and that `resolveManifest` applies.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";

export const MANIFEST_SCHEMA_ID = "urn:vlprompt:manifest:v1";
export const MANIFEST_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

/** A string enum emitted as `enum` (one clean error) rather than a union of literals (one error per member). */
function StringEnum<const T extends string[]>(values: [...T], options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: "string", enum: values, ...options });
}

/** Backends the manifest accepts; kept equal to src/backend's `backendNames` by a test. */
export const manifestBackends = ["auto", "tensorflow", "webgpu", "wasm", "cpu"] as const;
export const protocolKinds = ["few-shot", "base-to-new", "cross-dataset", "cross-domain"] as const;
export const reportFormats = ["md", "csv", "json", "html"] as const;

export const defaultShots: Readonly<Record<(typeof protocolKinds)[number], readonly number[]>> = {
  "few-shot": [1, 2, 4, 8, 16],
  "base-to-new": [16],
  "cross-dataset": [16],
  "cross-domain": [16],
};

/**
 * The epochs an epochs-by-shots table gives a run with `shots` shots: the entry of the largest listed count at or
 * below `shots`, or the smallest entry when every listed count is larger; undefined for an empty table.
 */
export function epochsForShots(table: Readonly<Record<string | number, number>>, shots: number): number | undefined {
  const counts = Object.keys(table).map(Number).sort((a, b) => a - b);
  const key = counts.filter((count) => count <= shots).at(-1) ?? counts[0];
  return key === undefined ? undefined : table[key];
}

/** Training recipe defaults (the Dassl recipe shared by CoOp, CoCoOp, VPT and MaPLe; methods may override). */
export const defaultRecipe = {
  epochs: 50,
  batchSize: 32,
  optimizer: "sgd",
  lr: 0.002,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: "cosine",
  warmupEpochs: 1,
  warmupLr: 1e-5,
  evalBatchSize: 100,
  augment: true,
} as const;

export const defaultMetaTraining = {
  corpus: "builtin",
  steps: 200,
  tasksPerStep: 4,
  innerSteps: 1,
  innerLr: 0.01,
  outerLr: 0.001,
  ways: 5,
  supportShots: 4,
  queryShots: 4,
  firstOrder: true,
  seed: 1,
} as const;

const idPattern = { pattern: "^[A-Za-z0-9][A-Za-z0-9._+-]*$", maxLength: 64 };
const PositiveInt = (description: string, extra: Record<string, unknown> = {}) =>
  Type.Integer({ minimum: 1, description, ...extra });
const FilePath = (description: string) => Type.String({ minLength: 1, description });
const OpenObject = (description: string) =>
  Type.Record(Type.String(), Type.Unknown(), { description, default: {} });

export const BackboneSchema = Type.Union(
  [
    Type.Literal("default", { description: "The backbone shipped with vlprompt (built by `vlprompt pretrain`)." }),
    Type.Object(
      {
        weights: FilePath("CLIP weights (.safetensors, OpenAI or Hugging Face tensor names), relative to the manifest."),
        tokenizer: FilePath("BPE vocabulary (bpe_simple_vocab_16e6.txt.gz or tokenizer.json), relative to the manifest."),
        config: Type.Optional(FilePath("Model config JSON; inferred from the weights when absent.")),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'The frozen CLIP backbone: "default", or paths to weights and tokenizer.', default: "default" },
);

export const RecipeSchema = Type.Object(
  {
    preset: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "A named recipe preset (`vlprompt methods` lists them: coop, coop-small, vpt-small, ...) applied at this layer; the layer's other fields override it.",
      }),
    ),
    epochs: Type.Optional(PositiveInt("Training epochs.", { default: defaultRecipe.epochs })),
    epochsByShots: Type.Optional(
      Type.Record(Type.String({ pattern: "^[1-9][0-9]*$" }), PositiveInt("Epochs at this shot count."), {
        description:
          "Epochs by shot count, e.g. {\"1\": 50, \"2\": 100, \"8\": 200}: a run with K shots takes the entry of the largest listed count <= K (K below every listed count takes the smallest one). An `epochs` in a later layer, or beside a preset in the same layer, replaces the table.",
        additionalProperties: false,
      }),
    ),
    batchSize: Type.Optional(PositiveInt("Training batch size.", { default: defaultRecipe.batchSize })),
    optimizer: Type.Optional(StringEnum(["sgd", "adam", "adamw"], { description: "Optimizer.", default: "sgd" })),
    lr: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "Learning rate.", default: defaultRecipe.lr })),
    momentum: Type.Optional(
      Type.Number({ minimum: 0, exclusiveMaximum: 1, description: "SGD momentum.", default: defaultRecipe.momentum }),
    ),
    weightDecay: Type.Optional(
      Type.Number({ minimum: 0, description: "Weight decay.", default: defaultRecipe.weightDecay }),
    ),
    schedule: Type.Optional(
      StringEnum(["cosine", "constant"], { description: "Learning-rate schedule (per epoch).", default: "cosine" }),
    ),
    warmupEpochs: Type.Optional(
      Type.Integer({ minimum: 0, description: "Constant-rate warm-up epochs.", default: defaultRecipe.warmupEpochs }),
    ),
    warmupLr: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "Warm-up learning rate.", default: defaultRecipe.warmupLr }),
    ),
    evalBatchSize: Type.Optional(
      PositiveInt("Evaluation batch size.", { default: defaultRecipe.evalBatchSize }),
    ),
    augment: Type.Optional(
      Type.Boolean({ description: "Random-crop and flip augmentation while training.", default: true }),
    ),
  },
  {
    additionalProperties: false,
    description: "Training recipe. Layers: built-in < method's own < manifest `recipe` < entry `recipe`.",
  },
);

export const GramSchema = Type.Union(
  [
    Type.Boolean({ description: "true wraps the method with GRAM using its defaults." }),
    Type.Object(
      {
        metaCheckpoint: Type.Optional(
          FilePath("An existing meta-checkpoint to use instead of meta-training one (relative to the manifest)."),
        ),
        init: Type.Optional(Type.Boolean({ description: "Use the meta-learned initialisation.", default: true })),
        regulate: Type.Optional(
          Type.Boolean({ description: "Apply the meta-learned gradient regulator.", default: true }),
        ),
        options: Type.Optional(OpenObject("GRAM options, checked against GRAM's own schema.")),
      },
      { additionalProperties: false },
    ),
  ],
  { description: "Wrap the method with GRAM (meta-learned init + gradient regulation).", default: false },
);

export const MethodEntrySchema = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        ...idPattern,
        description: 'Unique name of this entry in tables; default: the method name, or "gram+<method>" with GRAM.',
      }),
    ),
    method: Type.String({ minLength: 1, description: "A registered method name (see `vlprompt methods`)." }),
    options: Type.Optional(OpenObject("Method options that differ from the method's defaults.")),
    gram: Type.Optional(GramSchema),
    recipe: Type.Optional(RecipeSchema),
  },
  { additionalProperties: false },
);

const Shots = (defaults: readonly number[]) =>
  Type.Array(PositiveInt("Shots per class."), {
    minItems: 1,
    uniqueItems: true,
    default: [...defaults],
    description: "Labelled examples per class; each value is one column of the grid.",
  });
const Targets = (description: string) =>
  Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true, description });

const protocolBranch = <K extends (typeof protocolKinds)[number], P extends Record<string, TSchema>>(
  kind: K,
  description: string,
  extra: P,
) =>
  Type.Object(
    { kind: Type.Literal(kind), shots: Type.Optional(Shots(defaultShots[kind])), ...extra },
    { additionalProperties: false, description },
  );

const FewShot = protocolBranch("few-shot", "Train on K shots of all classes, test on the full test split.", {});
const BaseToNew = protocolBranch(
  "base-to-new",
  "Train on the base half of the classes; report base, new and their harmonic mean.",
  {},
);
const CrossDataset = protocolBranch(
  "cross-dataset",
  "Train on each dataset of `datasets`, evaluate on every target dataset with no further training.",
  { targets: Targets("Datasets evaluated after training.") },
);
const CrossDomain = protocolBranch(
  "cross-domain",
  "Train on each dataset of `datasets`, evaluate on the same classes in shifted domains.",
  { targets: Targets("Target domains (datasets with the source's classes).") },
);

/** A discriminated union: ajv reports only the errors of the branch named by `kind`. */
export const ProtocolSchema = Type.Unsafe<
  Static<typeof FewShot> | Static<typeof BaseToNew> | Static<typeof CrossDataset> | Static<typeof CrossDomain>
>({
  type: "object",
  description: "Evaluation protocol.",
  required: ["kind"],
  properties: { kind: { type: "string", enum: [...protocolKinds] } },
  discriminator: { propertyName: "kind" },
  oneOf: [FewShot, BaseToNew, CrossDataset, CrossDomain],
});

export const OutputSchema = Type.Object(
  {
    dir: Type.Optional(FilePath('Output directory (relative to the manifest); default "runs/<name>" in the working directory.')),
    reports: Type.Optional(
      Type.Array(StringEnum([...reportFormats]), {
        uniqueItems: true,
        description: "Reports written after a run.",
        default: [...reportFormats],
      }),
    ),
    checkpoints: Type.Optional(
      Type.Boolean({ description: "Keep the learned prompt weights of every run.", default: false }),
    ),
  },
  { additionalProperties: false, description: "Where results and reports go." },
);

export const MetaTrainingSchema = Type.Object(
  {
    corpus: Type.Optional(Type.String({ minLength: 1, description: "Image-text corpus for meta-training.", default: "builtin" })),
    steps: Type.Optional(PositiveInt("Outer (meta) steps.", { default: defaultMetaTraining.steps })),
    tasksPerStep: Type.Optional(PositiveInt("Tasks per meta step.", { default: defaultMetaTraining.tasksPerStep })),
    innerSteps: Type.Optional(PositiveInt("Inner updates per task.", { default: defaultMetaTraining.innerSteps })),
    innerLr: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "Inner learning rate.", default: defaultMetaTraining.innerLr })),
    outerLr: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "Outer learning rate.", default: defaultMetaTraining.outerLr })),
    ways: Type.Optional(Type.Integer({ minimum: 2, description: "Pseudo-classes per task.", default: defaultMetaTraining.ways })),
    supportShots: Type.Optional(PositiveInt("Support examples per pseudo-class.", { default: defaultMetaTraining.supportShots })),
    queryShots: Type.Optional(PositiveInt("Query examples per pseudo-class.", { default: defaultMetaTraining.queryShots })),
    firstOrder: Type.Optional(Type.Boolean({ description: "First-order meta-gradients.", default: true })),
    seed: Type.Optional(Type.Integer({ description: "Seed of meta-training.", default: defaultMetaTraining.seed })),
    options: Type.Optional(OpenObject("Further meta-trainer options, passed through.")),
  },
  {
    additionalProperties: false,
    description: "GRAM meta-training settings, shared by every entry with `gram`.",
  },
);

export const ManifestSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: "Path or URL of this schema, for editors." })),
    name: Type.String({
      pattern: "^[a-z0-9][a-z0-9._-]*$",
      maxLength: 80,
      description: "Experiment name (lower case, digits, . _ -); names the default output directory.",
    }),
    description: Type.Optional(Type.String({ description: "Free text shown in reports." })),
    backbone: Type.Optional(BackboneSchema),
    backend: Type.Optional(
      StringEnum([...manifestBackends], { description: "Tensor backend; auto picks the fastest available.", default: "auto" }),
    ),
    plugins: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        uniqueItems: true,
        default: [],
        description: "Third-party methods: module paths (relative to the manifest) or package names.",
      }),
    ),
    datasets: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      uniqueItems: true,
      description: "Datasets to train on (see `vlprompt data prepare`).",
    }),
    protocol: ProtocolSchema,
    methods: Type.Array(MethodEntrySchema, { minItems: 1, description: "Methods to compare, one entry each." }),
    seeds: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0 }), {
        minItems: 1,
        uniqueItems: true,
        default: [1, 2, 3],
        description: "Seeds; each picks the few-shot sample and the initialisation.",
      }),
    ),
    recipe: Type.Optional(RecipeSchema),
    output: Type.Optional(OutputSchema),
    metaTraining: Type.Optional(MetaTrainingSchema),
  },
  { additionalProperties: false },
);

export type Manifest = Static<typeof ManifestSchema>;
export type MethodEntry = Static<typeof MethodEntrySchema>;
/** A resolved recipe: every field stated, plus the epochs-by-shots table when a layer gave one (planning applies it). */
export type Recipe = Required<Omit<Static<typeof RecipeSchema>, "preset" | "epochsByShots">> & {
  readonly epochsByShots?: Readonly<Record<string, number>>;
};
export type Protocol = Static<typeof ProtocolSchema>;
export type ProtocolKind = (typeof protocolKinds)[number];
export type ManifestBackbone = Static<typeof BackboneSchema>;
export type MetaTrainingConfig = Required<Omit<Static<typeof MetaTrainingSchema>, "options">> & {
  options: Record<string, unknown>;
};
export type ReportFormat = (typeof reportFormats)[number];

/** The schema as published (plain JSON with `$schema`, `$id` and a title). */
export function manifestJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ManifestSchema)) as Record<string, unknown>;
  return {
    $schema: MANIFEST_SCHEMA_DIALECT,
    $id: MANIFEST_SCHEMA_ID,
    title: "vlprompt experiment manifest",
    description:
      "Which backbone, data, protocol, methods (each optionally wrapped with GRAM), seeds and outputs. " +
      "An entry states only what differs from the defaults.",
    ...plain,
  };
}
