/**
 * withGram(method, options): GRAM as composition. The wrapped method's learner is the inner method's
 * learner plus (1) the meta-learned initial values of its parameters and (2) the frozen gradient regulator,
 * offered to the trainer as the first link of its optimizer chain (`PromptLearner.gradientTransform`).
 */
import * as tf from "@tensorflow/tfjs";
import type { MethodContext, PromptLearner } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { Rng } from "../tensor/rng.js";
import { chain } from "../train/optim/combine.js";
import type { GradientTransformation } from "../train/optim/types.js";
import { backboneHash } from "./backbone-hash.js";
import { checkCheckpointFits, readMetaCheckpoint, type MetaCheckpoint } from "./checkpoint.js";
import { gramErrors } from "./errors.js";
import { paramLayout, type ParamRole } from "./layout.js";
import { parseGramOptions, regulateMode, regulatorSpecs, type GramJsonOptions } from "./options.js";
import { RegulatorSet } from "./regulator-set.js";

/** What withGram takes: the JSON options (all optional) and a meta-checkpoint (a path or one in memory). */
export interface GramOptions extends Partial<GramJsonOptions> {
  readonly metaCheckpoint?: string | MetaCheckpoint;
}

export interface GramMethodDefinition<Options = any> extends MethodDefinition<Options> {
  /** The wrapped method. */
  readonly inner: MethodDefinition<Options>;
  /** GRAM's parsed options. */
  readonly gram: GramJsonOptions;
  /** The meta-checkpoint in use (read on first use), or null. */
  metaCheckpoint(): MetaCheckpoint | null;
  create(options: Options, context: MethodContext): GramLearner;
}

/** A GRAM learner: the inner learner's members, plus the regulator. */
export interface GramLearner extends PromptLearner {
  readonly inner: PromptLearner;
  /** The frozen regulator applied to every gradient, or null when regulation is off. */
  readonly regulators: RegulatorSet | null;
}

