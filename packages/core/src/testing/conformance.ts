import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import type { LearnerState, PromptLearner } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { canCacheImageFeatures, forward, trainingLoss, type ForwardBatch } from "../method/forward.js";
import { encodeImage } from "../clip/encoders.js";
import { Rng } from "../tensor/rng.js";
import { loadGoldenCase, type GoldenCase } from "./golden-method.js";

/**
 * The method conformance suite: what every method (built-in, third-party, or wrapped by GRAM) must do to
 * work with the trainer, the checkpoints and the evaluation protocols. It uses only the public contract
 * (MethodDefinition + PromptLearner + forward/trainingLoss), on the golden tiny CLIP, so it runs in a second
 * or two of CPU time per method on the cpu backend.
 */
export interface ConformanceOptions {
  /** Options for parseOptions (default: the method's defaults). They must fit the tiny CLIP's 16-token context. */
  readonly options?: Record<string, unknown>;
  /** "cpu" (default) or "wasm". */
  readonly backend?: "cpu" | "wasm";
  /**
   * True when these options tie the learned state to the class count (CoOp's class-specific context):
   * loading it onto another class list must then fail with VLP_METHOD_STATE instead of working.
   */
  readonly tiedToClasses?: boolean;
  /** Extra words in the test titles, to tell several runs of one method apart. */
  readonly label?: string;
}

/** Another class list for the transfer check (the suite trains on 3 classes): a different count and other names. */
export const otherClassNames: readonly string[] = ["t7", "t8 t9"];

/** Values that break most schemas; the options check uses the first one a field rejects. */
const badValues: readonly unknown[] = [{ notAnOption: true }, "not-a-valid-value", -123456.5, [], true, null];

function errorOf(run: () => unknown): { code?: string; message: string } | undefined {
  try {
    run();
  } catch (error) {
    return { code: (error as { code?: string }).code, message: String((error as Error).message ?? error) };
  }
  return undefined;
}

function stateEqual(a: LearnerState, b: LearnerState): void {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const [name, saved] of Object.entries(a)) {
    expect(b[name]!.shape, name).toEqual(saved.shape);
    expect(Array.from(b[name]!.data), name).toEqual(Array.from(saved.data));
  }
}

/** The state moved off its initial values (every entry, deterministically), so loading it is visible in the logits. */
function perturbed(state: LearnerState): LearnerState {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, { shape, data }] of Object.entries(state)) {
    out[name] = { shape: [...shape], data: data.map((v, i) => v + 0.01 * Math.sin(i + 1)) };
  }
  return out;
}

/** Euclidean norm of every gradient together. */
function globalNorm(grads: tf.NamedTensorMap): number {
  return tf.tidy(() => Math.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]!));
}

/** A learner's own first optimizer link (GRAM's regulator) maps every gradient to a finite update of the same shape. */
function checkGradientTransform(learner: PromptLearner, loss: () => tf.Scalar): void {
  const params = learner.params as Readonly<Record<string, tf.Tensor>>;
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, Object.values(learner.params));
    const byName = Object.fromEntries(Object.entries(learner.params).map(([name, v]) => [name, grads[v.name]!]));
    const transform = learner.gradientTransform!();
    const { updates } = transform.update(byName, transform.init(params), params, { step: 0, epoch: 0 });
    expect(Object.keys(updates).sort(), `${transform.name} updates`).toEqual(Object.keys(params).sort());
    for (const [name, update] of Object.entries(updates)) {
      expect(update.shape, `${transform.name} update of ${name}`).toEqual(params[name]!.shape);
      expect(tf.all(tf.isFinite(update)).dataSync()[0], `${transform.name} update of ${name} is finite`).toBe(1);
    }
  });
  expect(tf.memory().numTensors, "gradientTransform leaves no tensors behind").toBe(before);
}

/**
 * The fixture every check runs on: the golden tiny CLIP, 3 of its classes (names of 1, 2 and 3 tokens) and 2 of
 * its images. Small on purpose: on the cpu backend a step costs about the number of text sequences.
 */
class Harness {
  readonly classNames: readonly string[];

  private constructor(
    readonly method: MethodDefinition,
    readonly options: unknown,
    readonly fixture: GoldenCase,
    readonly images: tf.Tensor4D,
    readonly labels: tf.Tensor1D,
    readonly imageFeatures: tf.Tensor2D,
  ) {
    this.classNames = fixture.classNames.slice(0, 3);
  }

