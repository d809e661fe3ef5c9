/**
 * Is a dataset's weak zero-shot a vision problem or an alignment problem? For one dataset and a backbone, prints:
 * zero-shot top-1 under a few prompts; a K-shot class-mean ("prototype") classifier and a 1-nearest-neighbour
 * classifier on the frozen image features (no text at all); and, for Fashion-MNIST, zero-shot on the same ten
 * clothing concepts drawn as emoji in each benchmark style (docs/backbone.md, "Fashion-MNIST: a domain gap").
 *   npx tsx --conditions=source scripts/domain-gap.ts [--dataset fashionmnist] [--shots 16] [--seed 1] [--dir <backbone dir>]
 */
import * as tf from "@tensorflow/tfjs";
import { crossDomain, encodeDataset, fewShot, initBackend, loadDataset, Rng, zeroShotMethod, type ClassificationDataset } from "../packages/core/src/index.js";
import { backboneIn, scriptArgs, zeroShotAccuracy } from "./script-kit.js";

const args = scriptArgs();
const datasetName = args.get("dataset") ?? "fashionmnist";
const shots = Number(args.get("shots") ?? 16);
const seed = Number(args.get("seed") ?? 1);
const templates = ["{}", "a photo of a {}.", "a picture of a {}."];
/** EmojiNet's nearest concepts to Fashion-MNIST's ten classes, in its class order. */
const clothingEmoji = ["t-shirt", "jeans", "woman’s clothes", "dress", "kimono", "woman’s sandal", "man’s shoe", "running shoe", "handbag", "woman’s boot"];

await initBackend({ backend: args.get("backend") ?? "auto" });
const backbone = await backboneIn(args.get("dir"));
const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
const zeroShot = (dataset: ClassificationDataset, template: string) => zeroShotAccuracy(backbone, dataset, template);

/** Top-1 of the class-mean and of the 1-nearest-neighbour classifier over unit image features. */
async function imageOnly(train: ClassificationDataset, test: ClassificationDataset): Promise<{ prototype: number; nearest: number }> {
  const learner = zeroShotMethod.create(zeroShotMethod.parseOptions({}), { backbone, classNames: test.classNames, rng: new Rng(0) });
  const testFeatures = await encodeDataset(backbone, learner, test, { batchSize: 250 }); // [test items, embed]
  const trainFeatures = await encodeDataset(backbone, learner, train, { batchSize: 250 }); // [train items, embed]
  learner.dispose();
  const scores = tf.tidy(() => {
    const unit = (x: tf.Tensor2D) => tf.div(x, tf.norm(x, 2, 1, true)) as tf.Tensor2D;
    const [query, keys] = [unit(testFeatures), unit(trainFeatures)];
    const trainLabels = tf.tensor1d(train.labels(), "int32");
    const truth = tf.tensor1d(test.labels(), "int32");
    const oneHot = tf.oneHot(trainLabels, test.classNames.length).toFloat(); // [train items, classes]
    const prototypes = unit(tf.matMul(oneHot, keys, true, false)); // [classes, embed]
    const byPrototype = tf.argMax(tf.matMul(query, prototypes, false, true), 1);
    const byNeighbour = tf.gather(trainLabels, tf.argMax(tf.matMul(query, keys, false, true), 1));
    const accuracy = (predicted: tf.Tensor) => tf.mean(tf.equal(predicted, truth).toFloat());
    return tf.stack([accuracy(byPrototype), accuracy(byNeighbour)]);
  });
  const [prototype, nearest] = Array.from(await scores.data());
  tf.dispose([scores, testFeatures, trainFeatures]);
  return { prototype: prototype!, nearest: nearest! };
}

const test = await loadDataset(datasetName, { split: "test" });
const train = fewShot(await loadDataset(datasetName, { split: "train" }), { shots, seed });
console.log(`${datasetName}: ${test.classNames.length} classes, chance ${percent(1 / test.classNames.length)}`);
for (const template of templates) console.log(`  zero-shot "${template}": ${percent(await zeroShot(test, template))}`);
const { prototype, nearest } = await imageOnly(train, test);
console.log(`  ${shots}-shot class mean on image features: ${percent(prototype)}; 1-nearest neighbour: ${percent(nearest)}`);

if (datasetName === "fashionmnist") {
  console.log(`the same ten concepts drawn as emoji (EmojiNet test split, ${clothingEmoji.join(", ")}):`);
  for (const style of ["noto", ...crossDomain.targets.flatMap((target) => target.styles)]) {
    const all = await loadDataset(crossDomain.dataset, { split: "test", style });
    const clothing = all.selectClasses(clothingEmoji.map((name) => all.classNames.indexOf(name)), "emoji clothing");
    const cells = [];
    for (const template of templates) cells.push(`"${template}" ${percent(await zeroShot(clothing, template))}`);
    console.log(`  ${style} (${clothing.size} images): ${cells.join(", ")}`);
  }
}
backbone.model.dispose();
