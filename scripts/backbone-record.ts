/**
 * Zero-shot top-1 of a backbone on every built-in dataset (test split) and on EmojiNet in every benchmark
 * style, written into the backbone's training.json (`zeroShot`) and printed as the docs/backbone.md table.
 *   npx tsx --conditions=source scripts/backbone-record.ts [--dir packages/core/assets/default-backbone]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  builtinDatasets, ClipModel, crossDomain, defaultBackboneDir, evaluateLearner, initBackend, loadBackbone, loadDataset, loadWordTokenizer, Rng,
  zeroShotMethod,
  type ClassificationDataset,
} from "../packages/core/src/index.js";

const args = new Map<string, string>();
process.argv.slice(2).forEach((arg, i, all) => arg.startsWith("--") && args.set(arg.slice(2), all[i + 1] ?? ""));
const dir = args.get("dir") ?? defaultBackboneDir;

await initBackend({ backend: args.get("backend") ?? "auto" });
// The backbone in --dir (model.safetensors and vocab.json, as pretrain writes them); the shipped one by default.
const backbone = dir === defaultBackboneDir
  ? await loadBackbone("default")
  : { model: await ClipModel.load(join(dir, "model.safetensors")), tokenizer: await loadWordTokenizer(join(dir, "vocab.json")), name: dir };

async function zeroShot(dataset: ClassificationDataset): Promise<number> {
  const learner = zeroShotMethod.create(zeroShotMethod.parseOptions({}), { backbone, classNames: dataset.classNames, rng: new Rng(0) });
  try {
    return (await evaluateLearner(backbone, learner, dataset, { batchSize: 256 })).accuracy;
  } finally {
    learner.dispose();
  }
}

const rows: { set: string; classes: number; images: number; top1: number; chance: number }[] = [];
const record = async (set: string, dataset: ClassificationDataset) => {
  const top1 = await zeroShot(dataset);
  rows.push({ set, classes: dataset.classNames.length, images: dataset.size, top1, chance: 1 / dataset.classNames.length });
  console.log(`${set}: ${(top1 * 100).toFixed(2)}% (chance ${(100 / dataset.classNames.length).toFixed(2)}%)`);
};
for (const info of builtinDatasets) {
  try {
    await record(info.name, await loadDataset(info.name, { split: "test" }));
  } catch (error) {
    console.log(`${info.name}: skipped (${(error as Error).message.split("\n")[0]})`);
  }
}
for (const style of ["noto", ...crossDomain.targets.flatMap((t) => t.styles)]) {
  await record(`emojinet@${style}`, await loadDataset(crossDomain.dataset, { split: "test", style }));
}
const trainingPath = join(dir, "training.json");
const training = JSON.parse(readFileSync(trainingPath, "utf8"));
writeFileSync(trainingPath, JSON.stringify({ ...training, zeroShot: rows }, null, 1));
console.log("\n| set | classes | test images | zero-shot top-1 (%) | chance (%) |\n| --- | ---: | ---: | ---: | ---: |");
for (const r of rows) console.log(`| ${r.set} | ${r.classes} | ${r.images} | ${(r.top1 * 100).toFixed(2)} | ${(r.chance * 100).toFixed(2)} |`);
backbone.model.dispose();
