import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageDir } from "./paths.js";
import { toStoredPixels } from "./pixels.js";
import { formatPrepareReport, prepareCache, type PrepareProgress } from "./prepare.js";
import { RasterPool } from "./raster.js";
import { readEmojiTextFile } from "./corpus.js";
import { iconifySvg, listSourceEntries, readerRevision } from "./read-sources.js";
import { sourceById } from "./sources.js";
import { ImageStore } from "./store.js";

const scratch = mkdtempSync(join(tmpdir(), "vlp-prepare-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const square = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect x="0" y="0" width="4" height="8" fill="#ff0000"/><rect x="4" y="0" width="4" height="8" fill="#0000ff" fill-opacity="0.5"/></svg>';
const wide = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 8"><rect width="16" height="8" fill="#000"/></svg>';

describe("rasterising", () => {
  it("renders SVGs to premultiplied RGBA squares, letterboxing non-square drawings", async () => {
    const pool = new RasterPool(join(scratch, "pool"), 2);
    const out = new Map<number, Uint8Array>();
    const report = await pool.renderSvgs([square, wide], 8, "rgba", (i, rgba) => out.set(i, rgba));
    expect(report).toEqual({ fallbacks: [], failures: [] });
    const red = out.get(0)!;
    expect(Array.from(red.subarray(0, 4))).toEqual([255, 0, 0, 255]);
    expect(Array.from(red.subarray(7 * 4, 8 * 4))).toEqual([0, 0, 255, 128]); // straight alpha
    const letterboxed = out.get(1)!;
    expect(letterboxed[3]).toBe(0); // top row transparent
    expect(letterboxed[(4 * 8) * 4 + 3]).toBe(255); // middle row opaque
    const premultiplied = new Uint8Array([255, 0, 0, 255, 0, 0, 128, 128]);
    expect(Array.from(toStoredPixels(premultiplied, "rgba"))).toEqual([255, 0, 0, 255, 0, 0, 255, 128]);
    expect(Array.from(toStoredPixels(premultiplied, "alpha"))).toEqual([255 - 76, 128 - Math.round(0.114 * 128)]);
  });

  it("survives SVGs that abort resvg: the child dies, sharp draws them, the rest still render", async () => {
    const set = JSON.parse(readFileSync(join(packageDir("@iconify-json/noto-v1"), "icons.json"), "utf8"));
    const crasher = iconifySvg(set, set.icons["ambulance"]);
    const pool = new RasterPool(join(scratch, "pool2"), 1);
    const out = new Map<number, Uint8Array>();
    const report = await pool.renderSvgs([square, crasher, square], 16, "rgba", (i, rgba) => out.set(i, rgba));
    expect(report.fallbacks).toEqual([1]);
    expect(report.failures).toEqual([]);
    expect(out.size).toBe(3);
    const alpha = Array.from({ length: 256 }, (_, p) => out.get(1)![p * 4 + 3]!);
    expect(alpha.filter((a) => a > 0).length).toBeGreaterThan(50);
  });
});

describe("prepareCache", () => {
  it("builds a source into the cache once, reports counts and progress, and reuses it on the next run", async () => {
    const cacheDir = join(scratch, "cache");
    const seen: PrepareProgress[] = [];
    const first = await prepareCache({ cacheDir, sources: ["pixelarticons"], limitPerSource: 300, fashionMnist: false, onProgress: (p) => seen.push(p) });
    expect(first.sources["pixelarticons"]).toMatchObject({ reused: false, failures: 0 });
    const count = first.sources["pixelarticons"]!.images;
    expect(count).toBe(300);
    const renders = seen.filter((p) => p.stage === "render");
    expect(renders.at(-1)).toMatchObject({ done: count, total: count });
    expect(seen.at(-1)!.stage).toBe("done");
    expect(first.datasets["emopets"]).toMatchObject({ skipped: expect.stringMatching(/VLP_DATA_CACHE_MISSING/) });
    expect(existsSync(join(first.cacheDir, "text", "emoji.json"))).toBe(true);
    const report = formatPrepareReport(first);
    expect(report).toContainEqual(expect.stringMatching(/^emopets +skipped: .*VLP_DATA_CACHE_MISSING/));
    expect(report.at(-1)).toMatch(new RegExp(`^${count} images in 1 sources \\(1 built now\\)`));
    const store = new ImageStore(join(first.cacheDir, "images"));
    const image = store.get("pixelarticons").images.image(0);
    expect([image.width, image.height]).toEqual([64, 64]);
    expect(image.data.some((v) => v < 128)).toBe(true); // black ink on white
    const second = await prepareCache({ cacheDir, sources: ["pixelarticons"], fashionMnist: false });
    expect(second.sources["pixelarticons"]).toEqual({ images: count, reused: true, fallbacks: 0, failures: 0 });
  });
});

describe("emoji sets matched by name", () => {
  it("find EmojiOne's country flags, and a cache listed by an older reader is built again", async () => {
    const cacheDir = join(scratch, "cache-byname");
    const emojione = sourceById("emojione")!;
    const first = await prepareCache({ cacheDir, sources: ["emojione"], limitPerSource: 4, fashionMnist: false });
    expect(first.sources["emojione"]).toMatchObject({ images: 4, reused: false });
    const emoji = readEmojiTextFile(join(first.cacheDir, "text", "emoji.json"));
    const labels = (await listSourceEntries(emojione, emoji)).map((entry) => emoji.get(entry.key)!.label);
    expect(labels).toContain("flag: Germany"); // EmojiOne's "flag-for-germany"
    expect(labels.filter((label) => label.startsWith("flag: ")).length).toBeGreaterThan(230);
    const indexPath = join(first.cacheDir, "images", "emojione.json");
    const index = JSON.parse(readFileSync(indexPath, "utf8"));
    expect(index.readerRevision).toBe(readerRevision(emojione));
    const again = await prepareCache({ cacheDir, sources: ["emojione"], limitPerSource: 4, fashionMnist: false });
    expect(again.sources["emojione"]).toMatchObject({ reused: true });
    const olderCache = join(scratch, "cache-byname-older"); // as an older vlprompt left it (a fresh folder: stores are memoised)
    cpSync(cacheDir, olderCache, { recursive: true });
    writeFileSync(join(olderCache, "v1", "images", "emojione.json"), JSON.stringify({ ...index, readerRevision: undefined }));
    const rebuilt = await prepareCache({ cacheDir: olderCache, sources: ["emojione"], limitPerSource: 4, fashionMnist: false });
    expect(rebuilt.sources["emojione"]).toMatchObject({ images: 4, reused: false });
  });
});

describe("preparing by dataset name", () => {
  it("maps datasets and the corpus to the sources they need", async () => {
    const { sourcesForDatasets } = await import("./prepare.js");
    expect(sourcesForDatasets(["emoflags"])).toEqual({ sources: ["twemoji", "fluent-3d"], fashionMnist: false });
    expect(sourcesForDatasets(["fashionmnist"])).toEqual({ sources: [], fashionMnist: true });
    const corpus = sourcesForDatasets(["corpus"]).sources;
    expect(corpus).toContain("fluent-flat");
    expect(corpus).not.toContain("lucide");
    expect(() => sourcesForDatasets(["imagenet"])).toThrowError(/VLP_DATA_UNKNOWN_DATASET/);
  });
});
