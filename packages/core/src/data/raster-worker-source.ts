/**
 * Source of the rasteriser child process (CommonJS, plain JavaScript). resvg-js aborts the whole process on
 * a few SVGs (a Rust panic that cannot be caught), so it runs in a child: the parent notices the exit,
 * renders the offending SVG with sharp instead, and starts a new child. Written to the cache folder at build
 * time and started with `node <file> <path of @resvg/resvg-js>`.
 */
import { toStoredPixels } from "./pixels.js";

/** The worker also converts to the stored pixel format (less to send back: 1 byte per pixel for icons). */
export const RASTER_WORKER_SOURCE = String.raw`
"use strict";
const { Resvg } = require(process.argv[2]);

// No system fonts: loading them costs ~5 ms per SVG, and no source uses text.
const font = { loadSystemFonts: false };

function render(svg, size) {
  let image = new Resvg(svg, { fitTo: { mode: "width", value: size }, font }).render();
  if (image.height > size) image = new Resvg(svg, { fitTo: { mode: "height", value: size }, font }).render();
  const { width, height } = image;
  const pixels = image.pixels;
  const out = new Uint8Array(size * size * 4);
  const left = Math.floor((size - width) / 2);
  const top = Math.floor((size - height) / 2);
  for (let y = 0; y < Math.min(height, size); y++) {
    const row = pixels.subarray(y * width * 4, y * width * 4 + Math.min(width, size) * 4);
    out.set(row, ((y + Math.max(top, 0)) * size + Math.max(left, 0)) * 4);
  }
  return out;
}

const toStoredPixels = ${toStoredPixels.toString()};

process.on("message", (message) => {
  for (const job of message.jobs) {
    try {
      process.send({ id: job.id, pixels: toStoredPixels(render(job.svg, message.size), message.format) });
    } catch (error) {
      process.send({ id: job.id, error: String(error && error.message ? error.message : error) });
    }
  }
});
process.on("disconnect", () => process.exit(0));
`;
