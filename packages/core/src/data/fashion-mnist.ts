/**
 * Fashion-MNIST from Debian's dataset-fashion-mnist package: `apt-get download` + `dpkg -x` into the cache
 * folder, then the IDX files are parsed into the image store. Where apt is missing or cannot fetch the
 * package, the dataset is skipped with a message saying what to do.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { ImageStore } from "./store.js";

export const FASHION_MNIST_PACKAGE = "dataset-fashion-mnist";
const FILES_IN_PACKAGE = join("usr", "share", "datasets", "fashion-mnist");

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Parse an IDX file (optionally gzipped) of unsigned bytes. */
export function parseIdx(file: Uint8Array): IdxArray {
  const bytes = file[0] === 0x1f && file[1] === 0x8b ? new Uint8Array(gunzipSync(file)) : file;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== 0x08) throw new Error("not an unsigned-byte IDX file");
  const rank = bytes[3]!;
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const expected = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - offset !== expected) throw new Error(`IDX file holds ${bytes.length - offset} bytes, dims say ${expected}`);
  return { dims, data: bytes.subarray(offset) };
}

export type FashionMnistStatus = { readonly status: "ready" | "built"; readonly images: number } |
  { readonly status: "skipped"; readonly reason: string };

function run(command: string, args: string[], cwd: string): void {
  execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
}

function commandExists(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The folder holding the four IDX files, fetching the Debian package when needed; a reason string if it cannot. */
export function fetchFashionMnist(workDir: string): { dir: string } | { reason: string } {
  const dir = join(workDir, "root", FILES_IN_PACKAGE);
  if (existsSync(join(dir, "t10k-labels-idx1-ubyte.gz"))) return { dir };
  if (!commandExists("apt-get") || !commandExists("dpkg")) {
    return { reason: "apt-get/dpkg not found (not a Debian-family system); Fashion-MNIST skipped" };
  }
  mkdirSync(workDir, { recursive: true });
  try {
    if (!readdirSync(workDir).some((f) => f.endsWith(".deb"))) run("apt-get", ["download", FASHION_MNIST_PACKAGE], workDir);
    const deb = readdirSync(workDir).find((f) => f.endsWith(".deb"))!;
    run("dpkg", ["-x", deb, join(workDir, "root")], workDir);
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split("\n").slice(-2).join(" ") ?? String(error);
    return { reason: `apt-get download ${FASHION_MNIST_PACKAGE} failed (${stderr}); run \`apt-get update\` and prepare again` };
  }
  return existsSync(join(dir, "t10k-labels-idx1-ubyte.gz")) ? { dir } : { reason: `${FASHION_MNIST_PACKAGE} did not contain the IDX files` };
}

/** Parse the IDX files in `dir` into store sources fashion-mnist-train and fashion-mnist-test. */
export function storeFashionMnist(dir: string, store: ImageStore): number {
  let total = 0;
  for (const [split, prefix] of [["train", "train"], ["test", "t10k"]] as const) {
    const images = parseIdx(readFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`)));
    const labels = parseIdx(readFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`)));
    const [count, height, width] = images.dims as [number, number, number];
    if (labels.dims[0] !== count) throw new Error(`Fashion-MNIST ${split}: ${count} images but ${labels.dims[0]} labels`);
    store.write({
      id: `fashion-mnist-${split}`, width, height, format: "gray", count,
      keys: Array.from({ length: count }, (_, i) => String(i)), labels: Array.from(labels.data),
      npm: `deb:${FASHION_MNIST_PACKAGE}`,
    }, images.data);
    total += count;
  }
  return total;
}

/** Make sure Fashion-MNIST is in the store. */
export function prepareFashionMnist(workDir: string, store: ImageStore): FashionMnistStatus {
  if (store.has("fashion-mnist-train") && store.has("fashion-mnist-test")) {
    return { status: "ready", images: store.readIndex("fashion-mnist-train").count + store.readIndex("fashion-mnist-test").count };
  }
  const fetched = fetchFashionMnist(workDir);
  if ("reason" in fetched) return { status: "skipped", reason: fetched.reason };
  return { status: "built", images: storeFashionMnist(fetched.dir, store) };
}
