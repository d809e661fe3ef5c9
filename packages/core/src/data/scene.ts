/**
 * Seeded "renders" of one artwork: the drawing scaled (0.55-1), shifted, rotated (+-15 degrees) and
 * composited onto a varied background (plain, colour, gradient, noise), with occasional blur, sensor noise
 * and a small occluder. The same seed always gives the same image, so train/test renders are fixed sets.
 */
import { Rng } from "../tensor/rng.js";
import type { RgbImage } from "./image.js";

type Colour = [number, number, number];

function randomColour(rng: Rng): Colour {
  return [rng.int(256), rng.int(256), rng.int(256)];
}

function background(rng: Rng, size: number): Float32Array {
  const out = new Float32Array(size * size * 3);
  const kind = rng.next();
  if (kind < 0.3) return out.fill(255);
  if (kind < 0.55) {
    const colour = randomColour(rng);
    for (let p = 0; p < size * size; p++) out.set(colour, p * 3);
    return out;
  }
  if (kind < 0.8) {
    const [from, to] = [randomColour(rng), randomColour(rng)];
    const vertical = rng.next() < 0.5;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const t = (vertical ? y : x) / Math.max(1, size - 1);
        for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = from[c]! * (1 - t) + to[c]! * t;
      }
    }
    return out;
  }
  const cell = 2 + rng.int(6);
  const base = randomColour(rng);
  const cells = Math.ceil(size / cell);
  const jitter = Array.from({ length: cells * cells }, () => rng.uniform(-40, 40));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const j = jitter[Math.floor(y / cell) * cells + Math.floor(x / cell)]!;
      for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = Math.min(255, Math.max(0, base[c]! + j));
    }
  }
  return out;
}

/** Bilinear sample of premultiplied RGBA (float) at (x, y) in pixel centres; zero outside. */
function sample(premul: Float32Array, size: number, x: number, y: number, out: Float32Array): void {
  out.fill(0);
  const x0 = Math.floor(x - 0.5);
  const y0 = Math.floor(y - 0.5);
  const fx = x - 0.5 - x0;
  const fy = y - 0.5 - y0;
  for (let dy = 0; dy < 2; dy++) {
    const yy = y0 + dy;
    if (yy < 0 || yy >= size) continue;
    for (let dx = 0; dx < 2; dx++) {
      const xx = x0 + dx;
      if (xx < 0 || xx >= size) continue;
      const w = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
      const s = (yy * size + xx) * 4;
      for (let c = 0; c < 4; c++) out[c]! += premul[s + c]! * w;
    }
  }
}

function toPremultiplied(rgba: Uint8Array): Float32Array {
  const out = new Float32Array(rgba.length);
  for (let p = 0; p < rgba.length; p += 4) {
    const a = rgba[p + 3]! / 255;
    out[p] = rgba[p]! * a;
    out[p + 1] = rgba[p + 1]! * a;
    out[p + 2] = rgba[p + 2]! * a;
    out[p + 3] = a;
  }
  return out;
}

function boxBlur(image: Float32Array, size: number): Float32Array {
  const out = new Float32Array(image.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        let total = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || yy >= size || xx < 0 || xx >= size) continue;
            total += image[(yy * size + xx) * 3 + c]!;
            n++;
          }
        }
        out[(y * size + x) * 3 + c] = total / n;
      }
    }
  }
  return out;
}

/** Render a square straight-alpha RGBA artwork into an RGB scene of the same size. */
export function renderScene(rgba: Uint8Array, size: number, seed: number): RgbImage {
  const rng = new Rng(seed);
  const premul = toPremultiplied(rgba);
  let canvas = background(rng, size);
  const scale = rng.uniform(0.55, 1);
  const angle = (rng.uniform(-15, 15) * Math.PI) / 180;
  const shift = ((1 - scale) * size) / 2;
  const [tx, ty] = [rng.uniform(-shift, shift), rng.uniform(-shift, shift)];
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const centre = size / 2;
  const pixel = new Float32Array(4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Inverse map: output pixel centre -> source coordinates.
      const dx = x + 0.5 - centre - tx;
      const dy = y + 0.5 - centre - ty;
      sample(premul, size, (cos * dx + sin * dy) / scale + centre, (-sin * dx + cos * dy) / scale + centre, pixel);
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) canvas[o + c] = pixel[c]! + canvas[o + c]! * (1 - pixel[3]!);
    }
  }
  if (rng.next() < 0.2) occlude(rng, canvas, size);
  if (rng.next() < 0.25) canvas = boxBlur(canvas, size);
  const noise = rng.next() < 0.3 ? rng.uniform(2, 10) : 0;
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) {
    const value = canvas[i]! + (noise ? rng.normal(0, noise) : 0);
    data[i] = value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
  }
  return { width: size, height: size, data };
}

function occlude(rng: Rng, canvas: Float32Array, size: number): void {
  const width = Math.max(1, Math.round(size * rng.uniform(0.1, 0.25)));
  const height = Math.max(1, Math.round(size * rng.uniform(0.1, 0.25)));
  const left = rng.int(size - width + 1);
  const top = rng.int(size - height + 1);
  const colour = randomColour(rng);
  for (let y = top; y < top + height; y++) {
    for (let x = left; x < left + width; x++) canvas.set(colour, (y * size + x) * 3);
  }
}
