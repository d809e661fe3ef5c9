import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { forward, initBackend, Rng, textFeaturesOf } from "@vlprompt/core";
import { assertClose, checkAgainstGolden, goldenInitialState, loadGoldenCase, type GoldenCase } from "@vlprompt/core/testing";
import { cocoop, CocoopLearner, cocoopOfficialNames } from "./index.js";

const names: Record<string, string> = { ...cocoopOfficialNames };
const goldenOptions = { contextLength: 4, contextInit: null };

for (const backend of ["cpu", "wasm"] as const) {
  describe(`CoCoOp matches the official trainers/cocoop.py (${backend})`, () => {
    let c: GoldenCase;
    beforeAll(async () => {
      await initBackend({ backend, log: () => {} });
      c = await loadGoldenCase("cocoop");
    });
    afterAll(() => c.dispose());

    const goldenLearner = () => {
      const learner = cocoop.create(cocoop.parseOptions(goldenOptions), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(0) });
      learner.load(goldenInitialState(c.golden, names));
      return learner as CocoopLearner;
    };

    it("meta-net bias and per-image prompts equal the official intermediates", () => {
      const learner = goldenLearner();
      tf.tidy(() => {
        const imageFeatures = forward(c.backbone, learner, { images: c.images }).imageFeatures;
        assertClose("meta_net_bias", learner.metaNet(imageFeatures).dataSync(), c.golden.get("output.meta_net_bias").data);
        const side = learner.text(imageFeatures);
        if (side.kind !== "inputs") throw new Error("cocoop must hand the text encoder its inputs");
        expect(side.perImage).toBe(true);
        expect(side.input.embeddings.shape).toEqual([4 * 5, 16, 48]);
        assertClose("prompts", side.input.embeddings.dataSync(), c.golden.get("output.prompts").data);
      });
      learner.dispose();
    });

    it("logits, loss, gradients of ctx and the meta-net, and one SGD step", () => {
      const learner = goldenLearner();
      checkAgainstGolden(c, learner, names);
      learner.dispose();
    });
  });
}

describe("CoCoOp options and shapes", () => {
  it("defaults to the paper's c4 config: 4 tokens from 'a photo of a', hidden width embed/16", async () => {
    await initBackend({ backend: "cpu", log: () => {} });
    const c = await loadGoldenCase("cocoop");
    const learner = cocoop.create(cocoop.parseOptions(), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(3) });
    const shapes = Object.fromEntries(Object.entries(learner.params).map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      textContext: [4, 48],
      metaHiddenWeight: [2, 32],
      metaHiddenBias: [2],
      metaOutputWeight: [48, 2],
      metaOutputBias: [48],
    });
    // The word initialisation copies the token embeddings of "a photo of a" (ids 320 502 503 320).
    const table = c.backbone.model.weights.text.tokenEmbedding;
    const expected = tf.tidy(() => tf.concat([320, 502, 503, 320].map((id) => tf.slice(table, [id, 0], [1, 48]))).dataSync());
    assertClose("ctx init", learner.params.textContext.dataSync(), expected, { atolOfMax: 0, rtol: 0 });
    expect(() => learner.text()).toThrow(/VLP_METHOD_INPUT|image features/);
    learner.dispose();
    c.dispose();
  });

  it("runs a large per-image text pass a few images at a time, with the same features as one pass", async () => {
    await initBackend({ backend: "wasm", log: () => {} });
    const c = await loadGoldenCase("cocoop");
    const learner = cocoop.create(cocoop.parseOptions(), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(4) });
    const imageFeatures = tf.tidy(() => forward(c.backbone, learner, { images: c.images }).imageFeatures); // [4, embed]
    const before = tf.memory().numTensors;
    const [oneImageFloats] = tf.tidy(() => {
      const side = learner.text(tf.slice(imageFeatures, [0, 0], [1, -1]));
      return side.kind === "inputs" ? [side.input.embeddings.size] : [0];
    });
    const passes: number[] = []; // images handed to each text() call
    const text = learner.text.bind(learner);
    learner.text = (features) => (passes.push(features!.shape[0]), text(features));
    const whole = textFeaturesOf(c.backbone, learner, imageFeatures); // one pass over 4 x 5 sequences
    expect(passes).toEqual([4]);
    const chunked = textFeaturesOf(c.backbone, learner, imageFeatures, 2 * oneImageFloats!); // two images per pass
    expect(passes).toEqual([4, 4, 2, 2]);
    expect(chunked.shape).toEqual([4, c.classNames.length, whole.shape[2]]);
    assertClose("chunked per-image text features", chunked.dataSync(), whole.dataSync(), { atolOfMax: 1e-6, rtol: 1e-5 });
    const distinct = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(whole, [0], [1]), tf.slice(whole, [1], [1])))).dataSync()[0]!);
    expect(distinct).toBeGreaterThan(0); // the images really get different prompts
    tf.dispose([whole, chunked]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(imageFeatures);
    learner.dispose();
    c.dispose();
  });

  it("rejects class-specific options it does not have", () => {
    expect(() => cocoop.parseOptions({ classSpecific: true })).toThrow(/classSpecific/);
  });
});
