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
 * (MethodDefinition + PromptLearner + forward/trainingLoss), on the golden tiny CLIP, so it runs in about
 * a second per method on cpu.
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

/** Another class list for the transfer check: a different count and different name lengths. */
export const otherClassNames: readonly string[] = ["t7", "t8 t9", "t10"];

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

export function describeMethodConformance(method: MethodDefinition, config: ConformanceOptions = {}): void {
  const backend = config.backend ?? "cpu";
  const title = `${method.name}${config.label ? ` (${config.label})` : ""} conforms to the method contract (${backend})`;

  describe(title, () => {
    let fixture: GoldenCase;
    let options: unknown;
    let batch: { images: tf.Tensor4D; labels: tf.Tensor1D; imageFeatures: tf.Tensor2D };
    beforeAll(async () => {
      await initBackend({ backend, log: () => {} });
      fixture = await loadGoldenCase("coop");
      // Two images are enough for every check and halve the cost of per-image methods (CoCoOp).
      const images = tf.slice(fixture.images, [0, 0, 0, 0], [2, -1, -1, -1]);
      batch = { images, labels: tf.slice(fixture.labels, [0], [2]), imageFeatures: encodeImage(fixture.backbone.model.weights, images) };
      options = method.parseOptions(config.options ?? {});
    });
    afterAll(() => {
      fixture?.dispose();
      if (batch) tf.dispose([batch.images, batch.labels, batch.imageFeatures]);
    });

    /** Images for learners that prompt the image encoder, cached image features (as the trainer does) otherwise. */
    const batchFor = (learner: PromptLearner): ForwardBatch =>
      canCacheImageFeatures(learner) ? { imageFeatures: batch.imageFeatures } : { images: batch.images };
    const create = (seed: number, classNames: readonly string[] = fixture.classNames) =>
      method.create(options, { backbone: fixture.backbone, classNames, rng: new Rng(seed) });
    const logitsOf = (learner: PromptLearner) =>
      tf.tidy(() => forward(fixture.backbone, learner, batchFor(learner)).logits.arraySync());
    const lossOf = (learner: PromptLearner) =>
      tf.tidy(() => trainingLoss(fixture.backbone, learner, batchFor(learner), batch.labels).dataSync()[0]!);

    /** One plain SGD step `v <- v - lr * g` on every param; lr makes the step 1e-3 / |g| long (so the loss should drop by 1e-3). */
    const sgdStep = (learner: PromptLearner) => {
      const params = Object.values(learner.params);
      const { value, grads } = tf.variableGrads(
        () => trainingLoss(fixture.backbone, learner, batchFor(learner), batch.labels),
        params,
      );
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
    };

    it("options: the defaults are valid, round-trip through JSON, and bad options are named", () => {
      const parsed = method.parseOptions();
      expect(method.parseOptions(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
      expect(method.parseOptions(JSON.parse(JSON.stringify(options)))).toEqual(options);
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
    });

    it("training: one SGD step lowers the loss as the gradient predicts; ten more leave the tensor count unchanged", () => {
      const learner = create(0);
      const step = sgdStep(learner);
      expect(step.connected, "every param must be connected to the loss").toBe(step.count);
      expect(step.finite, "gradients must be finite").toBe(true);
      expect(step.norm).toBeGreaterThan(0);
      const drop = step.loss - lossOf(learner);
      // First order: a step of length s against the gradient lowers the loss by about s * |g| (= 1e-3 here).
      const predicted = step.lr * step.norm * step.norm;
      expect(drop, "loss drop after one step").toBeGreaterThan(0.5 * predicted);
      expect(drop, "loss drop after one step").toBeLessThan(1.5 * predicted);
      if (learner.gradientTransform) checkGradientTransform(learner, () => trainingLoss(fixture.backbone, learner, batchFor(learner), batch.labels));
      const before = tf.memory().numTensors; // after one step: lazily cached tensors exist by now
      for (let i = 0; i < 10; i++) sgdStep(learner);
      logitsOf(learner);
      learner.state();
      expect(tf.memory().numTensors, "tensors after ten more steps").toBe(before);
      learner.dispose();
    });

    it("state() then load() into a fresh learner gives identical logits", () => {
      const trained = create(1);
      trained.load(perturbed(trained.state()));
      const saved = trained.state();
      const expected = logitsOf(trained);
      const fresh = create(2);
      expect(logitsOf(fresh), "a fresh learner should differ before loading").not.toEqual(expected);
      fresh.load(saved);
      expect(logitsOf(fresh)).toEqual(expected);
      stateEqual(saved, fresh.state());
      // load() copies what it is given: scribbling on the saved arrays afterwards changes nothing.
      for (const entry of Object.values(saved)) (entry.data as Float32Array).fill(Number.NaN);
      expect(logitsOf(fresh)).toEqual(expected);
      trained.dispose();
      fresh.dispose();
    });

    it("a state that does not fit is refused with VLP_METHOD_STATE and changes nothing", () => {
      const learner = create(3);
      const logits = logitsOf(learner);
      expect(errorOf(() => learner.load({}))?.code).toBe("VLP_METHOD_STATE");
      const other = create(4);
      const state: Record<string, { shape: number[]; data: Float32Array }> = { ...other.state() };
      const last = Object.keys(state).at(-1)!;
      state[last] = { shape: [state[last]!.data.length + 1], data: new Float32Array(state[last]!.data.length + 1) };
      const error = errorOf(() => learner.load(state));
      expect(error?.code).toBe("VLP_METHOD_STATE");
      expect(error?.message).toContain(last);
      expect(logitsOf(learner)).toEqual(logits);
      learner.dispose();
      other.dispose();
    });

    it(config.tiedToClasses ? "its state refuses another class list (VLP_METHOD_STATE)" : "learned prompts load onto another class list", () => {
      const trained = create(5);
      trained.load(perturbed(trained.state()));
      const moved = create(6, otherClassNames);
      if (config.tiedToClasses) {
        expect(errorOf(() => moved.load(trained.state()))?.code).toBe("VLP_METHOD_STATE");
      } else {
        moved.load(trained.state());
        const logits = logitsOf(moved);
        expect([logits.length, logits[0]!.length]).toEqual([2, otherClassNames.length]);
        expect(logits.flat().every(Number.isFinite)).toBe(true);
        stateEqual(trained.state(), moved.state());
      }
      trained.dispose();
      moved.dispose();
    });

    it("dispose() frees every tensor the learner created", () => {
      const warmUp = create(7);
      logitsOf(warmUp);
      warmUp.dispose();
      const before = tf.memory().numTensors;
      const learner = create(8);
      // The full path from images, whether or not the learner could use cached features.
      tf.tidy(() => forward(fixture.backbone, learner, { images: batch.images }).logits.dataSync());
      const variables = Object.values(learner.params);
      learner.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(variables.every((v) => v.isDisposed)).toBe(true);
    });
  });
}
