import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { isVlpromptError } from "../errors.js";
import type { RgbImage } from "./image.js";
import { resizeImage } from "./resample.js";
import { augment, batchToTensor, centreCrop, CLIP_MEAN, CLIP_STD, clipPreprocess, randomResizedCropBox, resizeShorterSide } from "./transforms.js";

/** 7x5 test pattern: pixel (x, y, c) = (37x + 11y + 71c) mod 256. */
function pattern(width = 7, height = 5): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) {
    data[(y * width + x) * 3 + c] = (x * 37 + y * 11 + c * 71) % 256;
  }
  return { width, height, data };
}

// Pillow 9.4 Image.resize(..., Image.BICUBIC) on the same pattern.
const PIL_4x3 = [19, 90, 165, 81, 158, 199, 149, 177, 72, 211, 24, 91, 37, 108, 190, 99, 176, 172, 167, 200, 40, 234, 42,
  115, 55, 126, 202, 117, 196, 105, 191, 130, 63, 165, 55, 133];
const PIL_BOX_3x2 = [58, 129, 208, 124, 207, 75, 190, 102, 69, 76, 148, 216, 142, 220, 73, 206, 110, 88];
const PIL_11x9_FIRST_ROW = [0, 67, 138, 12, 83, 154, 39, 110, 181, 63, 134, 204, 86, 157, 247, 110, 181, 255, 134, 223,
  113, 157, 170, 24, 181, 10, 66, 208, 9, 94, 224, 39, 110];

describe("PIL-style bicubic resampling", () => {
  it("matches Pillow when shrinking (antialiased) and enlarging", () => {
    expect(Array.from(resizeImage(pattern(), 4, 3).data)).toEqual(PIL_4x3);
    expect(Array.from(resizeImage(pattern(), 11, 9).data.subarray(0, 33))).toEqual(PIL_11x9_FIRST_ROW);
  });

  it("matches Pillow with a source box (the random-resized-crop path)", () => {
    const box = { x: 1, y: 1, width: 5, height: 3 };
    expect(Array.from(resizeImage(pattern(), 3, 2, "bicubic", box).data)).toEqual(PIL_BOX_3x2);
  });
});

describe("clipPreprocess", () => {
  it("resizes the shorter side, centre-crops and normalises into NCHW", () => {
    const images = [pattern(), pattern(5, 9)];
    const batch = clipPreprocess(images, { resolution: 4 });
    expect(batch.shape).toEqual([2, 3, 4, 4]);
    expect(batch.data.length).toBe(2 * 3 * 16);
    const square = centreCrop(resizeShorterSide(images[0]!, 4), 4);
    expect(square.width).toBe(4);
    // Channel 1 of pixel (row 2, col 3) of the first image.
    const value = square.data[(2 * 4 + 3) * 3 + 1]!;
    expect(batch.data[1 * 16 + 2 * 4 + 3]).toBeCloseTo((value / 255 - CLIP_MEAN[1]) / CLIP_STD[1], 5);
  });

  it("maps a uniform image to the per-channel normalised constant at any resolution", () => {
    const grey = { width: 10, height: 6, data: new Uint8Array(180).fill(128) };
    for (const resolution of [3, 8, 32]) {
      const batch = clipPreprocess([grey], { resolution });
      for (let c = 0; c < 3; c++) {
        expect(batch.data[c * resolution * resolution]).toBeCloseTo((128 / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!, 5);
      }
    }
  });

  it("rejects a bad resolution with a coded error", () => {
    expect(() => clipPreprocess([pattern()], { resolution: 0 })).toThrowError(/VLP_DATA_BAD_OPTION/);
    try {
      clipPreprocess([pattern()], { resolution: 2.5 });
    } catch (error) {
      expect(isVlpromptError(error, "VLP_DATA_BAD_OPTION")).toBe(true);
    }
  });
});

describe("augment", () => {
  const images = [pattern(16, 12), pattern(12, 16)];

  it("is deterministic under a seed and varies across seeds", () => {
    const a = augment(new Rng(7), images, { resolution: 8 });
    const b = augment(new Rng(7), images, { resolution: 8 });
    const c = augment(new Rng(8), images, { resolution: 8 });
    expect(a.shape).toEqual([2, 3, 8, 8]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it("draws crop boxes inside the image with the requested area range", () => {
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const box = randomResizedCropBox(rng, 40, 30, [0.25, 1]);
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(40);
      expect(box.y + box.height).toBeLessThanOrEqual(30);
      expect(box.width * box.height).toBeGreaterThanOrEqual(0.2 * 1200);
    }
  });

  it("with a full-image crop and no flip equals the plain resize", () => {
    const image = pattern(8, 8);
    const plain = clipPreprocess([image], { resolution: 8 });
    const same = augment(new Rng(1), [image], { resolution: 8, scale: [1, 1], ratio: [1, 1], flipProbability: 0 });
    expect(Array.from(same.data)).toEqual(Array.from(plain.data));
    const flipped = augment(new Rng(1), [image], { resolution: 8, scale: [1, 1], ratio: [1, 1], flipProbability: 1 });
    // Row 0, last column of the flipped red plane = row 0, first column of the original.
    expect(flipped.data[7]).toBeCloseTo(plain.data[0]!, 6);
  });

  it("hands a tf.Tensor4D to the caller", () => {
    const before = tf.memory().numTensors;
    const tensor = batchToTensor(clipPreprocess(images, { resolution: 6 }));
    expect(tensor.shape).toEqual([2, 3, 6, 6]);
    expect(tensor.dtype).toBe("float32");
    tensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