  static async open(method: MethodDefinition, config: ConformanceOptions): Promise<Harness> {
    await initBackend({ backend: config.backend ?? "cpu", log: () => {} });
    const fixture = await loadGoldenCase("coop");
    const images = tf.slice(fixture.images, [0, 0, 0, 0], [2, -1, -1, -1]);
    const labels = tf.tensor1d([2, 0], "int32");
    const features = encodeImage(fixture.backbone.model.weights, images);
    return new Harness(method, method.parseOptions(config.options ?? {}), fixture, images, labels, features);
  }

  close(): void {
    this.fixture.dispose();
    tf.dispose([this.images, this.labels, this.imageFeatures]);
  }

  create(seed: number, classNames: readonly string[] = this.classNames): PromptLearner {
    return this.method.create(this.options, { backbone: this.fixture.backbone, classNames, rng: new Rng(seed) });
  }

  /** Images for learners that prompt the image encoder, cached image features (as the trainer does) otherwise. */
  batchFor(learner: PromptLearner): ForwardBatch {
    return canCacheImageFeatures(learner) ? { imageFeatures: this.imageFeatures } : { images: this.images };
  }

  loss(learner: PromptLearner): tf.Scalar {
    return trainingLoss(this.fixture.backbone, learner, this.batchFor(learner), this.labels);
  }

  lossOf(learner: PromptLearner): number {
    return tf.tidy(() => this.loss(learner).dataSync()[0]!);
  }

  logitsOf(learner: PromptLearner, batch = this.batchFor(learner)): number[][] {
    return tf.tidy(() => forward(this.fixture.backbone, learner, batch).logits.arraySync());
  }

  /** One plain SGD step `v <- v - lr * g` on every param; lr makes the step 1e-3 / |g| long (the loss should drop by 1e-3). */
  sgdStep(learner: PromptLearner) {
    const params = Object.values(learner.params);
    const { value, grads } = tf.variableGrads(() => this.loss(learner), params);
    const norm = globalNorm(grads);
    const lr = norm > 0 ? Math.min(1e-3 / (norm * norm), 0.1 / norm) : 0;
    const connected = params.filter((v) => grads[v.name] !== undefined).length;
    const finite = Object.values(grads).every((g) => tf.tidy(() => tf.all(tf.isFinite(g)).dataSync()[0] === 1));
    for (const variable of params) {
      const grad = grads[variable.name];
      if (grad) tf.tidy(() => variable.assign(tf.sub(variable, tf.mul(grad, lr))));
    }
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, norm, lr, connected, finite, count: params.length };
  }
}

