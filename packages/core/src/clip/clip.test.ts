import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { readSafetensors } from "../tensor/safetensors.js";
import { assertClose, goldensDir, loadGolden } from "../testing/goldens.js";
import { configFromOpenAiJson, inferConfig } from "./config.js";
import { clipLogits, embedTokens, encodeImage, encodeText } from "./encoders.js";
import { ClipModel } from "./model.js";
import { prepareWeights, tensorsFromMap } from "./weights.js";

const golden = loadGolden("backbone");
const config = configFromOpenAiJson(golden.json.clip_config);
const images = golden.get("input.images");
const tokens = golden.get("input.text_tokens");
const labels = Array.from(golden.get("input.labels").data);

function tokenRows(): number[][] {
  const [rows, length] = tokens.shape as [number, number];
  return Array.from({ length: rows }, (_, r) => Array.from(tokens.data.subarray(r * length, (r + 1) * length)));
}

function eotIndices(rows: number[][]): number[] {
  return rows.map((row) => row.indexOf(Math.max(...row)));
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`CLIP backbone on ${backend} matches openai/CLIP`, () => {
    let model: ClipModel;
    beforeAll(async () => {
      await initBackend({ backend, log: () => {} });
      model = await ClipModel.load(`${goldensDir}clip-tiny.openai.safetensors`, { config });
    });

    it("image features, text features and logits", () => {
      const rows = tokenRows();
      const [imageFeatures, textFeatures, logits] = tf.tidy(() => {
        const image = encodeImage(model.weights, tf.tensor4d(images.data as Float32Array, images.shape as any));
        const text = encodeText(model.weights, { embeddings: embedTokens(model.weights, rows), eotIndices: eotIndices(rows) });
        return [image.dataSync(), text.dataSync(), clipLogits(image, text, model.weights.logitScale).dataSync()];
      });
      assertClose("image_features", imageFeatures!, golden.get("output.image_features").data);
      assertClose("text_features", textFeatures!, golden.get("output.text_features").data);
      assertClose("logits_per_image", logits!, golden.get("output.logits_per_image").data);
    });

    it("refuses EOT positions that do not fit the embeddings, naming the bad one, and keeps no tensors", () => {
      const rows = tokenRows();
      const embeddings = embedTokens(model.weights, rows);
      const before = tf.memory().numTensors;
      const tokens = embeddings.shape[1];
      const attempt = (eotIndices: number[]) => () => encodeText(model.weights, { embeddings, eotIndices });
      expect(attempt([...eotIndices(rows).slice(1), tokens])).toThrow(new RegExp(`VLP_TEXT_INPUT.*EOT position ${tokens} of sequence ${rows.length - 1} is outside \\[0, ${tokens}\\)`));
      expect(attempt(eotIndices(rows).slice(1))).toThrow(/VLP_TEXT_INPUT.*EOT positions for \d+ sequences/);
      expect(tf.memory().numTensors).toBe(before);
      embeddings.dispose();
    });

    it("gradient of the loss with respect to every CLIP weight", async () => {
      const { tensors } = await readSafetensors(`${goldensDir}clip-tiny.openai.safetensors`);
      const fullConfig = inferConfig(tensors, config);
      const names = [...tensors.keys()];
      const raw = tensorsFromMap(tensors);
      const rows = tokenRows();
      const lossOf = (...values: tf.Tensor[]) => {
        const weights = prepareWeights(Object.fromEntries(names.map((n, i) => [n, values[i]!])), fullConfig);
        const image = encodeImage(weights, tf.tensor4d(images.data as Float32Array, images.shape as any));
        const text = encodeText(weights, { embeddings: embedTokens(weights, rows), eotIndices: eotIndices(rows) });
        const logits = clipLogits(image, text, weights.logitScale);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, rows.length), logits) as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(lossOf)(names.map((n) => raw[n]!));
      assertClose("loss", value.dataSync(), golden.get("output.loss").data);
      let compared = 0;
      names.forEach((name, i) => {
        const ref = golden.tensors.get(`grad.${name}`);
        if (!ref) return;
        assertClose(`grad.${name}`, grads[i]!.dataSync(), ref.data);
        compared++;
      });
      expect(compared).toBe(golden.json.trainable_parameters.length);
      tf.dispose([value, ...grads, ...Object.values(raw)]);
    });
  });
}
