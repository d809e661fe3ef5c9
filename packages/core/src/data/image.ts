/**
 * Images in the data layer: uint8 RGB, channels last (HWC). Built-in data is stored packed at a fixed
 * resolution in one of a few pixel formats and converted to RGB on read.
 */

/** One uint8 RGB image, channels last: data.length === width * height * 3. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A random-access collection of same-sized images; read() returns HWC RGB. */
export interface ImageSource {
  readonly width: number;
  readonly height: number;
  readonly count: number;
  read(index: number): Uint8Array;
}

/**
 * How packed images store their pixels:
 * rgba: colour with straight alpha (emoji); alpha: ink coverage of a monochrome icon (black on transparent);
 * gray: opaque grey levels (Fashion-MNIST); rgb: opaque colour.
 */
export type PixelFormat = "rgba" | "alpha" | "gray" | "rgb";

export const channelsOf: Record<PixelFormat, number> = { rgba: 4, alpha: 1, gray: 1, rgb: 3 };

export type Rgb = readonly [number, number, number];
export const WHITE: Rgb = [255, 255, 255];

/** Images packed back to back in one buffer, [count, height, width, channels]. */
export class PackedImages implements ImageSource {
  readonly count: number;
  private readonly stride: number;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly format: PixelFormat,
    readonly bytes: Uint8Array,
  ) {
    this.stride = width * height * channelsOf[format];
    if (bytes.length % this.stride !== 0) {
      throw new RangeError(`packed image buffer of ${bytes.length} bytes is not a multiple of ${this.stride}`);
    }
    this.count = bytes.length / this.stride;
  }

  /** The stored pixels of one image (a view, not a copy). */
  raw(index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`image index ${index} is outside [0, ${this.count})`);
    }
    return this.bytes.subarray(index * this.stride, (index + 1) * this.stride);
  }

  /** RGBA with straight alpha, whatever the stored format. */
  rgba(index: number): Uint8Array {
    return toRgba(this.raw(index), this.format);
  }

  /** RGB composited over a background colour (white by default). */
  read(index: number, background: Rgb = WHITE): Uint8Array {
    const raw = this.raw(index);
    if (this.format === "rgb") return raw.slice();
    if (this.format === "gray") return grayToRgb(raw);
    return compositeOver(toRgba(raw, this.format), background);
  }

  image(index: number, background: Rgb = WHITE): RgbImage {
    return { width: this.width, height: this.height, data: this.read(index, background) };
  }
}

export function toRgba(raw: Uint8Array, format: PixelFormat): Uint8Array {
  if (format === "rgba") return raw;
  const pixels = raw.length / channelsOf[format];
  const out = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    if (format === "alpha") {
      out[p * 4 + 3] = raw[p]!;
    } else if (format === "gray") {
      out[p * 4] = out[p * 4 + 1] = out[p * 4 + 2] = raw[p]!;
      out[p * 4 + 3] = 255;
    } else {
      out[p * 4] = raw[p * 3]!;
      out[p * 4 + 1] = raw[p * 3 + 1]!;
      out[p * 4 + 2] = raw[p * 3 + 2]!;
      out[p * 4 + 3] = 255;
    }
  }
  return out;
}

export function grayToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let p = 0; p < gray.length; p++) out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = gray[p]!;
  return out;
}

/** Straight-alpha RGBA over an opaque background colour. */
export function compositeOver(rgba: Uint8Array, background: Rgb): Uint8Array {
  const pixels = rgba.length / 4;
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const a = rgba[p * 4 + 3]! / 255;
    for (let c = 0; c < 3; c++) {
      out[p * 3 + c] = Math.round(rgba[p * 4 + c]! * a + background[c]! * (1 - a));
    }
  }
  return out;
}

/** Straight-alpha RGBA over an opaque RGB image of the same size (in place on a copy of the background). */
export function compositeOnto(rgba: Uint8Array, background: Uint8Array): Uint8Array {
  const out = background.slice();
  const pixels = rgba.length / 4;
  for (let p = 0; p < pixels; p++) {
    const a = rgba[p * 4 + 3]! / 255;
    if (a === 0) continue;
    for (let c = 0; c < 3; c++) {
      out[p * 3 + c] = Math.round(rgba[p * 4 + c]! * a + out[p * 3 + c]! * (1 - a));
    }
  }
  return out;
}

/** An RgbImage with every pixel set to one colour. */
export function solidImage(width: number, height: number, colour: Rgb): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(colour, p * 3);
  return { width, height, data };
}
