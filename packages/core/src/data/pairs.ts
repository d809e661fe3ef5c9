/**
 * Users' image-text pairs from a JSONL file ({"image": path, "caption": text} per line) or a CSV file with a
 * header naming an image column (image, path, file) and a caption column (caption, text). Relative image
 * paths resolve from the file's folder. Unreadable images are reported by path and skipped.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Rng } from "../tensor/rng.js";
import type { ImageTextCorpus } from "./corpus.js";
import { decodeImageFile, findUnreadable, placeholderImage, type DecodeOptions, type SkippedImage } from "./decode.js";
import { dataErrors } from "./errors.js";
import type { RgbImage } from "./image.js";

export interface ImagePair {
  readonly image: string;
  readonly caption: string;
}

const IMAGE_FIELDS = ["image", "path", "file", "filename", "image_path"];
const CAPTION_FIELDS = ["caption", "text", "title", "description"];

/** Split CSV text into rows of fields (RFC 4180: quotes, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { row.push(field); field = ""; }
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

function pick(record: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = record[name];
    if (typeof value === "string" && value.trim() !== "") return value;
  }
  return undefined;
}

function formatError(file: string, problems: string[]): Error {
  const shown = problems.slice(0, 5).join("; ");
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : "";
  return dataErrors.make("VLP_DATA_PAIRS_FORMAT", `${file}: ${shown}${more}`);
}

function parseJsonl(file: string, text: string): ImagePair[] {
  const pairs: ImagePair[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    if (line.trim() === "") return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      problems.push(`line ${n + 1} is not JSON`);
      return;
    }
    const image = pick(record as Record<string, unknown>, IMAGE_FIELDS);
    const caption = pick(record as Record<string, unknown>, CAPTION_FIELDS);
    if (!image || !caption) problems.push(`line ${n + 1} needs "image" and "caption" strings`);
    else pairs.push({ image, caption });
  });
  if (problems.length > 0) throw formatError(file, problems);
  return pairs;
}

function parseCsvPairs(file: string, text: string): ImagePair[] {
  const [header, ...rows] = parseCsv(text);
  const columns = (header ?? []).map((h) => h.trim().toLowerCase());
  const imageColumn = columns.findIndex((c) => IMAGE_FIELDS.includes(c));
  const captionColumn = columns.findIndex((c) => CAPTION_FIELDS.includes(c));
  if (imageColumn < 0 || captionColumn < 0) {
    throw formatError(file, [`the header row (${columns.join(", ")}) needs an image column and a caption column`]);
  }
  const problems: string[] = [];
  const pairs: ImagePair[] = [];
  rows.forEach((row, n) => {
    const image = row[imageColumn]?.trim();
    const caption = row[captionColumn]?.trim();
    if (!image || !caption) problems.push(`row ${n + 2} has an empty image or caption`);
    else pairs.push({ image, caption });
  });
  if (problems.length > 0) throw formatError(file, problems);
  return pairs;
}

/** Read the pairs of a .jsonl or .csv file (paths resolved), without touching the images. */
export function readPairsFile(file: string): ImagePair[] {
  const path = resolve(file);
  if (!existsSync(path)) throw dataErrors.make("VLP_DATA_FOLDER_MISSING", `pairs file ${path} does not exist`);
  const text = readFileSync(path, "utf8");
  const pairs = path.toLowerCase().endsWith(".csv") ? parseCsvPairs(path, text) : parseJsonl(path, text);
  return pairs.map((p) => ({ image: resolve(dirname(path), p.image), caption: p.caption }));
}

export interface ImagePairsOptions extends DecodeOptions {
  readonly name?: string;
  readonly onSkip?: (skipped: SkippedImage) => void;
}

export interface ImagePairsCorpus extends ImageTextCorpus {
  readonly skipped: readonly SkippedImage[];
}

class PairsCorpus implements ImageTextCorpus {
  constructor(readonly name: string, private readonly pairs: readonly ImagePair[], private readonly options: ImagePairsOptions,
    private readonly broken = new Set<string>()) {}

  get size(): number {
    return this.pairs.length;
  }

  private at(index: number): ImagePair {
    const pair = this.pairs[index];
    if (!pair) throw new RangeError(`${this.name}: index ${index} is outside [0, ${this.pairs.length})`);
    return pair;
  }

  caption(index: number, _rng?: Rng): string {
    return this.at(index).caption;
  }

  async image(index: number): Promise<RgbImage> {
    const { image } = this.at(index);
    try {
      return await decodeImageFile(image, this.options);
    } catch (error) {
      if (!this.broken.has(image)) {
        this.broken.add(image);
        this.options.onSkip?.({ path: image, reason: error instanceof Error ? error.message : String(error) });
      }
      return placeholderImage();
    }
  }

  domain(): string {
    return this.name;
  }

  concept(): undefined {
    return undefined;
  }

  subset(indices: readonly number[]): ImageTextCorpus {
    return new PairsCorpus(this.name, indices.map((i) => this.at(i)), this.options, this.broken);
  }
}

/** Open a user's pairs file; images are checked once and unreadable ones skipped (and reported). */
export async function loadImagePairs(file: string, options: ImagePairsOptions = {}): Promise<ImagePairsCorpus> {
  const pairs = readPairsFile(file);
  const skipped = await findUnreadable([...new Set(pairs.map((p) => p.image))], options);
  skipped.forEach((s) => options.onSkip?.(s));
  const bad = new Set(skipped.map((s) => s.path));
  const usable = pairs.filter((p) => !bad.has(p.image));
  if (usable.length === 0) throw formatError(resolve(file), ["no pair has a readable image"]);
  const corpus = new PairsCorpus(options.name ?? "pairs", usable, options);
  return Object.assign(corpus, { skipped });
}
