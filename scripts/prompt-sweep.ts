/**
 * Zero-shot top-1 of the default backbone (or --dir) under each of several hand-written prompts, on test splits:
 *   npx tsx --conditions=source scripts/prompt-sweep.ts --datasets emopets,emoflora --templates "{}|an emoji of a {}"
 * The strongest hand-written baseline a learned prompt should beat (docs/backbone.md).
 */
import { join } from "node:path";
import {
  ClipModel, defaultBackboneDir, evaluateLearner, initBackend, loadBackbone, loadDataset, loadWordTokenizer, Rng, zeroShotMethod,
} from "../packages/core/src/index.js";

const args = new Map<string, string>();
process.argv.slice(2).forEach((arg, i, all) => arg.startsWith("--") && args.set(arg.slice(2), all[i + 1] ?? ""));
const datasets = (args.get("datasets") ?? "emopets").split(",").filter(Boolean);
const templates = (args.get("templates") ?? "{}|a photo of a {}.").split("|").filter(Boolean);
for (const template of templates) zeroShotMethod.parseOptions({ template }); // a template without {} fails before any work
const dir = args.get("dir") ?? defaultBackboneDir;

await initBackend({ backend: args.get("backend") ?? "auto" });
const backbone = dir === defaultBackboneDir
  ? await loadBackbone("default")
  : { model: await ClipModel.load(join(dir, "model.safetensors")), tokenizer: await loadWordTokenizer(join(dir, "vocab.json")), name: dir };
for (const name of datasets) {
  const dataset = await loadDataset(name, { split: "test" });
  const cells: string[] = [];
  for (const template of templates) {
    const learner = zeroShotMethod.create(zeroShotMethod.parseOptions({ template }), { backbone, classNames: dataset.classNames, rng: new Rng(0) });
    try {
      cells.push(`"${template}" ${((await evaluateLearner(backbone, learner, dataset, { batchSize: 250 })).accuracy * 100).toFixed(2)}%`);
    } finally {
      learner.dispose();
    }
  }
  console.log(`${name} (${dataset.size} images): ${cells.join(", ")}`);
}
backbone.model.dispose();
