/** Conversion of rendered premultiplied RGBA into the stored pixel formats. */
import type { PixelFormat } from "./image.js";

/**
 * rgba: straight alpha. alpha: ink coverage, i.e. 255 minus the grey level of the drawing over white, so
 * that black ink at that coverage over white reproduces the rendering exactly (any colour becomes grey).
 */
export function toStoredPixels(premultiplied: Uint8Array, format: PixelFormat): Uint8Array {
  const pixels = premultiplied.length / 4;
  if (format === "rgba") {
    const out = new Uint8Array(premultiplied.length);
    for (let p = 0; p < pixels; p++) {
      const a = premultiplied[p * 4 + 3]!;
      out[p * 4 + 3] = a;
      if (a === 0) continue;
      for (let c = 0; c < 3; c++) out[p * 4 + c] = Math.min(255, Math.round((premultiplied[p * 4 + c]! * 255) / a));
    }
    return out;
  }
  if (format === "alpha") {
    const out = new Uint8Array(pixels);
    for (let p = 0; p < pixels; p++) {
      const white = 255 - premultiplied[p * 4 + 3]!;
      const grey = 0.299 * (premultiplied[p * 4]! + white) + 0.587 * (premultiplied[p * 4 + 1]! + white) +
        0.114 * (premultiplied[p * 4 + 2]! + white);
      out[p] = 255 - Math.min(255, Math.round(grey));
    }
    return out;
  }
  throw new Error(`cannot store rendered images as ${format}`);
}
