/**
 * Reproduces the shipped default backbone (docs/backbone.md):
 *   npx tsx --conditions=source scripts/pretrain-default.ts [--steps N] [--batch N] [--lr X] [--emoji-share X|none] [--scenes P] [--grey P]
 *     [--resolution PX] [--out packages/core/assets/default-backbone]
 * Unstated options take defaultPretrainRecipe (src/pretrain/run-default.ts), the shipped backbone's recipe.
 * Resumable: run it again after an interruption and it continues from the last checkpoint.
 */
import { initBackend, pretrainDefaultBackbone } from "../packages/core/src/index.js";
import { scriptArgs } from "./script-kit.js";

const args = scriptArgs();

const number = (name: string) => (args.has(name) ? Number(args.get(name)) : undefined);

await initBackend({ backend: args.get("backend") ?? "auto" });
const { seconds } = await pretrainDefaultBackbone({
  outDir: args.get("out") ?? "packages/core/assets/default-backbone",
  steps: number("steps"),
  batchSize: number("batch"),
  lr: number("lr"),
  sceneProbability: number("scenes"),
  greyProbability: number("grey"),
  emojiShare: args.get("emoji-share") === "none" ? null : number("emoji-share"),
  config: args.has("resolution") ? { imageResolution: number("resolution") } : undefined,
  onProgress: (p) => {
    if (p.step % 10 === 0 || p.step === p.steps) {
      console.log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} scale ${p.logitScale.toFixed(1)} ${(p.elapsedMs / 1000).toFixed(0)} s`);
    }
  },
});
console.log(`done in ${seconds.toFixed(0)} s`);