/** The learner: every contract member delegates to `inner`; optional members exist exactly when inner's do. */
export function gramLearner(inner: PromptLearner, regulators: RegulatorSet | null): GramLearner {
  const learner: Record<string, unknown> = {
    inner,
    regulators,
    text: (imageFeatures?: tf.Tensor2D) => inner.text(imageFeatures),
    state: () => inner.state(),
    load: (state: Parameters<PromptLearner["load"]>[0]) => inner.load(state),
    dispose: () => {
      inner.dispose();
      regulators?.dispose();
    },
  };
  Object.defineProperty(learner, "params", { get: () => inner.params, enumerable: true });
  if (inner.conditionsOnImage !== undefined) learner.conditionsOnImage = inner.conditionsOnImage;
  if (inner.injection !== undefined) learner.injection = inner.injection;
  if (inner.vision) learner.vision = () => inner.vision!();
  if (inner.extraLoss) learner.extraLoss = (terms: Parameters<NonNullable<PromptLearner["extraLoss"]>>[0]) => inner.extraLoss!(terms);
  const links: (() => GradientTransformation)[] = [];
  if (regulators && !regulators.isIdentity) links.push(() => regulators.transformation());
  if (inner.gradientTransform) links.push(() => inner.gradientTransform!());
  if (links.length === 1) learner.gradientTransform = links[0];
  if (links.length === 2) learner.gradientTransform = () => chain(links[0]!(), links[1]!());
  return learner as unknown as GramLearner;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function checkRegulatorsAgree(given: GramOptions, checkpoint: MetaCheckpoint, source: string): void {
  if (!given.regulators) return;
  const asked = regulatorSpecs(parseGramOptions({ regulators: given.regulators }));
  if (!sameJson(asked, checkpoint.info.regulators)) {
    throw gramErrors.make(
      "VLP_GRAM_OPTIONS",
      `regulators ${JSON.stringify(asked)} differ from the ones ${source} was meta-trained with, ${JSON.stringify(checkpoint.info.regulators)}; leave \`regulators\` out to use the checkpoint's`,
    );
  }
}

function rolesOf(checkpoint: MetaCheckpoint): Record<string, ParamRole> {
  return Object.fromEntries(Object.entries(checkpoint.info.params).map(([name, p]) => [name, p.role]));
}

/** Load the meta-checkpoint's initialisation into `inner` and build its regulator (null when regulation is off). */
function prepareLearner(
  inner: PromptLearner,
  context: MethodContext,
  setup: { method: string; gram: GramJsonOptions; meta: MetaCheckpoint | null; sourceName: string },
): RegulatorSet | null {
  const { method, gram, meta, sourceName } = setup;
  if (meta) {
    checkCheckpointFits(meta, method, inner.params, sourceName);
    const hash = gram.checkBackbone ? backboneHash(context.backbone.model) : meta.info.backbone.hash;
    if (meta.info.backbone.hash !== hash) {
      throw gramErrors.make(
        "VLP_GRAM_BACKBONE",
        `${sourceName} was meta-trained on backbone ${meta.info.backbone.name ?? "?"} (${meta.info.backbone.hash}), this run uses ${context.backbone.name ?? "?"} (${hash})`,
      );
    }
    if (gram.init) inner.load(meta.init);
  }
  const mode = regulateMode(gram);
  if (!mode) return null;
  const layout = paramLayout(inner.params, context.backbone.model.config, meta ? rolesOf(meta) : gram.paramRoles);
  const specs = meta ? meta.info.regulators : regulatorSpecs(gram);
  const regulators = new RegulatorSet(layout, { specs, mode, rng: new Rng(gram.seed) });
  try {
    if (meta) regulators.load(meta.regulator, sourceName);
  } catch (error) {
    regulators.dispose();
    throw error;
  }
  // Frozen at fine-tuning time: keep it out of a trainer's default "all trainable variables".
  for (const variable of Object.values(regulators.params)) variable.trainable = false;
  return regulators;
}

/**
 * Wrap a method with GRAM. The result is a method named `gram-<name>` with the inner method's options,
 * defaults and recipe. Without a meta-checkpoint the learner starts from the method's own initialisation
 * and the regulators' initial values (identity for "gated", "diagonal", "identity").
 */
export function withGram<Options>(method: MethodDefinition<Options>, options: GramOptions = {}): GramMethodDefinition<Options> {
  const { metaCheckpoint: source, ...json } = options;
  const gram = parseGramOptions(json);
  const sourceName = typeof source === "string" ? source : "the meta-checkpoint";
  let loaded: MetaCheckpoint | null | undefined = typeof source === "object" ? source : source === undefined ? null : undefined;
  const checkpoint = (): MetaCheckpoint | null => {
    if (loaded === undefined) loaded = readMetaCheckpoint(source as string);
    if (loaded) checkRegulatorsAgree(options, loaded, sourceName);
    return loaded;
  };

  return {
    name: `gram-${method.name}`,
    description: `GRAM (meta-learned initialisation + gradient regulation) around ${method.name}: ${method.description}`,
    optionsSchema: method.optionsSchema,
    defaults: method.defaults,
    recipe: method.recipe,
    parseOptions: (partial) => method.parseOptions(partial),
    inner: method,
    gram,
    metaCheckpoint: checkpoint,
    create(methodOptions, context) {
      const inner = method.create(methodOptions, context);
      try {
        return gramLearner(inner, prepareLearner(inner, context, { method: method.name, gram, meta: checkpoint(), sourceName }));
      } catch (error) {
        inner.dispose();
        throw error;
      }
    },
  };
}

/** True for definitions made by withGram. */
export function isGramMethod(method: MethodDefinition): method is GramMethodDefinition {
  return "inner" in method && "gram" in method && typeof (method as GramMethodDefinition).metaCheckpoint === "function";
}
