import { afterAll, beforeAll, describe, it } from "vitest";
import { initBackend, Rng } from "@vlprompt/core";
import { checkAgainstGolden, goldenInitialState, loadGoldenCase, type GoldenCase } from "@vlprompt/core/testing";
import { coop } from "./index.js";

const names = { textContext: "prompt_learner.ctx" };

for (const backend of ["cpu", "wasm"] as const) {
  describe(`CoOp matches the official trainers/coop.py (${backend})`, () => {
    beforeAll(() => initBackend({ backend, log: () => {} }));

    for (const [caseName, options] of [
      ["coop", { contextLength: 4 }],
      ["coop_middle_csc", { contextLength: 4, classSpecific: true, classTokenPosition: "middle" }],
    ] as const) {
      describe(caseName, () => {
        let c: GoldenCase;
        beforeAll(async () => (c = await loadGoldenCase(caseName)));
        afterAll(() => c.dispose());

        it("logits, loss, gradients and one SGD step", () => {
          const learner = coop.create(coop.parseOptions(options), { backbone: c.backbone, classNames: c.classNames, rng: new Rng(0) });
          learner.load(goldenInitialState(c.golden, names));
          checkAgainstGolden(c, learner, names);
          learner.dispose();
        });
      });
    }
  });
}
