import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classCounts } from "./dataset.js";
import type { SkippedImage } from "./decode.js";
import { loadImageFolder } from "./folder.js";
import { loadImagePairs, parseCsv, readPairsFile } from "./pairs.js";
import { loadSharp } from "./raster.js";

let root: string;

/** A solid-colour image file of the given format. */
async function writeImage(path: string, colour: [number, number, number], format: "png" | "jpeg" | "webp", size = [12, 8]): Promise<void> {
  const sharp = await loadSharp();
  const [width, height] = size as [number, number];
  const pixels = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) pixels.set(colour, p * 3);
  await sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toFile(path);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "vlp-folder-"));
  const good = join(root, "good");
  for (const name of ["red_apple", "sky"]) mkdirSync(join(good, name), { recursive: true });
  await writeImage(join(good, "red_apple", "a.png"), [220, 20, 20], "png");
  await writeImage(join(good, "red_apple", "b.JPG"), [200, 30, 30], "jpeg");
  await writeImage(join(good, "sky", "c.webp"), [30, 60, 220], "webp", [300, 400]);
  writeFileSync(join(good, "sky", "broken.png"), "this is not a png");
  writeFileSync(join(good, "sky", "notes.txt"), "ignored: not an image");
  mkdirSync(join(root, "empty", "cats"), { recursive: true });
  mkdirSync(join(root, "empty", "dogs"), { recursive: true });
  await writeImage(join(root, "empty", "dogs", "d.png"), [1, 2, 3], "png");
  writeFileSync(join(root, "empty", "cats", "bad.jpg"), "truncated");
  mkdirSync(join(root, "flat"), { recursive: true });
  await writeImage(join(root, "flat", "x.png"), [0, 0, 0], "png");
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("loadImageFolder", () => {
  it("reads one class per folder, skips and reports unreadable images, decodes on demand", async () => {
    const reported: SkippedImage[] = [];
    const d = await loadImageFolder(join(root, "good"), { onSkip: (s) => reported.push(s) });
    expect(d.classNames).toEqual(["red apple", "sky"]);
    expect(classCounts(d)).toEqual([2, 1]);
    expect(d.skipped.map((s) => s.path)).toEqual([join(root, "good", "sky", "broken.png")]);
    expect(reported).toEqual(d.skipped);
    const apple = await d.image(0);
    expect([apple.width, apple.height]).toEqual([12, 8]);
    expect(Array.from(apple.data.subarray(0, 3))).toEqual([220, 20, 20]);
    const sky = await d.image(2);
    expect([sky.width, sky.height]).toEqual([256, 341]); // shorter side shrunk to 256 on decode
    expect(d.path(2)).toBe(join(root, "good", "sky", "c.webp"));
  });

  it("fails before training on a missing folder, no class folders, or an empty class", async () => {
    await expect(loadImageFolder(join(root, "nope"))).rejects.toThrowError(/VLP_DATA_FOLDER_MISSING/);
    await expect(loadImageFolder(join(root, "flat"))).rejects.toThrowError(/VLP_DATA_NO_CLASSES/);
    await expect(loadImageFolder(join(root, "empty"))).rejects.toThrowError(/VLP_DATA_EMPTY_CLASS.*"cats"/s);
  });
});

describe("image-text pairs", () => {
  it("parses CSV with quotes, doubled quotes and newlines in fields", () => {
    expect(parseCsv('image,caption\r\na.png,"red, ripe ""apple"""\nb.png,"two\nlines"\n')).toEqual([
      ["image", "caption"], ["a.png", 'red, ripe "apple"'], ["b.png", "two\nlines"],
    ]);
  });

  it("reads JSONL and CSV files with paths relative to the file, skipping unreadable images", async () => {
    const dir = join(root, "good");
    writeFileSync(join(dir, "pairs.jsonl"), [
      JSON.stringify({ image: "red_apple/a.png", caption: "a red apple" }),
      "",
      JSON.stringify({ path: "sky/broken.png", text: "broken" }),
      JSON.stringify({ image: "sky/c.webp", caption: "blue sky" }),
    ].join("\n"));
    writeFileSync(join(dir, "pairs.csv"), 'file,text\nred_apple/b.JPG,"apple, dark"\nsky/c.webp,sky\n');
    const reported: string[] = [];
    const jsonl = await loadImagePairs(join(dir, "pairs.jsonl"), { onSkip: (s) => reported.push(s.path) });
    expect(jsonl.size).toBe(2);
    expect(reported).toEqual([join(dir, "sky", "broken.png")]);
    expect([jsonl.caption(0), jsonl.caption(1)]).toEqual(["a red apple", "blue sky"]);
    expect((await jsonl.image(1)).width).toBe(256);
    const csv = readPairsFile(join(dir, "pairs.csv"));
    expect(csv).toEqual([{ image: join(dir, "red_apple", "b.JPG"), caption: "apple, dark" }, { image: join(dir, "sky", "c.webp"), caption: "sky" }]);
    expect((await loadImagePairs(join(dir, "pairs.csv"))).subset([1]).caption(0)).toBe("sky");
  });

  it("reports malformed files and files without usable pairs as coded errors", async () => {
    writeFileSync(join(root, "bad.jsonl"), '{"image": "a.png"}\nnot json\n');
    writeFileSync(join(root, "bad.csv"), "picture,words\na.png,b\n");
    writeFileSync(join(root, "none.jsonl"), JSON.stringify({ image: "good/sky/broken.png", caption: "x" }));
    expect(() => readPairsFile(join(root, "bad.jsonl"))).toThrowError(/VLP_DATA_PAIRS_FORMAT.*line 1.*line 2/s);
    expect(() => readPairsFile(join(root, "bad.csv"))).toThrowError(/VLP_DATA_PAIRS_FORMAT/);
    expect(() => readPairsFile(join(root, "missing.csv"))).toThrowError(/VLP_DATA_FOLDER_MISSING/);
    await expect(loadImagePairs(join(root, "none.jsonl"))).rejects.toThrowError(/VLP_DATA_PAIRS_FORMAT/);
  });
});
