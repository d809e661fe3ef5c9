import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { isVlpromptError } from "../errors.js";
import { goldensDir, loadGolden } from "../testing/goldens.js";
import { configFromOpenAiJson } from "./config.js";
import { clipLogits, embedTokens, encodeImage, encodeText } from "./encoders.js";
import { ClipModel } from "./model.js";

const golden = loadGolden("backbone");
const config = configFromOpenAiJson(golden.json.clip_config);

function forward(model: ClipModel): Float32Array {
  return tf.tidy(() => {
    const images = golden.get("input.images");
    const rows = [[510, 7, 9, 269, 511, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [510, 42, 269, 511, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]];
    const image = encodeImage(model.weights, tf.tensor4d(images.data as Float32Array, images.shape as any));
    const text = encodeText(model.weights, { embeddings: embedTokens(model.weights, rows), eotIndices: [4, 3] });
    return clipLogits(image, text, model.weights.logitScale).dataSync() as Float32Array;
  });
}

describe("loading CLIP weights", () => {
  beforeAll(() => initBackend({ backend: "cpu", log: () => {} }));

  it("OpenAI and Hugging Face key names give identical outputs", async () => {
    const openai = await ClipModel.load(`${goldensDir}clip-tiny.openai.safetensors`, { config });
    const hf = await ClipModel.load(`${goldensDir}clip-tiny.hf.safetensors`, { config });
    expect(Array.from(forward(hf))).toEqual(Array.from(forward(openai)));
    expect(hf.config).toEqual(openai.config);
    openai.dispose();
    hf.dispose();
  });

  it("infers the config from shapes", async () => {
    const model = await ClipModel.load(`${goldensDir}clip-tiny.openai.safetensors`, { config: { textHeads: 4, visionHeads: 1 } });
    expect(model.config).toMatchObject({ embedDim: 32, imageResolution: 32, visionLayers: 2, visionWidth: 64, visionPatchSize: 8, contextLength: 16, vocabSize: 512, textWidth: 48, textLayers: 2 });
    model.dispose();
  });

  it("a width that is not a multiple of 64 without head counts is a coded error", async () => {
    await expect(ClipModel.load(`${goldensDir}clip-tiny.openai.safetensors`)).rejects.toSatisfy((e) => isVlpromptError(e, "VLP_WEIGHTS_SHAPE"));
  });

  it("truncated, garbage and missing files are coded errors, never crashes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vlp-weights-"));
    const bytes = readFileSync(`${goldensDir}clip-tiny.openai.safetensors`);
    const cases: [string, Uint8Array, string][] = [
      ["truncated.safetensors", bytes.subarray(0, bytes.length - 1000), "VLP_WEIGHTS_CORRUPT"],
      ["tiny.safetensors", bytes.subarray(0, 5), "VLP_WEIGHTS_CORRUPT"],
      ["garbage.safetensors", new Uint8Array(4096).fill(0xff), "VLP_WEIGHTS_CORRUPT"],
      ["badjson.safetensors", Buffer.concat([Buffer.from([10, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("{not json}")]), "VLP_WEIGHTS_CORRUPT"],
    ];
    for (const [name, content, code] of cases) {
      writeFileSync(join(dir, name), content);
      await expect(ClipModel.load(join(dir, name), { config })).rejects.toSatisfy((e) => isVlpromptError(e, code));
    }
    await expect(ClipModel.load(join(dir, "absent.safetensors"))).rejects.toSatisfy((e) => isVlpromptError(e, "VLP_WEIGHTS_NOT_FOUND"));
  });

  it("forward + backward 20 times leaves no tensors behind", async () => {
    const model = await ClipModel.load(`${goldensDir}clip-tiny.openai.safetensors`, { config });
    const context = tf.variable(tf.randomNormal([2, 48], 0, 0.02));
    const images = golden.get("input.images");
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const base = embedTokens(model.weights, [[510, 343, 343, 7, 269, 511, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]);
        const embeddings = tf.concat([tf.slice(base, [0, 0, 0], [1, 1, 48]), tf.reshape(context, [1, 2, 48]), tf.slice(base, [0, 3, 0], [1, 13, 48])], 1);
        const text = encodeText(model.weights, { embeddings: embeddings as tf.Tensor3D, eotIndices: [5] });
        const image = encodeImage(model.weights, tf.tensor4d(images.data as Float32Array, images.shape as any));
        return tf.mean(clipLogits(image, text, model.weights.logitScale)) as tf.Scalar;
      }, [context]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    context.dispose();
    model.dispose();
  });
});
