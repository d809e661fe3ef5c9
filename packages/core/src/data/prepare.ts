/**
 * prepareCache: build the uint8 image cache once from the pinned npm packages (and Debian's Fashion-MNIST),
 * reusing whatever an earlier run already built. Progress goes through a callback only.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheLayout, cacheStore, openDataset } from "./builtin.js";
import { BUILTIN_DATASET_NAMES, readDatasetFile } from "./dataset-files.js";
import { loadEmojiTexts, type EmojiText } from "./emoji-meta.js";
import { prepareFashionMnist, type FashionMnistStatus } from "./fashion-mnist.js";
import { packageVersion } from "./paths.js";
import { decodeFiles, RasterPool, type RasterReport } from "./raster.js";
import { listSourceEntries, type SourceEntry } from "./read-sources.js";
import { ALL_SOURCES, type SourceSpec } from "./sources.js";
import type { ImageStore } from "./store.js";
import { toStoredPixels } from "./pixels.js";

export const CACHE_RESOLUTION = 64;

export interface PrepareProgress {
  readonly stage: "scan" | "render" | "fashion-mnist" | "count" | "done";
  readonly done: number;
  readonly total: number;
  /** What is being worked on, e.g. "noto" or a skip message. */
  readonly message?: string;
}

export interface PrepareOptions {
  readonly cacheDir?: string;
  readonly onProgress?: (progress: PrepareProgress) => void;
  /** Build only these sources (ids); all by default. */
  readonly sources?: readonly string[];
  /** Rebuild sources already in the cache. */
  readonly force?: boolean;
  /** Fetch Fashion-MNIST through apt (default true). */
  readonly fashionMnist?: boolean;
}

export interface SourceCount {
  readonly images: number;
  readonly reused: boolean;
  readonly fallbacks: number;
  readonly failures: number;
}

export interface DatasetCount {
  readonly classes: number;
  /** Images per style and split. */
  readonly styles: Record<string, { train: number; test: number }>;
}

export interface PrepareResult {
  readonly cacheDir: string;
  readonly seconds: number;
  readonly sources: Record<string, SourceCount>;
  readonly fashionMnist: FashionMnistStatus | { status: "not requested" };
  readonly datasets: Record<string, DatasetCount | { skipped: string }>;
}

function ensureEmojiText(layout: ReturnType<typeof cacheLayout>, force: boolean): Map<string, EmojiText> {
  const emoji = loadEmojiTexts();
  const path = join(layout.text, "emoji.json");
  if (force || !existsSync(path)) {
    mkdirSync(layout.text, { recursive: true });
    writeFileSync(path, JSON.stringify(Object.fromEntries(emoji)));
  }
  return emoji;
}

async function renderSource(spec: SourceSpec, entries: readonly SourceEntry[], pool: RasterPool, store: ImageStore,
  tick: () => void): Promise<SourceCount> {
  const size = CACHE_RESOLUTION;
  const stride = size * size * (spec.format === "rgba" ? 4 : 1);
  const bytes = new Uint8Array(entries.length * stride);
  const sink = (index: number, premultiplied: Uint8Array) => {
    bytes.set(toStoredPixels(premultiplied, spec.format), index * stride);
    tick();
  };
  const report: RasterReport = spec.reader === "webp-files"
    ? await decodeFiles(entries.map((e) => e.file!), size, sink)
    : await pool.renderSvgs(entries.map((e) => e.svg!), size, sink);
  const keys = entries.map((e) => e.key);
  store.write({
    id: spec.id, width: size, height: size, format: spec.format, count: entries.length, keys,
    text: spec.kind === "icon" ? entries.map((e) => ({ tags: e.tags, categories: e.categories, aliases: e.aliases })) : undefined,
    npm: spec.npm, npmVersion: packageVersion(spec.npm),
    fallbacks: report.fallbacks.map((i) => keys[i]!), failures: report.failures.map((i) => keys[i]!),
  }, bytes);
  return { images: entries.length, reused: false, fallbacks: report.fallbacks.length, failures: report.failures.length };
}

function countDatasets(store: ImageStore): PrepareResult["datasets"] {
  const out: PrepareResult["datasets"] = {};
  for (const name of BUILTIN_DATASET_NAMES) {
    const file = readDatasetFile(name);
    try {
      const styles: Record<string, { train: number; test: number }> = {};
      for (const style of file.styles) {
        const train = openDataset(file, store, { split: "train", style }).size;
        const test = openDataset(file, store, { split: "test", style }).size;
        styles[style] = { train, test };
      }
      out[name] = { classes: file.classes.length, styles };
    } catch (error) {
      out[name] = { skipped: error instanceof Error ? error.message.split("\n")[0]! : String(error) };
    }
  }
  return out;
}

/** Build (or reuse) the cache; returns counts per source, per dataset and style. */
export async function prepareCache(options: PrepareOptions = {}): Promise<PrepareResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const layout = cacheLayout(options.cacheDir);
  const store = cacheStore(options.cacheDir);
  mkdirSync(layout.images, { recursive: true });
  progress({ stage: "scan", done: 0, total: 1, message: "reading emoji text and package listings" });
  const emoji = ensureEmojiText(layout, options.force ?? false);
  const specs = ALL_SOURCES.filter((s) => !options.sources || options.sources.includes(s.id));
  const sources: Record<string, SourceCount> = {};
  const todo: { spec: SourceSpec; entries: SourceEntry[] }[] = [];
  for (const spec of specs) {
    if (!options.force && store.has(spec.id)) {
      const index = store.readIndex(spec.id);
      sources[spec.id] = { images: index.count, reused: true, fallbacks: index.fallbacks?.length ?? 0, failures: index.failures?.length ?? 0 };
    } else {
      todo.push({ spec, entries: await listSourceEntries(spec, emoji) });
    }
  }
  const total = todo.reduce((n, t) => n + t.entries.length, 0);
  let done = 0;
  const pool = new RasterPool(layout.scratch);
  for (const { spec, entries } of todo) {
    progress({ stage: "render", done, total, message: spec.id });
    sources[spec.id] = await renderSource(spec, entries, pool, store, () => {
      done++;
      if (done % 250 === 0) progress({ stage: "render", done, total, message: spec.id });
    });
  }
  progress({ stage: "render", done, total });
  let fashionMnist: PrepareResult["fashionMnist"] = { status: "not requested" };
  if (options.fashionMnist !== false) {
    progress({ stage: "fashion-mnist", done: 0, total: 1, message: "Fashion-MNIST (apt-get download dataset-fashion-mnist)" });
    fashionMnist = prepareFashionMnist(layout.fashionMnist, store);
    progress({ stage: "fashion-mnist", done: 1, total: 1, message: fashionMnist.status === "skipped" ? fashionMnist.reason : fashionMnist.status });
  }
  progress({ stage: "count", done: 0, total: 1 });
  const datasets = countDatasets(store);
  const result = { cacheDir: layout.root, seconds: (Date.now() - started) / 1000, sources, fashionMnist, datasets };
  progress({ stage: "done", done: 1, total: 1 });
  return result;
}
