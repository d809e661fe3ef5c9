/**
 * The eleven built-in downstream datasets, read from the committed dataset files and the image cache.
 */
import { join } from "node:path";
import { createDataset, type ClassificationDataset, type DatasetItems } from "./dataset.js";
import { BUILTIN_DATASET_NAMES, readDatasetFile, type DatasetFile } from "./dataset-files.js";
import { dataErrors } from "./errors.js";
import { seedFor } from "./hash.js";
import type { RgbImage } from "./image.js";
import { resolveCacheDir } from "./paths.js";
import { renderScene } from "./scene.js";
import { sourceById } from "./sources.js";
import { ImageStore, type LoadedSource } from "./store.js";

export type Split = "train" | "test";

export interface LoadDatasetOptions {
  readonly split: Split;
  /** Only these styles (source ids, or an icon family such as "ph"); all of the dataset's styles by default. */
  readonly style?: string | readonly string[];
  readonly cacheDir?: string;
}

/** Cache folder layout: <cacheDir>/v1/images (image store), <cacheDir>/v1/text, <cacheDir>/v1/fashion-mnist. */
export function cacheLayout(cacheDir?: string): { root: string; images: string; text: string; fashionMnist: string; scratch: string } {
  const root = join(resolveCacheDir(cacheDir), "v1");
  return { root, images: join(root, "images"), text: join(root, "text"), fashionMnist: join(root, "fashion-mnist"), scratch: join(root, "scratch") };
}

const stores = new Map<string, ImageStore>();

/** The (memoised) image store of a cache folder. */
export function cacheStore(cacheDir?: string): ImageStore {
  const dir = cacheLayout(cacheDir).images;
  let store = stores.get(dir);
  if (!store) stores.set(dir, (store = new ImageStore(dir)));
  return store;
}

/** Resolve a style selector to the dataset's source ids. */
export function selectStyles(file: DatasetFile, style?: string | readonly string[]): string[] {
  if (style === undefined) return [...(file.defaultStyles ?? file.styles)];
  const wanted = typeof style === "string" ? [style] : [...style];
  const chosen: string[] = [];
  for (const name of wanted) {
    // An exact source id wins; otherwise the name selects a whole icon family ("ph" = all six weights).
    const exact = file.styles.filter((s) => s === name);
    const matches = exact.length > 0 ? exact : file.styles.filter((s) => sourceById(s)?.family === name);
    if (matches.length === 0) {
      throw dataErrors.make("VLP_DATA_UNKNOWN_STYLE", `${file.name} has no style "${name}"; its styles are ${file.styles.join(", ")}`);
    }
    for (const m of matches) if (!chosen.includes(m)) chosen.push(m);
  }
  return chosen;
}

function splitKey(key: string): [family: string, name: string] {
  const colon = key.indexOf(":");
  return colon < 0 ? ["emoji", key] : [key.slice(0, colon), key.slice(colon + 1)];
}

function requireSource(store: ImageStore, id: string, dataset: string): LoadedSource {
  if (!store.has(id)) {
    throw dataErrors.make("VLP_DATA_CACHE_MISSING", `${dataset} needs the "${id}" images, which are not in ${store.dir}`);
  }
  return store.get(id);
}

/** Items of an emoji or icon dataset: every (class, style, artwork, render) of the split. */
function artworkItems(file: DatasetFile, store: ImageStore, split: Split, styles: string[]): DatasetItems {
  const sources = styles.map((id) => requireSource(store, id, file.name));
  const families = styles.map((id) => sourceById(id)?.family ?? "emoji");
  const heldOut = file.testArtworks ? new Set(file.testArtworks) : null;
  const labels: number[] = [], sourceOf: number[] = [], cellOf: number[] = [], renderOf: number[] = [];
  file.classes.forEach((cls, label) => {
    sources.forEach((source, s) => {
      for (const key of cls.keys) {
        const [family, name] = splitKey(key);
        const cell = family === families[s] ? source.position.get(name) : undefined;
        if (cell === undefined) continue;
        if (heldOut && heldOut.has(`${styles[s]}/${name}`) !== (split === "test")) continue;
        for (const render of file.renders[split]) {
          labels.push(label);
          sourceOf.push(s);
          cellOf.push(cell);
          renderOf.push(render);
        }
      }
    });
  });
  const id = (i: number) => `${styles[sourceOf[i]!]}/${sources[sourceOf[i]!]!.index.keys[cellOf[i]!]}#${renderOf[i]}`;
  return {
    size: labels.length,
    label: (i) => labels[i]!,
    itemId: id,
    itemDomain: (i) => styles[sourceOf[i]!],
    image: (i): RgbImage => {
      const source = sources[sourceOf[i]!]!;
      return renderScene(source.images.rgba(cellOf[i]!), source.images.width, seedFor(renderOf[i]!, file.name, id(i)));
    },
  };
}

function fashionItems(store: ImageStore, split: Split): DatasetItems {
  const id = `fashion-mnist-${split}`;
  if (!store.has(id)) {
    throw dataErrors.make("VLP_DATA_FASHION_MNIST_UNAVAILABLE", `Fashion-MNIST (${split}) is not in ${store.dir}`);
  }
  const source = store.get(id);
  const labels = source.index.labels ?? [];
  return {
    size: source.index.count,
    label: (i) => labels[i]!,
    itemId: (i) => `${id}/${i}`,
    itemDomain: () => "fashion-mnist",
    image: (i) => source.images.image(i),
  };
}

/** Open a dataset file against an image store (the cache, or the committed fixture). */
export function openDataset(file: DatasetFile, store: ImageStore, options: Omit<LoadDatasetOptions, "cacheDir">): ClassificationDataset {
  if (options.split !== "train" && options.split !== "test") {
    throw dataErrors.make("VLP_DATA_BAD_OPTION", `split must be "train" or "test", got ${JSON.stringify(options.split)}`);
  }
  const styles = selectStyles(file, options.style);
  const items = file.kind === "fashion-mnist" ? fashionItems(store, options.split) : artworkItems(file, store, options.split, styles);
  const classInfo = file.classes.map((c) => ({ name: c.name, order: c.order, group: c.group, keys: c.keys }));
  return createDataset({ name: file.name, classInfo, items, domain: styles.length === 1 ? styles[0] : undefined });
}

function checkName(name: string): void {
  if (!(BUILTIN_DATASET_NAMES as readonly string[]).includes(name)) {
    throw dataErrors.make("VLP_DATA_UNKNOWN_DATASET", `no built-in dataset "${name}"; known: ${BUILTIN_DATASET_NAMES.join(", ")}`);
  }
}

/** Load a built-in dataset from the cache (built by prepareCache). */
export function loadDataset(name: string, options: LoadDatasetOptions): ClassificationDataset {
  checkName(name);
  return openDataset(readDatasetFile(name), cacheStore(options.cacheDir), options);
}

/** The committed definition (classes, styles, renders, license) of a built-in dataset. */
export function datasetDefinition(name: string): DatasetFile {
  checkName(name);
  return readDatasetFile(name);
}
