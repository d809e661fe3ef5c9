/**
 * The image-text corpus for pretraining and GRAM meta-training: permissive emoji and icons with captions
 * from templates. Rule: no cell (benchmark class, benchmark style) enters it, and IconNet's cells and its
 * corpus-excluded libraries (Lucide, Tabler) stay out too.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../tensor/rng.js";
import { cacheLayout, cacheStore } from "./builtin.js";
import { iconWords, makeCaption, type CaptionFields } from "./captions.js";
import { BUILTIN_DATASET_NAMES, readDatasetFile, type DatasetFile } from "./dataset-files.js";
import type { EmojiText } from "./emoji-meta.js";
import { dataErrors } from "./errors.js";
import { seedFor } from "./hash.js";
import type { RgbImage } from "./image.js";
import { renderScene } from "./scene.js";
import { BENCHMARK_STYLES, ALL_SOURCES, type SourceSpec } from "./sources.js";
import type { ImageStore, LoadedSource } from "./store.js";

export interface ImageTextCorpus {
  readonly name: string;
  readonly size: number;
  /** The canonical caption without an Rng; a random template and random fields with one. */
  caption(index: number, rng?: Rng): string;
  image(index: number): RgbImage | Promise<RgbImage>;
  /**
   * The image as a seeded scene, drawn the way the downstream datasets draw their items (scaled, shifted, rotated,
   * on a plain, coloured, gradient or noise background, sometimes blurred, noised or occluded; src/data/scene.ts).
   */
  scene?(index: number, seed: number): RgbImage;
  /** The style or library the image comes from (a coarse domain for GRAM's task builder). */
  domain(index: number): string;
  /** The concept drawn: "emoji:1f436", "ph:dog"; undefined for user pairs. */
  concept(index: number): string | undefined;
  subset(indices: readonly number[]): ImageTextCorpus;
}

/** Emoji and icon keys that belong to a benchmark dataset and so must stay out of the corpus. */
export interface BenchmarkCells {
  readonly emojiKeys: ReadonlySet<string>;
  readonly iconKeys: ReadonlySet<string>;
}

export function benchmarkCells(files: readonly DatasetFile[]): BenchmarkCells {
  const emojiKeys = new Set<string>();
  const iconKeys = new Set<string>();
  for (const file of files) {
    for (const cls of file.classes) {
      for (const key of cls.keys) {
        if (file.kind === "emoji") emojiKeys.add(key);
        else if (file.kind === "icon") iconKeys.add(key);
      }
    }
  }
  return { emojiKeys, iconKeys };
}

/** Whether one cell may enter the corpus. */
export function allowedInCorpus(spec: SourceSpec, key: string, cells: BenchmarkCells, emoji?: ReadonlyMap<string, EmojiText>): boolean {
  if (!spec.inCorpus) return false;
  if (spec.kind === "icon") return !cells.iconKeys.has(`${spec.family}:${key}`);
  if (!(BENCHMARK_STYLES as readonly string[]).includes(spec.id)) return true;
  const base = emoji?.get(key)?.baseKey ?? key;
  return !cells.emojiKeys.has(key) && !cells.emojiKeys.has(base);
}

interface CorpusParts {
  readonly sources: readonly { spec: SourceSpec; loaded: LoadedSource }[];
  readonly sourceOf: Uint16Array;
  readonly cellOf: Int32Array;
  readonly emoji: ReadonlyMap<string, EmojiText>;
}

function fieldsOf(parts: CorpusParts, source: { spec: SourceSpec; loaded: LoadedSource }, cell: number): CaptionFields {
  const { spec, loaded } = source;
  const key = loaded.index.keys[cell]!;
  if (spec.kind === "emoji") {
    const text = parts.emoji.get(key);
    return {
      kind: "emoji", styleWords: spec.styleWords, name: text?.label ?? key, tags: text?.tags ?? [], categories: [],
      aliases: [], emoji: text?.emoji, shortcodes: text?.shortcodes, locales: text ? Object.values(text.locales) : [],
      group: text?.group, subgroup: text?.subgroup,
    };
  }
  const text = loaded.index.text?.[cell] ?? {};
  return {
    kind: "icon", styleWords: spec.styleWords, name: iconWords(key), tags: text.tags ?? [],
    categories: text.categories ?? [], aliases: text.aliases ?? [],
  };
}

class StoreCorpus implements ImageTextCorpus {
  constructor(readonly name: string, private readonly parts: CorpusParts, private readonly indices: Int32Array) {}

