/**
 * PIL-style separable resampling of uint8 RGB images (the resize CLIP's preprocessing uses). The filter
 * support grows with the downscale factor (antialiasing), and each pass rounds to uint8 as PIL does.
 */
import type { RgbImage } from "./image.js";

export type ResampleFilter = "bicubic" | "bilinear";

/** A source rectangle in pixel coordinates (fractional allowed), as PIL's resize(box=...). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const filters: Record<ResampleFilter, { support: number; weight: (x: number) => number }> = {
  bicubic: { support: 2, weight: bicubicWeight },
  bilinear: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
};

function bicubicWeight(value: number): number {
  const a = -0.5;
  const x = Math.abs(value);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Coefficients {
  readonly start: Int32Array; // first source index per output index
  readonly count: Int32Array; // taps per output index
  readonly weights: Float64Array; // [outSize, maxTaps]
  readonly maxTaps: number;
}

function coefficients(inSize: number, in0: number, in1: number, outSize: number, filter: ResampleFilter): Coefficients {
  const { support: baseSupport, weight } = filters[filter];
  const scale = (in1 - in0) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = baseSupport * filterScale;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let out = 0; out < outSize; out++) {
    const centre = in0 + (out + 0.5) * scale;
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const hi = Math.min(Math.trunc(centre + support + 0.5), inSize);
    let total = 0;
    for (let x = lo; x < hi; x++) {
      const w = weight((x - centre + 0.5) / filterScale);
      weights[out * maxTaps + x - lo] = w;
      total += w;
    }
    if (total !== 0) for (let x = lo; x < hi; x++) weights[out * maxTaps + x - lo]! /= total;
    start[out] = lo;
    count[out] = hi - lo;
  }
  return { start, count, weights, maxTaps };
}

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

function horizontal(src: RgbImage, outWidth: number, box: Box, filter: ResampleFilter): RgbImage {
  const k = coefficients(src.width, box.x, box.x + box.width, outWidth, filter);
  const height = src.height;
  const out = new Uint8Array(outWidth * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      let r = 0, g = 0, b = 0;
      const base = x * k.maxTaps;
      for (let t = 0; t < k.count[x]!; t++) {
        const w = k.weights[base + t]!;
        const s = (y * src.width + k.start[x]! + t) * 3;
        r += src.data[s]! * w;
        g += src.data[s + 1]! * w;
        b += src.data[s + 2]! * w;
      }
      const o = (y * outWidth + x) * 3;
      out[o] = clampByte(r);
      out[o + 1] = clampByte(g);
      out[o + 2] = clampByte(b);
    }
  }
  return { width: outWidth, height, data: out };
}

function vertical(src: RgbImage, outHeight: number, box: Box, filter: ResampleFilter): RgbImage {
  const k = coefficients(src.height, box.y, box.y + box.height, outHeight, filter);
  const width = src.width;
  const out = new Uint8Array(width * outHeight * 3);
  for (let y = 0; y < outHeight; y++) {
    const base = y * k.maxTaps;
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, b = 0;
      for (let t = 0; t < k.count[y]!; t++) {
        const w = k.weights[base + t]!;
        const s = ((k.start[y]! + t) * width + x) * 3;
        r += src.data[s]! * w;
        g += src.data[s + 1]! * w;
        b += src.data[s + 2]! * w;
      }
      const o = (y * width + x) * 3;
      out[o] = clampByte(r);
      out[o + 1] = clampByte(g);
      out[o + 2] = clampByte(b);
    }
  }
  return { width, height: outHeight, data: out };
}

/** Resize (a box of) an image to width x height with PIL's bicubic or bilinear filter. */
export function resizeImage(
  image: RgbImage,
  width: number,
  height: number,
  filter: ResampleFilter = "bicubic",
  box: Box = { x: 0, y: 0, width: image.width, height: image.height },
): RgbImage {
  if (width === image.width && height === image.height && box.x === 0 && box.y === 0 &&
      box.width === image.width && box.height === image.height) {
    return image;
  }
  const wide = horizontal(image, width, box, filter);
  return vertical(wide, height, box, filter);
}

/** Crop an integer rectangle (no resampling). */
export function cropImage(image: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const s = ((y + row) * image.width + x) * 3;
    out.set(image.data.subarray(s, s + width * 3), row * width * 3);
  }
  return { width, height, data: out };
}

/** Mirror an image left-right. */
export function flipHorizontal(image: RgbImage): RgbImage {
  const { width, height } = image;
  const out = new Uint8Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      const o = (y * width + (width - 1 - x)) * 3;
      out[o] = image.data[s]!;
      out[o + 1] = image.data[s + 1]!;
      out[o + 2] = image.data[s + 2]!;
    }
  }
  return { width, height, data: out };
}

/** The image in grey: luma 0.299 R + 0.587 G + 0.114 B, rounded, in all three channels (a new image). */
export function toGrey(image: RgbImage): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let p = 0; p < data.length; p += 3) {
    const luma = Math.round(0.299 * image.data[p]! + 0.587 * image.data[p + 1]! + 0.114 * image.data[p + 2]!);
    data[p] = data[p + 1] = data[p + 2] = luma;
  }
  return { width: image.width, height: image.height, data };
}
