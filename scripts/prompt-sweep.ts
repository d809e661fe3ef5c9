/**
 * Zero-shot top-1 of the default backbone (or --dir) under each of several hand-written prompts, on test splits:
 *   npx tsx --conditions=source scripts/prompt-sweep.ts --datasets emopets,emoflora --templates "{}|an emoji of a {}"
 * The strongest hand-written baseline a learned prompt should beat (docs/backbone.md).
 */
import { initBackend, loadDataset, zeroShotMethod } from "../packages/core/src/index.js";
import { backboneIn, scriptArgs, zeroShotAccuracy } from "./script-kit.js";

const args = scriptArgs();
const datasets = (args.get("datasets") ?? "emopets").split(",").filter(Boolean);
const templates = (args.get("templates") ?? "{}|a photo of a {}.").split("|").filter(Boolean);
for (const template of templates) zeroShotMethod.parseOptions({ template }); // a template without {} fails before any work

await initBackend({ backend: args.get("backend") ?? "auto" });
const backbone = await backboneIn(args.get("dir"));
for (const name of datasets) {
  const dataset = await loadDataset(name, { split: "test" });
  const cells: string[] = [];
  for (const template of templates) cells.push(`"${template}" ${((await zeroShotAccuracy(backbone, dataset, template)) * 100).toFixed(2)}%`);
  console.log(`${name} (${dataset.size} images): ${cells.join(", ")}`);
}
backbone.model.dispose();
