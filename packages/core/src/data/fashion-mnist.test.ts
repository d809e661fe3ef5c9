import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classCounts } from "./dataset.js";
import { parseIdx, storeFashionMnist } from "./fashion-mnist.js";
import { loadFixtureDataset } from "./fixture.js";
import { fixtureDir } from "./paths.js";
import { ImageStore } from "./store.js";

const idxDir = join(fixtureDir(), "fashion-mnist");

describe("Fashion-MNIST", () => {
  it("parses gzipped IDX files and rejects malformed ones", () => {
    const images = parseIdx(readFileSync(join(idxDir, "train-images-idx3-ubyte.gz")));
    const labels = parseIdx(readFileSync(join(idxDir, "train-labels-idx1-ubyte.gz")));
    expect(images.dims).toEqual([50, 28, 28]);
    expect(labels.dims).toEqual([50]);
    expect(Math.max(...labels.data)).toBe(9);
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/IDX/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9, 1]))).toThrow(/dims/);
  });

  it("stores the IDX files as a labelled grey source and loads them as a dataset", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vlp-fmnist-"));
    try {
      const store = new ImageStore(dir);
      expect(storeFashionMnist(idxDir, store)).toBe(70);
      expect(store.readIndex("fashion-mnist-test").labels).toHaveLength(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const train = loadFixtureDataset({ kind: "fashion" });
    expect(classCounts(train)).toEqual(Array(10).fill(5));
    expect(loadFixtureDataset({ kind: "fashion", split: "test" }).size).toBe(20);
    const image = await train.image(0);
    expect([image.width, image.height]).toEqual([28, 28]);
    expect(image.data[0]).toBe(image.data[1]); // grey replicated to RGB
  });
});
