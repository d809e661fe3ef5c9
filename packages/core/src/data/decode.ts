/**
 * Decoding user image files (jpg, png, webp) to RgbImage with sharp: EXIF orientation applied, alpha
 * flattened onto white, large images shrunk (shorter side at most maxShorterSide) as they are decoded.
 */
import { grayToRgb, type RgbImage } from "./image.js";
import { loadSharp } from "./raster.js";

export const IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp"] as const;

export function isImageFile(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export interface DecodeOptions {
  /** Shrink so that the shorter side is at most this (default 256; 0 keeps the original size). */
  readonly maxShorterSide?: number;
}

export async function decodeImageFile(path: string, options: DecodeOptions = {}): Promise<RgbImage> {
  const sharp = await loadSharp();
  const limit = options.maxShorterSide ?? 256;
  let pipeline = sharp(path, { failOn: "error" }).rotate().flatten({ background: "#ffffff" }).toColourspace("srgb");
  if (limit > 0) pipeline = pipeline.resize(limit, limit, { fit: "outside", withoutEnlargement: true, kernel: "cubic" });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (info.channels === 3) return { width: info.width, height: info.height, data: pixels.slice() };
  if (info.channels === 1) return { width: info.width, height: info.height, data: grayToRgb(pixels) };
  const out = new Uint8Array(info.width * info.height * 3);
  for (let p = 0; p < info.width * info.height; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = pixels[p * info.channels + Math.min(c, info.channels - 1)]!;
  }
  return { width: info.width, height: info.height, data: out };
}

export interface SkippedImage {
  readonly path: string;
  readonly reason: string;
}

/** Decode every file once (a few at a time); returns the paths that failed, with the reason. */
export async function findUnreadable(paths: readonly string[], options: DecodeOptions = {}, concurrency = 4): Promise<SkippedImage[]> {
  const bad: SkippedImage[] = [];
  let next = 0;
  const lane = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      try {
        await decodeImageFile(path, { maxShorterSide: Math.min(options.maxShorterSide ?? 64, 64) || 64 });
      } catch (error) {
        bad.push({ path, reason: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return bad.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A mid-gray image returned for a file that became unreadable after validation (reported, never thrown). */
export function placeholderImage(size = 32): RgbImage {
  return { width: size, height: size, data: new Uint8Array(size * size * 3).fill(128) };
}