  get size(): number {
    return this.indices.length;
  }

  private at(index: number): { source: CorpusParts["sources"][number]; cell: number } {
    if (!Number.isInteger(index) || index < 0 || index >= this.indices.length) {
      throw new RangeError(`${this.name}: index ${index} is outside [0, ${this.indices.length})`);
    }
    const entry = this.indices[index]!;
    return { source: this.parts.sources[this.parts.sourceOf[entry]!]!, cell: this.parts.cellOf[entry]! };
  }

  caption(index: number, rng?: Rng): string {
    const { source, cell } = this.at(index);
    return makeCaption(fieldsOf(this.parts, source, cell), rng);
  }

  image(index: number): RgbImage {
    const { source, cell } = this.at(index);
    return source.loaded.images.image(cell);
  }

  scene(index: number, seed: number): RgbImage {
    const { source, cell } = this.at(index);
    return renderScene(source.loaded.images.rgba(cell), source.loaded.images.width, seed);
  }

  domain(index: number): string {
    return this.at(index).source.spec.id;
  }

  concept(index: number): string {
    const { source, cell } = this.at(index);
    return `${source.spec.family}:${source.loaded.index.keys[cell]}`;
  }

  subset(indices: readonly number[]): ImageTextCorpus {
    return new StoreCorpus(this.name, this.parts, Int32Array.from(indices, (i) => {
      this.at(i);
      return this.indices[i]!;
    }));
  }
}

/** Build the corpus over an image store, given the emoji text and the benchmark dataset files. */
export function corpusFromStore(name: string, store: ImageStore, emoji: ReadonlyMap<string, EmojiText>,
  files: readonly DatasetFile[]): ImageTextCorpus {
  const cells = benchmarkCells(files);
  const sources = ALL_SOURCES.filter((spec) => spec.inCorpus && store.has(spec.id)).map((spec) => ({ spec, loaded: store.get(spec.id) }));
  if (sources.length === 0) throw dataErrors.make("VLP_DATA_CACHE_MISSING", `no corpus images in ${store.dir}`);
  const sourceOf: number[] = [];
  const cellOf: number[] = [];
  sources.forEach(({ spec, loaded }, s) => {
    loaded.index.keys.forEach((key, cell) => {
      if (!allowedInCorpus(spec, key, cells, emoji)) return;
      sourceOf.push(s);
      cellOf.push(cell);
    });
  });
  const parts: CorpusParts = { sources, sourceOf: Uint16Array.from(sourceOf), cellOf: Int32Array.from(cellOf), emoji };
  return new StoreCorpus(name, parts, Int32Array.from(cellOf.keys()));
}

export function readEmojiTextFile(path: string): Map<string, EmojiText> {
  if (!existsSync(path)) throw dataErrors.make("VLP_DATA_CACHE_MISSING", `emoji text ${path} is missing`);
  return new Map(Object.entries(JSON.parse(readFileSync(path, "utf8")) as Record<string, EmojiText>));
}

/** The full corpus from the cache (built by prepareCache). */
export function loadCorpus(options: { cacheDir?: string } = {}): ImageTextCorpus {
  const layout = cacheLayout(options.cacheDir);
  const emoji = readEmojiTextFile(join(layout.text, "emoji.json"));
  const files = BUILTIN_DATASET_NAMES.map((name) => readDatasetFile(name));
  return corpusFromStore("corpus", cacheStore(options.cacheDir), emoji, files);
}

/**
 * Two disjoint parts of a corpus: `meta` (metaSize random pairs, for GRAM meta-training) and `pretrain`
 * (the rest). The same seed gives the same split.
 */
export function splitCorpus(corpus: ImageTextCorpus, options: { metaSize: number; seed: number }): { pretrain: ImageTextCorpus; meta: ImageTextCorpus } {
  const { metaSize, seed } = options;
  if (!Number.isInteger(metaSize) || metaSize < 0 || metaSize > corpus.size) {
    throw dataErrors.make("VLP_DATA_BAD_OPTION", `metaSize must be an integer in [0, ${corpus.size}], got ${metaSize}`);
  }
  const order = new Rng(seedFor(seed, "corpus-split", corpus.name)).shuffle(Array.from({ length: corpus.size }, (_, i) => i));
  const meta = order.slice(0, metaSize).sort((a, b) => a - b);
  const pretrain = order.slice(metaSize).sort((a, b) => a - b);
  return { pretrain: corpus.subset(pretrain), meta: corpus.subset(meta) };
}
