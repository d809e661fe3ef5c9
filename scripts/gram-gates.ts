/**
 * How much a meta-learned GRAM regulator changes real fine-tuning gradients (docs/results.md, "Why GRAM does not
 * help here"). Trains GRAM-wrapped CoOp (4 context tokens, the results' recipe) for one epoch on a built-in
 * dataset and, at every step, compares the raw gradient g of the prompt with the regulated psi(g): the spread of
 * the per-element gate psi(g)/g, the norm ratio |psi(g)|/|g| and the cosine between them. Also how far the
 * meta-learned initialisation lies from where meta-training started (CoOp's initialisation under the meta-training seed, 1).
 *   npx tsx --conditions=source scripts/gram-gates.ts <meta-checkpoint.safetensors> [--dataset emopets] [--shots 4]
 */
import "reflect-metadata";
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { fewShot, initBackend, loadBackbone, loadDataset, resolveRecipe, Rng, train, withGram, type TrainerHooks } from "../packages/core/src/index.js";
import { coop } from "../packages/plugins/src/index.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { dataset: { type: "string", default: "emopets" }, shots: { type: "string", default: "4" } },
});
if (positionals.length !== 1) throw new Error("usage: scripts/gram-gates.ts <meta-checkpoint.safetensors> [--dataset emopets] [--shots 4]");

await initBackend({ backend: "auto", log: () => {} });
const backbone = await loadBackbone("default");
const dataset = fewShot(loadDataset(args.dataset!, { split: "train" }), { shots: Number(args.shots), seed: 1 });
const options = coop.parseOptions({ contextLength: 4 });
const context = { backbone, classNames: dataset.classNames, rng: new Rng(1) };
const gram = withGram(coop, { metaCheckpoint: positionals[0]! });
const learner = gram.create(options, context);
const bare = coop.create(options, { ...context, rng: new Rng(1) });

const quantile = (sorted: Float32Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const rows: string[] = [];
const hooks: TrainerHooks[] = [{
  afterBackward: (grads, step) => {
    const raw = grads.textContext!;
    const [gates, normRatio, cosine] = tf.tidy(() => {
      const regulated = learner.regulators!.apply({ textContext: raw }).textContext!;
      const ratio = tf.div(regulated, tf.add(raw, tf.mul(tf.sign(raw), 1e-30)));
      const dot = tf.sum(tf.mul(raw, regulated)).dataSync()[0]!;
      const [a, b] = [tf.norm(raw).dataSync()[0]!, tf.norm(regulated).dataSync()[0]!];
      return [(ratio.dataSync() as Float32Array).slice().sort(), b / a, dot / (a * b)] as const;
    });
    rows.push(`step ${step.step}: gate psi(g)/g quantiles 1% ${quantile(gates, 0.01).toFixed(4)}, median ${quantile(gates, 0.5).toFixed(4)}, 99% ${quantile(gates, 0.99).toFixed(4)}; |psi(g)|/|g| ${normRatio.toFixed(4)}; cos ${cosine.toFixed(5)}`);
  },
}];
const initShift = tf.tidy(() => {
  const [meta, own] = [learner.params.textContext!, bare.params.textContext!];
  return [tf.norm(tf.sub(meta, own)).dataSync()[0]! / tf.norm(own).dataSync()[0]!, tf.norm(meta).dataSync()[0]!, tf.norm(own).dataSync()[0]!];
});
const recipe = resolveRecipe({ overrides: { epochs: 1, batchSize: 32, lr: 0.01 } });
await train({ backbone, learner, dataset, recipe, seed: 1, hooks });
console.log(`${positionals[0]} on ${args.dataset} ${args.shots}-shot (${dataset.size} images), one epoch of CoOp`);
console.log(`init moved by meta-training: |meta - start| / |start| = ${initShift[0]!.toFixed(3)} (|meta| ${initShift[1]!.toFixed(3)}, |start| ${initShift[2]!.toFixed(3)})`);
rows.forEach((row) => console.log(row));
learner.dispose();
bare.dispose();
backbone.model.dispose();
