/**
 * The on-disk image store used by the cache and by the committed fixture: per source one JSON index
 * (keys, pixel format, size, per-entry text) and one binary file of packed uint8 images (.bin, or .bin.gz).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { PackedImages, type PixelFormat } from "./image.js";

export const STORE_VERSION = 1;

export interface EntryText {
  readonly tags?: readonly string[];
  readonly categories?: readonly string[];
  readonly aliases?: readonly string[];
}

export interface SourceIndex {
  readonly id: string;
  readonly version: number;
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
  readonly count: number;
  readonly keys: readonly string[];
  /** Per-entry text for icons (same order as keys). */
  readonly text?: readonly EntryText[];
  /** Labels per entry, for labelled sources such as Fashion-MNIST. */
  readonly labels?: readonly number[];
  readonly npm?: string;
  readonly npmVersion?: string;
  /** Keys drawn by the fallback renderer, and keys nothing could draw. */
  readonly fallbacks?: readonly string[];
  readonly failures?: readonly string[];
  readonly gzip?: boolean;
  /** `readerRevision` of the code that listed the entries (absent: 1). */
  readonly readerRevision?: number;
}

export interface LoadedSource {
  readonly index: SourceIndex;
  readonly images: PackedImages;
  /** key -> entry position. */
  readonly position: ReadonlyMap<string, number>;
}

/** A folder of sources: indexes parsed once, pixels read on first use and kept in memory. */
export class ImageStore {
  private readonly indexes = new Map<string, SourceIndex>();
  private readonly loaded = new Map<string, LoadedSource>();

  constructor(readonly dir: string) {}

  private indexPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  has(id: string): boolean {
    if (this.indexes.has(id)) return true;
    if (!existsSync(this.indexPath(id))) return false;
    return this.readIndex(id).version === STORE_VERSION;
  }

  readIndex(id: string): SourceIndex {
    let index = this.indexes.get(id);
    if (!index) {
      index = JSON.parse(readFileSync(this.indexPath(id), "utf8")) as SourceIndex;
      if (index.version === STORE_VERSION) this.indexes.set(id, index);
    }
    return index;
  }

  private readPixels(index: SourceIndex): PackedImages {
    const raw = readFileSync(join(this.dir, `${index.id}.bin${index.gzip ? ".gz" : ""}`));
    const bytes = index.gzip ? gunzipSync(raw) : raw;
    const images = new PackedImages(index.width, index.height, index.format,
      new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    if (images.count !== index.count) {
      throw new Error(`store ${this.dir}: ${index.id}.bin holds ${images.count} images, its index says ${index.count}`);
    }
    return images;
  }

  /** A source; its pixels are read from disk the first time `images` is used. */
  get(id: string): LoadedSource {
    const known = this.loaded.get(id);
    if (known) return known;
    const index = this.readIndex(id);
    let images: PackedImages | undefined;
    const read = () => (images ??= this.readPixels(index));
    const source: LoadedSource = {
      index,
      get images() {
        return read();
      },
      position: new Map(index.keys.map((key, i) => [key, i])),
    };
    this.loaded.set(id, source);
    return source;
  }

  /** Write a source: the binary first, then the index (whose presence marks the source complete). */
  write(index: Omit<SourceIndex, "version">, bytes: Uint8Array, gzip?: (data: Uint8Array) => Uint8Array): void {
    const full: SourceIndex = { ...index, version: STORE_VERSION, gzip: gzip !== undefined };
    const binPath = join(this.dir, `${index.id}.bin${gzip ? ".gz" : ""}`);
    writeFileSync(`${binPath}.tmp`, gzip ? gzip(bytes) : bytes);
    renameSync(`${binPath}.tmp`, binPath);
    writeFileSync(this.indexPath(index.id), JSON.stringify(full));
    this.loaded.delete(index.id);
    this.indexes.delete(index.id);
  }
}
