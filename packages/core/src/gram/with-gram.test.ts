import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { isVlpromptError } from "../errors.js";
import type { PromptLearner } from "../method/contract.js";
import { forward, trainingLoss } from "../method/forward.js";
import { Rng } from "../tensor/rng.js";
import { loadGoldenCase, type GoldenCase } from "../testing/golden-method.js";
import { chain } from "../train/optim/combine.js";
import { createOptimizer } from "../train/optim/optimizer.js";
import { sgd } from "../train/optim/aliases.js";
import { clipByGlobalNorm } from "../train/optim/transforms.js";
import type { GradientTransformation } from "../train/optim/types.js";
import { backboneHash } from "./backbone-hash.js";
import { saveMetaCheckpoint, type MetaCheckpoint } from "./checkpoint.js";
import { tinyMethod } from "./test-methods.js";
import { withGram, type GramOptions } from "./with-gram.js";

function expectCode(fn: () => unknown, code: string): Error {
  try {
    fn();
  } catch (error) {
    expect(isVlpromptError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
    return error as Error;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** What the trainer does: the learner's optional link first, then clipping and SGD with momentum. */
function trainerChain(learner: PromptLearner): GradientTransformation {
  const tail = [clipByGlobalNorm(1), sgd({ lr: 0.5, momentum: 0.9 })];
  return learner.gradientTransform ? chain(learner.gradientTransform(), ...tail) : chain(...tail);
}

function train(c: GoldenCase, learner: PromptLearner, steps: number): Float32Array[] {
  const optimizer = createOptimizer(trainerChain(learner), learner.params);
  for (let i = 0; i < steps; i++) {
    const { value, grads } = tf.variableGrads(() => trainingLoss(c.backbone, learner, { images: c.images }, c.labels));
    const named = Object.fromEntries(Object.entries(learner.params).map(([n, v]) => [n, grads[v.name]!]));
    optimizer.step(named);
    tf.dispose([value, ...Object.values(grads)]);
  }
  optimizer.dispose();
  return Object.values(learner.params).map((v) => Float32Array.from(v.dataSync()));
}

describe("withGram", () => {
  let c: GoldenCase;
  const options = tinyMethod.parseOptions({ textTokens: 2, visionTokens: 2, metaNet: true });
  const context = () => ({ backbone: c.backbone, classNames: c.classNames, rng: new Rng(5) });
  let dir: string;

  beforeAll(async () => {
    await initBackend({ backend: "wasm", log: () => {} });
    c = await loadGoldenCase("coop");
    dir = mkdtempSync(join(tmpdir(), "gram-"));
  });
  afterAll(() => {
    c.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<[string, GramOptions]>([
    ["identity regulator", { regulators: { text: { kind: "identity" }, vision: { kind: "identity" } } }],
    ["gated regulator at initialisation", {}],
    ["diagonal regulator at initialisation, all parameters", { regulate: "all", regulators: { text: { kind: "diagonal" }, vision: { kind: "diagonal" } } }],
  ])("is bit-identical to the bare method without meta-training (%s): logits and 3 updates", (_name, gramOptions) => {
    const bare = tinyMethod.create(options, context());
    const wrapped = withGram(tinyMethod, gramOptions).create(options, context());
    const logits = (l: PromptLearner) => tf.tidy(() => Array.from(forward(c.backbone, l, { images: c.images }).logits.dataSync()));
    expect(logits(wrapped)).toEqual(logits(bare));
    expect(train(c, wrapped, 3)).toEqual(train(c, bare, 3));
    bare.dispose();
    wrapped.dispose();
  });

  it("delegates the optional members exactly when the inner learner has them", () => {
    const textOnly = withGram(tinyMethod, { regulate: false }).create(tinyMethod.parseOptions({}), context());
    expect(textOnly.vision).toBeUndefined();
    expect(textOnly.gradientTransform).toBeUndefined();
    expect(Object.keys(textOnly.params)).toEqual(["textContext"]);
    textOnly.dispose();
    const identity = withGram(tinyMethod, { regulators: { text: { kind: "identity" } } }).create(tinyMethod.parseOptions({}), context());
    expect(identity.gradientTransform).toBeUndefined();
    identity.dispose();
    const joint = withGram(tinyMethod).create(options, context());
    expect(typeof joint.vision).toBe("function");
    expect(typeof joint.gradientTransform).toBe("function");
    joint.dispose();
  });

  it("changes the update once the regulator is not the identity", () => {
    const bare = tinyMethod.create(options, context());
    const wrapped = withGram(tinyMethod).create(options, context());
    const b = wrapped.regulators!.regulators.text!.params.b!;
    b.assign(tf.fill(b.shape, -1));
    expect(train(c, wrapped, 1)[0]).not.toEqual(train(c, bare, 1)[0]);
    bare.dispose();
    wrapped.dispose();
  });

  function checkpointFrom(learner: PromptLearner, method = "tiny"): MetaCheckpoint {
    const gram = withGram(tinyMethod).create(options, context());
    const regulator = gram.regulators!.state();
    regulator["text/b"] = { shape: [48], data: new Float32Array(48).fill(0.25) };
    gram.dispose();
    const params = Object.fromEntries(Object.entries(learner.params).map(([n, v]) => [n, { shape: [...v.shape], role: n === "visionPrompt" ? "vision" as const : n === "metaNetBias" ? "other" as const : "text" as const }]));
    return {
      info: {
        format: "vlprompt-gram-meta", version: 1, method, methodOptions: options, regulate: "prompts",
        regulators: { text: { kind: "gated" }, vision: { kind: "gated" } }, params,
        backbone: { name: "clip-tiny", hash: backboneHash(c.backbone.model) }, corpus: { name: "test", size: 0 },
        metaTraining: {}, steps: 0, losses: [], createdAt: new Date(0).toISOString(),
      },
      init: learner.state(),
      regulator,
    };
  }

  it("starts from the meta-checkpoint's initialisation and regulator (file round trip)", () => {
    const source = tinyMethod.create(options, { ...context(), rng: new Rng(99) });
    const path = join(dir, "meta.safetensors");
    saveMetaCheckpoint(path, checkpointFrom(source));
    const learner = withGram(tinyMethod, { metaCheckpoint: path }).create(options, context());
    for (const [name, v] of Object.entries(learner.params)) expect(Array.from(v.dataSync())).toEqual(Array.from(source.params[name]!.dataSync()));
    expect(Array.from(learner.regulators!.regulators.text!.params.b!.dataSync())).toEqual(Array(48).fill(0.25));
    expect(Object.values(learner.regulators!.params).every((v) => !v.trainable)).toBe(true);
    const fresh = withGram(tinyMethod, { metaCheckpoint: path, init: false }).create(options, context());
    const own = tinyMethod.create(options, context());
    expect(Array.from(fresh.params.textContext!.dataSync())).toEqual(Array.from(own.params.textContext!.dataSync()));
    [source, learner, fresh, own].forEach((l) => l.dispose());
  });

  it("names both shapes when a meta-checkpoint does not fit the method's parameters (VLP_GRAM_SHAPE)", () => {
    const source = tinyMethod.create(options, context());
    const meta = checkpointFrom(source);
    source.dispose();
    const other = tinyMethod.parseOptions({ textTokens: 3, visionTokens: 2, metaNet: true });
    const before = tf.memory().numTensors;
    const error = expectCode(() => withGram(tinyMethod, { metaCheckpoint: meta }).create(other, context()), "VLP_GRAM_SHAPE");
    expect(error.message).toContain("[2,48]");
    expect(error.message).toContain("[3,48]");
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses a checkpoint of another method, another backbone, or other regulators", () => {
    const source = tinyMethod.create(options, context());
    const meta = checkpointFrom(source, "coop");
    expectCode(() => withGram(tinyMethod, { metaCheckpoint: meta }).create(options, context()), "VLP_GRAM_CHECKPOINT");
    const good = checkpointFrom(source);
    const moved = { ...good, info: { ...good.info, backbone: { hash: "sha256:other" } } };
    expectCode(() => withGram(tinyMethod, { metaCheckpoint: moved }).create(options, context()), "VLP_GRAM_BACKBONE");
    const unchecked = withGram(tinyMethod, { metaCheckpoint: moved, checkBackbone: false }).create(options, context());
    unchecked.dispose();
    expectCode(
      () => withGram(tinyMethod, { metaCheckpoint: good, regulators: { text: { kind: "diagonal" } } }).create(options, context()),
      "VLP_GRAM_OPTIONS",
    );
    expectCode(() => withGram(tinyMethod, { metaCheckpoint: join(dir, "missing.safetensors") }).create(options, context()), "VLP_GRAM_CHECKPOINT");
    source.dispose();
  });

  it("rejects bad options with a coded error", () => {
    expectCode(() => withGram(tinyMethod, { regulate: "some" as never }), "VLP_GRAM_OPTIONS");
    expectCode(() => withGram(tinyMethod, { regulators: { text: { kind: "mlp" as never } } }), "VLP_GRAM_OPTIONS");
    expectCode(() => withGram(tinyMethod, { paramRoles: { nothing: "text" } }).create(options, context()), "VLP_GRAM_PARAM");
  });

  it("keeps the wrapped definition's identity: name, options, recipe", () => {
    const gram = withGram(tinyMethod);
    expect(gram.name).toBe("gram-tiny");
    expect(gram.inner).toBe(tinyMethod);
    expect(gram.parseOptions({ textTokens: 3 })).toEqual({ textTokens: 3, visionTokens: 0, metaNet: false });
    expect(gram.defaults).toBe(tinyMethod.defaults);
  });

  it("frees everything it creates", () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) withGram(tinyMethod, { regulate: "all" }).create(options, context()).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
