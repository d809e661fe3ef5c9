/**
 * Zero-shot top-1 of a backbone on every built-in dataset (test split) and on EmojiNet in every benchmark
 * style, written into the backbone's training.json (`zeroShot`) and printed as the docs/backbone.md table.
 *   npx tsx --conditions=source scripts/backbone-record.ts [--dir packages/core/assets/default-backbone]
 *     [--templates "{}|a picture of a {}."]
 * The table's accuracy is under the zero-shot method's default template ("a photo of a {}."); --templates adds the
 * accuracy under each other template (the `byTemplate` field), to tell a weak backbone from a prompt it never saw.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { builtinDatasets, crossDomain, defaultBackboneDir, initBackend, loadDataset, zeroShotMethod, type ClassificationDataset } from "../packages/core/src/index.js";
import { backboneIn, scriptArgs, zeroShotAccuracy } from "./script-kit.js";

const args = scriptArgs();
const dir = args.get("dir") ?? defaultBackboneDir;

// Checked by the zero-shot method's options schema: a template without "{}" is an error, not skipped.
const templates = (args.get("templates") ?? "").split("|").filter(Boolean);
for (const template of templates) zeroShotMethod.parseOptions({ template }); // before any evaluation

await initBackend({ backend: args.get("backend") ?? "auto" });
// The backbone in --dir (model.safetensors and vocab.json, as pretrain writes them); the shipped one by default.
const backbone = await backboneIn(dir);
const zeroShot = (dataset: ClassificationDataset, template?: string) => zeroShotAccuracy(backbone, dataset, template);

type Row = { set: string; classes: number; images: number; top1: number; chance: number; byTemplate?: Record<string, number> };
const rows: Row[] = [];
const record = async (set: string, dataset: ClassificationDataset) => {
  const top1 = await zeroShot(dataset);
  const byTemplate: Record<string, number> = {};
  for (const template of templates) byTemplate[template] = await zeroShot(dataset, template);
  rows.push({ set, classes: dataset.classNames.length, images: dataset.size, top1, chance: 1 / dataset.classNames.length, ...(templates.length ? { byTemplate } : {}) });
  const others = Object.entries(byTemplate).map(([t, a]) => `, "${t}" ${(a * 100).toFixed(2)}%`).join("");
  console.log(`${set}: ${(top1 * 100).toFixed(2)}%${others} (chance ${(100 / dataset.classNames.length).toFixed(2)}%)`);
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
const percent = (x: number) => (x * 100).toFixed(2);
console.log(`\n| set | classes | test images | zero-shot top-1 (%) |${templates.map((t) => ` "${t}" |`).join("")} chance (%) |`);
console.log(`| --- | ---: | ---: | ---: |${templates.map(() => " ---: |").join("")} ---: |`);
for (const r of rows) {
  const others = templates.map((t) => ` ${percent(r.byTemplate![t]!)} |`).join("");
  console.log(`| ${r.set} | ${r.classes} | ${r.images} | ${percent(r.top1)} |${others} ${percent(r.chance)} |`);
}
backbone.model.dispose();