function checkOptions(method: MethodDefinition, config: ConformanceOptions): void {
  const parsed = method.parseOptions();
  expect(method.parseOptions(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  const given = method.parseOptions(config.options ?? {});
  expect(method.parseOptions(JSON.parse(JSON.stringify(given)))).toEqual(given);
  expect(method.optionsSchema.type).toBe("object");
  const unknown = errorOf(() => method.parseOptions({ notAnOption: 1 }));
  expect(unknown?.code).toBe("VLP_METHOD_OPTIONS");
  expect(unknown?.message).toContain("notAnOption");
  expect(errorOf(() => method.parseOptions("coop"))?.code).toBe("VLP_METHOD_OPTIONS");
  for (const [field, schema] of Object.entries(method.optionsSchema.properties ?? {})) {
    expect((schema as { description?: string }).description, `option ${field} needs a description`).toBeTruthy();
    for (const bad of badValues) {
      const error = errorOf(() => method.parseOptions({ ...(config.options ?? {}), [field]: bad }));
      if (!error) continue;
      expect(error.code, `${field} = ${JSON.stringify(bad)}`).toBe("VLP_METHOD_OPTIONS");
      expect(error.message).toContain(field);
      break;
    }
  }
}

function checkTraining(h: Harness): void {
  const learner = h.create(0);
  const step = h.sgdStep(learner);
  expect(step.connected, "every param must be connected to the loss").toBe(step.count);
  expect(step.finite, "gradients must be finite").toBe(true);
  expect(step.norm).toBeGreaterThan(0);
  const drop = step.loss - h.lossOf(learner);
  // First order: a step of length s against the gradient lowers the loss by about s * |g| (= 1e-3 here).
  const predicted = step.lr * step.norm * step.norm;
  expect(drop, "loss drop after one step").toBeGreaterThan(0.5 * predicted);
  expect(drop, "loss drop after one step").toBeLessThan(1.5 * predicted);
  if (learner.gradientTransform) checkGradientTransform(learner, () => h.loss(learner));
  const before = tf.memory().numTensors; // after one step: lazily cached tensors exist by now
  for (let i = 0; i < 10; i++) h.sgdStep(learner);
  h.logitsOf(learner);
  learner.state();
  expect(tf.memory().numTensors, "tensors after ten more steps").toBe(before);
  learner.dispose();
}

function checkStateRoundTrip(h: Harness): void {
  const trained = h.create(1);
  trained.load(perturbed(trained.state()));
  const saved = trained.state();
  const expected = h.logitsOf(trained);
  const fresh = h.create(2);
  expect(h.logitsOf(fresh), "a fresh learner should differ before loading").not.toEqual(expected);
  fresh.load(saved);
  expect(h.logitsOf(fresh)).toEqual(expected);
  stateEqual(saved, fresh.state());
  // load() copies what it is given: scribbling on the saved arrays afterwards changes nothing.
  for (const entry of Object.values(saved)) (entry.data as Float32Array).fill(Number.NaN);
  expect(h.logitsOf(fresh)).toEqual(expected);
  trained.dispose();
  fresh.dispose();
}

function checkRefusedState(h: Harness): void {
  const learner = h.create(3);
  const logits = h.logitsOf(learner);
  expect(errorOf(() => learner.load({}))?.code).toBe("VLP_METHOD_STATE");
  const other = h.create(4);
  const state: Record<string, { shape: number[]; data: Float32Array }> = { ...other.state() };
  const last = Object.keys(state).at(-1)!;
  state[last] = { shape: [state[last]!.data.length + 1], data: new Float32Array(state[last]!.data.length + 1) };
  const error = errorOf(() => learner.load(state));
  expect(error?.code).toBe("VLP_METHOD_STATE");
  expect(error?.message).toContain(last);
  expect(h.logitsOf(learner), "a refused load must change nothing").toEqual(logits);
  learner.dispose();
  other.dispose();
}

function checkClassTransfer(h: Harness, tiedToClasses: boolean): void {
  const trained = h.create(5);
  trained.load(perturbed(trained.state()));
  const moved = h.create(6, otherClassNames);
  if (tiedToClasses) {
    expect(errorOf(() => moved.load(trained.state()))?.code).toBe("VLP_METHOD_STATE");
  } else {
    moved.load(trained.state());
    const logits = h.logitsOf(moved);
    expect([logits.length, logits[0]!.length]).toEqual([h.images.shape[0], otherClassNames.length]);
    expect(logits.flat().every(Number.isFinite)).toBe(true);
    stateEqual(trained.state(), moved.state());
  }
  trained.dispose();
  moved.dispose();
}

function checkDispose(h: Harness): void {
  const warmUp = h.create(7);
  h.logitsOf(warmUp);
  warmUp.dispose();
  const before = tf.memory().numTensors;
  const learner = h.create(8);
  h.logitsOf(learner, { images: h.images }); // the full path from images, even when features could be cached
  const variables = Object.values(learner.params);
  learner.dispose();
  expect(tf.memory().numTensors).toBe(before);
  expect(variables.every((v) => v.isDisposed)).toBe(true);
}

/**
 * Declare the conformance tests of one method (call it at the top level of a `*.test.ts` file). Uses only the
 * public contract, so it runs unchanged on built-ins, third-party methods and GRAM-wrapped methods.
 */
export function describeMethodConformance(method: MethodDefinition, config: ConformanceOptions = {}): void {
  const backend = config.backend ?? "cpu";
  const title = `${method.name}${config.label ? ` (${config.label})` : ""} conforms to the method contract (${backend})`;
  describe(title, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await Harness.open(method, config);
    });
    afterAll(() => h?.close());

    it("options: the defaults are valid, round-trip through JSON, and bad options are named", () => checkOptions(method, config));
    it("training: one SGD step lowers the loss as the gradient predicts; ten more leave the tensor count unchanged", () =>
      checkTraining(h));
    it("state() then load() into a fresh learner gives identical logits", () => checkStateRoundTrip(h));
    it("a state that does not fit is refused with VLP_METHOD_STATE and changes nothing", () => checkRefusedState(h));
    it(config.tiedToClasses ? "its state refuses another class list (VLP_METHOD_STATE)" : "learned prompts load onto another class list", () =>
      checkClassTransfer(h, config.tiedToClasses ?? false));
    it("dispose() frees every tensor the learner created", () => checkDispose(h));
  });
}
