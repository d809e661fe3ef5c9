/**
 * GRAM meta-training speed: outer steps per second of MetaSession (CoOp as the inner method, the default gated
 * regulators, first order) on a synthetic image-caption corpus, with the end-to-end backbone's shape (the first default
 * backbone's shape, 32 px, 77-token context). TypeScript only: the reference GRAM code is not public (shared
 * reference gram.md), so there is no PyTorch baseline for this row.
 */
import { MetaSession, Rng, WordTokenizer } from "../packages/core/src/index.js";
import { syntheticCorpus } from "../packages/core/src/gram/test-corpus.js";
import { coop } from "../packages/plugins/src/index.js";
import { e2eBackbone, e2eConfig, e2eWeights } from "./e2e.js";
import { timeRuns, type Timing } from "./ts-workloads.js";

export const META_SETTINGS = {
  coarseClusters: 4, finePerCoarse: 5, ways: 5, supportShots: 4, queryShots: 4, tasksPerStep: 4, innerSteps: 1, nameWords: 1,
};

export async function gramMetaSteps(repeats: number): Promise<Timing> {
  const tokenizer = WordTokenizer.fromWords(["x", ...Array.from({ length: 64 }, (_, i) => `t${i}`)]);
  const backbone = e2eBackbone(e2eWeights(e2eConfig(tokenizer)), tokenizer);
  const corpus = syntheticCorpus({ domains: 4, classesPerDomain: 5, perClass: 12, resolution: backbone.model.config.imageResolution, seed: new Rng(3).int(1000) });
  const session = await MetaSession.open({ method: coop, methodOptions: {}, backbone, corpus, settings: META_SETTINGS });
  const runs = await timeRuns(repeats, async () => {
    await session.outerStep();
  });
  session.dispose();
  backbone.model.dispose();
  const perSecond = 1000 / runs.reduce((a, b) => a + b, 0) * runs.length;
  return { runs, stepsPerSecond: perSecond, settings: META_SETTINGS };
}
