/**
 * Reproduces the shipped default backbone (docs/backbone.md):
 *   npx tsx --conditions=source scripts/pretrain-default.ts [--steps 2400] [--batch 128] [--lr 1e-3] [--emoji-share 0.5] [--scenes 0.8]
 *     [--out packages/core/assets/default-backbone]   (--emoji-share none draws pairs uniformly)
 * Resumable: run it again after an interruption and it continues from the last checkpoint.
 */
import { initBackend, pretrainDefaultBackbone } from "../packages/core/src/index.js";

const args = new Map<string, string>();
process.argv.slice(2).forEach((arg, i, all) => arg.startsWith("--") && args.set(arg.slice(2), all[i + 1] ?? ""));

await initBackend({ backend: args.get("backend") ?? "auto" });
const { seconds } = await pretrainDefaultBackbone({
  outDir: args.get("out") ?? "packages/core/assets/default-backbone",
  steps: Number(args.get("steps") ?? 2400),
  batchSize: Number(args.get("batch") ?? 128),
  lr: Number(args.get("lr") ?? 1e-3),
  sceneProbability: Number(args.get("scenes") ?? 0.8),
  emojiShare: args.get("emoji-share") === "none" ? null : Number(args.get("emoji-share") ?? 0.5),
  onProgress: (p) => {
    if (p.step % 10 === 0 || p.step === p.steps) {
      console.log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} scale ${p.logitScale.toFixed(1)} ${(p.elapsedMs / 1000).toFixed(0)} s`);
    }
  },
});
console.log(`done in ${seconds.toFixed(0)} s`);
