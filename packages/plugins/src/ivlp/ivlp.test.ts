import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canCacheImageFeatures, initBackend, Rng } from "@vlprompt/core";
import {
  assertClose,
  checkAgainstGolden,
  goldenInitialState,
  halfGradTolerance,
  loadGoldenCase,
  type GoldenCase,
} from "@vlprompt/core/testing";
import { ivlp, ivlpOfficialName } from "./index.js";

/** Our parameter names -> the official names in multimodal-prompt-learning's IVLP CustomCLIP (depths 2/2). */
const names = {
  textContext: "prompt_learner.ctx",
  "textDeepPrompts.1": "text_encoder.transformer.resblocks.1.VPT_shallow",
  visionPrompts: "image_encoder.VPT",
  "visionDeepPrompts.1": "image_encoder.transformer.resblocks.1.VPT_shallow",
};
const goldenOptions = { textContextLength: 2, visionContextLength: 2, textDepth: 2, visionDepth: 2, contextInit: null };

for (const backend of ["cpu", "wasm"] as const) {
  describe(`IVLP matches multimodal-prompt-learning trainers/independentVL.py (${backend})`, () => {
    beforeAll(() => initBackend({ backend, log: () => {} }));

    for (const [caseName, half] of [["ivlp", true], ["ivlp.nohalf", false]] as const) {
      describe(caseName, () => {
        let c: GoldenCase;
        beforeAll(async () => (c = await loadGoldenCase(caseName)));
        afterAll(() => c.dispose());

        it("prompts, logits, loss, gradients and one SGD step", () => {
          const options = ivlp.parseOptions({ ...goldenOptions, halfPrecisionPrompts: half });
          const learner = ivlp.create(options, { backbone: c.backbone, classNames: c.classNames, rng: new Rng(0) });
          expect(Object.keys(learner.params).sort()).toEqual(Object.keys(names).sort());
          for (const [ours, official] of Object.entries(names)) expect(ivlpOfficialName(ours)).toBe(official);
          learner.load(goldenInitialState(c.golden, names));
          tf.tidy(() => {
            const side = learner.text();
            if (side.kind !== "inputs") throw new Error("IVLP learns its text prompts");
            assertClose("prompts", side.input.embeddings.dataSync(), c.golden.get("output.prompts").data);
          });
          checkAgainstGolden(c, learner, names, half ? { gradTolerance: halfGradTolerance, lossAfterStepRtol: 2e-4 } : {});
          learner.dispose();
        });
      });
    }
  });
}

describe("IVLP learner", () => {
  let c: GoldenCase;
  beforeAll(async () => {
    await initBackend({ backend: "cpu", log: () => {} });
    c = await loadGoldenCase("ivlp");
  });
  afterAll(() => c.dispose());
  const create = (options: object, seed = 0) =>
    ivlp.create(ivlp.parseOptions(options), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(seed) });

  it("defaults to the 2+2 configuration with every block prompted", () => {
    expect(ivlp.parseOptions()).toMatchObject({ textContextLength: 2, visionContextLength: 2, textDepth: 12, visionDepth: 12, contextInit: "a photo of a" });
    const learner = create({});
    expect(Object.keys(learner.params).sort()).toEqual(Object.keys(names).sort());
    expect(canCacheImageFeatures(learner)).toBe(false);
    learner.dispose();
  });

  it("language-only prompting leaves the image encoder alone (cacheable image features)", () => {
    const learner = create({ visionDepth: 0, visionContextLength: 0, textContextLength: 4, textDepth: 1 });
    expect(Object.keys(learner.params)).toEqual(["textContext"]);
    expect(learner.vision).toBeUndefined();
    expect(canCacheImageFeatures(learner)).toBe(true);
    learner.dispose();
  });

  it("state round-trips and dispose() frees every tensor (training-step leaks: see the conformance suite)", () => {
    const before = tf.memory().numTensors;
    const a = create({}, 1);
    const b = create({}, 2);
    b.load(a.state());
    expect(Array.from(b.params["visionDeepPrompts.1"]!.dataSync())).toEqual(Array.from(a.params["visionDeepPrompts.1"]!.dataSync()));
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
