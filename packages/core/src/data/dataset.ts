/**
 * Labelled image datasets. A dataset is a cheap view (an index list and an optional relabelling) over a
 * source of items, so subsets, few-shot samples and base/new splits copy no pixels.
 */
import type { RgbImage } from "./image.js";

/** What is known about a class beyond its name: ordering and grouping used by the split rules. */
export interface ClassInfo {
  readonly name: string;
  /** Canonical order (emojibase order for emoji classes); the base/new rule sorts by it. */
  readonly order?: number;
  /** A coarse group (emoji subgroup, icon category); the "by group" base/new split keeps groups whole. */
  readonly group?: string;
  /** Source keys merged into this class (emoji hexcodes, icon names). */
  readonly keys?: readonly string[];
}

export interface ClassificationDataset {
  readonly name: string;
  readonly classNames: readonly string[];
  readonly classInfo: readonly ClassInfo[];
  /** The domain (style) when every item shares one; see itemDomain for mixed sets. */
  readonly domain?: string;
  readonly size: number;
  label(index: number): number;
  /** All labels, in index order. */
  labels(): Int32Array;
  image(index: number): RgbImage | Promise<RgbImage>;
  /** A stable identifier of the item (file path, or source/key#render). */
  itemId(index: number): string;
  /** The domain (style, library) of one item, when known. */
  itemDomain(index: number): string | undefined;
  /** The items at these indices (same classes, same labels). */
  subset(indices: readonly number[]): ClassificationDataset;
  /** Only the items of these classes, relabelled 0..k-1 in the given order. */
  selectClasses(classes: readonly number[], name?: string): ClassificationDataset;
}

/** The underlying items a dataset view indexes into. */
export interface DatasetItems {
  readonly size: number;
  label(index: number): number;
  image(index: number): RgbImage | Promise<RgbImage>;
  itemId(index: number): string;
  itemDomain(index: number): string | undefined;
}

export interface DatasetInit {
  readonly name: string;
  readonly classInfo: readonly ClassInfo[];
  readonly items: DatasetItems;
  readonly domain?: string;
}

export function createDataset(init: DatasetInit): ClassificationDataset {
  return new DatasetView(init.name, init.classInfo, init.items, null, null, init.domain);
}

class DatasetView implements ClassificationDataset {
  readonly classNames: readonly string[];
  readonly size: number;

  constructor(
    readonly name: string,
    readonly classInfo: readonly ClassInfo[],
    private readonly items: DatasetItems,
    /** Indices into items, or null for all. */
    private readonly indices: Int32Array | null,
    /** items label -> this dataset's label (-1 = dropped), or null for identity. */
    private readonly labelMap: Int32Array | null,
    readonly domain?: string,
  ) {
    this.classNames = classInfo.map((info) => info.name);
    this.size = indices ? indices.length : items.size;
  }

  private itemIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`${this.name}: index ${index} is outside [0, ${this.size})`);
    }
    return this.indices ? this.indices[index]! : index;
  }

  label(index: number): number {
    const raw = this.items.label(this.itemIndex(index));
    return this.labelMap ? this.labelMap[raw]! : raw;
  }

  labels(): Int32Array {
    const out = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.label(i);
    return out;
  }

  image(index: number): RgbImage | Promise<RgbImage> {
    return this.items.image(this.itemIndex(index));
  }

  itemId(index: number): string {
    return this.items.itemId(this.itemIndex(index));
  }

  itemDomain(index: number): string | undefined {
    return this.items.itemDomain(this.itemIndex(index));
  }

  subset(indices: readonly number[]): ClassificationDataset {
    const mapped = Int32Array.from(indices, (i) => this.itemIndex(i));
    return new DatasetView(this.name, this.classInfo, this.items, mapped, this.labelMap, this.domain);
  }

  selectClasses(classes: readonly number[], name = this.name): ClassificationDataset {
    const own = new Int32Array(this.classInfo.length).fill(-1);
    classes.forEach((c, position) => {
      if (!Number.isInteger(c) || c < 0 || c >= this.classInfo.length) {
        throw new RangeError(`${this.name}: class ${c} is outside [0, ${this.classInfo.length})`);
      }
      own[c] = position;
    });
    const kept: number[] = [];
    for (let i = 0; i < this.size; i++) if (own[this.label(i)]! >= 0) kept.push(this.itemIndex(i));
    const rawClasses = this.labelMap ? this.labelMap.length : this.classInfo.length;
    const map = new Int32Array(rawClasses);
    for (let raw = 0; raw < rawClasses; raw++) {
      const current = this.labelMap ? this.labelMap[raw]! : raw;
      map[raw] = current >= 0 ? own[current]! : -1;
    }
    const info = classes.map((c) => this.classInfo[c]!);
    return new DatasetView(name, info, this.items, Int32Array.from(kept), map, this.domain);
  }
}

/** Decode the images at these indices (all of them by default). */
export async function loadImages(dataset: ClassificationDataset, indices?: readonly number[]): Promise<RgbImage[]> {
  const wanted = indices ?? Array.from({ length: dataset.size }, (_, i) => i);
  return Promise.all(wanted.map((i) => dataset.image(i)));
}

/** Item indices grouped by label: result[c] lists the indices of class c in index order. */
export function indicesByClass(dataset: ClassificationDataset): number[][] {
  const groups: number[][] = dataset.classNames.map(() => []);
  const labels = dataset.labels();
  labels.forEach((label, i) => groups[label]!.push(i));
  return groups;
}

/** Number of items per class. */
export function classCounts(dataset: ClassificationDataset): number[] {
  return indicesByClass(dataset).map((group) => group.length);
}
