/**
 * Zero-shot of a downstream dataset's classes on the corpus's own artworks of those classes (the pretraining
 * styles, seen in training), clean and drawn as scenes: separates "the backbone did not learn the concepts" from
 * "the test renders and styles differ" (docs/backbone.md, "What this means").
 *   npx tsx --conditions=source scripts/backbone-probe.ts [--dataset emopets]
 */
import * as tf from "@tensorflow/tfjs";
import { batchToTensor, clipPreprocess, initBackend, loadBackbone, loadCorpus, templateFeatures } from "../packages/core/src/index.js";
import { encodeImage } from "../packages/core/src/clip/encoders.js";
import { readDatasetFile } from "../packages/core/src/data/dataset-files.js";
import { scriptArgs } from "./script-kit.js";

const args = scriptArgs();

await initBackend({ backend: args.get("backend") ?? "auto", log: () => {} });
const backbone = await loadBackbone("default");
const file = readDatasetFile(args.get("dataset") ?? "emopets");
const classOfKey = new Map<string, number>();
file.classes.forEach((cls, label) => cls.keys.forEach((key) => classOfKey.set(key, label)));

const corpus = loadCorpus();
const byDomain = new Map<string, { index: number; label: number }[]>();
for (let i = 0; i < corpus.size; i++) {
  const concept = corpus.concept(i);
  const label = concept?.startsWith("emoji:") ? classOfKey.get(concept.slice("emoji:".length)) : undefined;
  if (label === undefined) continue;
  const items = byDomain.get(corpus.domain(i)) ?? [];
  items.push({ index: i, label });
  byDomain.set(corpus.domain(i), items);
}

const text = tf.tidy(() => {
  const raw = templateFeatures(backbone, file.classes.map((cls) => cls.name)); // [classes, embed]
  return tf.div(raw, tf.norm(raw, 2, -1, true));
});
for (const [domain, items] of byDomain) {
  for (const scene of [false, true]) {
    const pictures = await Promise.all(items.map(({ index }) => (scene ? corpus.scene!(index, index) : corpus.image(index))));
    const predicted = tf.tidy(() => {
      const images = encodeImage(backbone.model.weights, batchToTensor(clipPreprocess(pictures, { resolution: backbone.model.config.imageResolution })));
      return tf.argMax(tf.matMul(images, text, false, true), -1).dataSync(); // unit text rows: cosine ranking per image
    });
    const correct = items.filter((item, k) => predicted[k] === item.label).length;
    console.log(`${file.name} classes as ${domain} artworks${scene ? " drawn as scenes" : ""}: ${((100 * correct) / items.length).toFixed(1)}% of ${items.length}`);
  }
}
text.dispose();
backbone.model.dispose();
