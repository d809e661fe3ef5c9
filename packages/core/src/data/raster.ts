/**
 * Rasterise SVGs with @resvg/resvg-js in child processes (sharp as the fallback for SVGs that crash resvg),
 * and decode PNG/WebP files with sharp. Every result is a size x size premultiplied RGBA image, the drawing
 * centred (letterboxed) in the square.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { PixelFormat } from "./image.js";
import { packageDir } from "./paths.js";
import { toStoredPixels } from "./pixels.js";
import { RASTER_WORKER_SOURCE } from "./raster-worker-source.js";

const BATCH = 24;

/** Receives image `index` in the requested stored pixel format. */
export type ImageSink = (index: number, pixels: Uint8Array) => void;

export interface RasterReport {
  /** Indices rendered by sharp because resvg crashed or failed on them. */
  readonly fallbacks: number[];
  /** Indices neither renderer could draw (left transparent). */
  readonly failures: number[];
}

/** Straight-alpha RGBA -> premultiplied, in place. */
export function premultiply(rgba: Uint8Array): Uint8Array {
  for (let p = 0; p < rgba.length; p += 4) {
    const a = rgba[p + 3]! / 255;
    rgba[p] = Math.round(rgba[p]! * a);
    rgba[p + 1] = Math.round(rgba[p + 1]! * a);
    rgba[p + 2] = Math.round(rgba[p + 2]! * a);
  }
  return rgba;
}

/** Decode any image sharp reads (SVG, PNG, WebP, JPEG) to a size x size premultiplied RGBA square. */
export async function decodeWithSharp(input: string | Buffer, size: number): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const isSvg = Buffer.isBuffer(input);
  const pipeline = sharp(input, isSvg ? { density: 300 } : {})
    .resize(size, size, { fit: "contain", background: { r: 0, g: 0, b: 0, alpha: 0 }, kernel: "lanczos3" })
    .ensureAlpha()
    .raw();
  const { data } = await pipeline.toBuffer({ resolveWithObject: true });
  return premultiply(new Uint8Array(data.buffer, data.byteOffset, data.length).slice());
}

type SharpModule = (typeof import("sharp"))["default"];
let sharpModule: SharpModule | undefined;

/** sharp, loaded on first use so that importing the data layer never needs libvips. */
export async function loadSharp(): Promise<SharpModule> {
  sharpModule ??= (await import("sharp")).default;
  return sharpModule;
}

interface Pending { id: number; svg: string }

/** A pool of resvg child processes. */
export class RasterPool {
  private readonly workerFile: string;
  private readonly resvgPath: string;

  constructor(scratchDir: string, private readonly workers = Math.max(1, Math.min(4, availableParallelism()))) {
    mkdirSync(scratchDir, { recursive: true });
    this.workerFile = join(scratchDir, "raster-worker.cjs");
    writeFileSync(this.workerFile, RASTER_WORKER_SOURCE);
    this.resvgPath = packageDir("@resvg/resvg-js");
  }

  /** Render svgs[i] for every i, calling sink(i, pixels) as results arrive (in any order). */
  async renderSvgs(svgs: readonly string[], size: number, format: PixelFormat, sink: ImageSink): Promise<RasterReport> {
    const queue: Pending[] = svgs.map((svg, id) => ({ id, svg })).reverse();
    const crashed: number[] = [];
    const failures: number[] = [];
    const lanes = Array.from({ length: Math.min(this.workers, Math.max(1, svgs.length)) },
      () => this.runLane(queue, size, format, sink, crashed));
    await Promise.all(lanes);
    for (const id of crashed) {
      try {
        sink(id, toStoredPixels(await decodeWithSharp(Buffer.from(svgs[id]!), size), format));
      } catch {
        failures.push(id);
        sink(id, toStoredPixels(new Uint8Array(size * size * 4), format));
      }
    }
    return { fallbacks: crashed, failures };
  }

  /** One child process working through the shared queue; restarted when resvg aborts it. */
  private async runLane(queue: Pending[], size: number, format: PixelFormat, sink: ImageSink, crashed: number[]): Promise<void> {
    while (queue.length > 0) {
      const child = fork(this.workerFile, [this.resvgPath], { serialization: "advanced", stdio: ["ignore", "ignore", "ignore", "ipc"] });
      await new Promise<void>((resolveLane) => {
        let inFlight: Pending[] = [];
        const sendBatch = () => {
          inFlight = [];
          while (inFlight.length < BATCH && queue.length > 0) inFlight.push(queue.pop()!);
          if (inFlight.length === 0) {
            child.removeAllListeners("close");
            child.disconnect();
            resolveLane();
            return;
          }
          child.send({ size, format, jobs: inFlight });
        };
        child.on("message", (message: { id: number; pixels?: Uint8Array; error?: string }) => {
          const position = inFlight.findIndex((job) => job.id === message.id);
          const [job] = inFlight.splice(position, 1);
          if (message.pixels) sink(message.id, message.pixels);
          else if (job) crashed.push(job.id);
          if (inFlight.length === 0) sendBatch();
        });
        // "close" comes after the IPC channel has delivered every message the child sent before dying.
        child.on("close", () => {
          // resvg aborted on the first unfinished job; the rest go back to the queue.
          const [culprit, ...rest] = inFlight;
          if (culprit) crashed.push(culprit.id);
          for (const job of rest.reverse()) queue.push(job);
          resolveLane();
        });
        sendBatch();
      });
      killQuietly(child);
    }
  }
}

function killQuietly(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill();
}

/** Decode image files (PNG/WebP) with sharp, a few at a time. */
export async function decodeFiles(files: readonly string[], size: number, format: PixelFormat, sink: ImageSink,
  concurrency = 8): Promise<RasterReport> {
  const failures: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const id = next++;
      try {
        sink(id, toStoredPixels(await decodeWithSharp(files[id]!, size), format));
      } catch {
        failures.push(id);
        sink(id, toStoredPixels(new Uint8Array(size * size * 4), format));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { fallbacks: [], failures };
}
