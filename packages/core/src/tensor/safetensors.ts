import { readFile, writeFile, rename } from "node:fs/promises";
import { bfloat16BitsToFloat, floatToHalfBits, halfBitsToFloat } from "./half.js";
import { tensorErrors } from "./errors.js";

/** A tensor read from a safetensors file: float types become Float32Array, integer types Int32Array. */
export interface NamedArray {
  readonly dtype: "float32" | "int32";
  readonly shape: number[];
  readonly data: Float32Array | Int32Array;
  /** The dtype stored in the file (F16, BF16, F32, I64, ...). */
  readonly storedAs: string;
}

export type TensorMap = Map<string, NamedArray>;

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Read a safetensors file. Every way the file can be wrong is a coded error naming the file. */
export async function readSafetensors(path: string): Promise<{ tensors: TensorMap; metadata: Record<string, string> }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw tensorErrors.make("VLP_WEIGHTS_NOT_FOUND", `cannot read weights file ${path}`, { cause });
  }
  return parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

export function parseSafetensors(bytes: Uint8Array, source = "<buffer>"): { tensors: TensorMap; metadata: Record<string, string> } {
  const corrupt = (why: string) => tensorErrors.make("VLP_WEIGHTS_CORRUPT", `${source}: ${why}`);
  if (bytes.byteLength < 8) throw corrupt(`file is ${bytes.byteLength} bytes, too short for a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength) {
    throw corrupt(`header length ${headerLength} exceeds the file size ${bytes.byteLength} (truncated?)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw corrupt("header is not valid JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw corrupt("header is not a JSON object");
  const data = bytes.subarray(8 + headerLength);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: TensorMap = new Map();
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    tensors.set(name, decodeEntry(name, raw as HeaderEntry, data, corrupt, source));
  }
  return { tensors, metadata };
}

function decodeEntry(
  name: string,
  entry: HeaderEntry,
  data: Uint8Array,
  corrupt: (why: string) => Error,
  source: string,
): NamedArray {
  if (!entry || typeof entry.dtype !== "string" || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets)) {
    throw corrupt(`entry "${name}" lacks dtype, shape or data_offsets`);
  }
  const width = BYTES[entry.dtype];
  if (width === undefined) throw tensorErrors.make("VLP_WEIGHTS_DTYPE", `${source}: tensor "${name}" has dtype ${entry.dtype}`);
  const [begin, end] = entry.data_offsets;
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (!entry.shape.every((d) => Number.isInteger(d) && d >= 0)) throw corrupt(`tensor "${name}" has shape ${JSON.stringify(entry.shape)}`);
  if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin || end > data.byteLength) {
    throw corrupt(`tensor "${name}" spans bytes [${begin}, ${end}) but the data section has ${data.byteLength} bytes (truncated?)`);
  }
  if (end - begin !== count * width) {
    throw corrupt(`tensor "${name}" of shape [${entry.shape}] ${entry.dtype} needs ${count * width} bytes, has ${end - begin}`);
  }
  // Copy: aligned and detached from the file buffer (Buffer#slice would be a view, so copy through the constructor).
  const slice = new Uint8Array(data.subarray(begin, end));
  const view = new DataView(slice.buffer);
  const isFloat = entry.dtype.startsWith("F") || entry.dtype === "BF16";
  if (entry.dtype === "F32") return { dtype: "float32", shape: [...entry.shape], data: new Float32Array(slice.buffer), storedAs: "F32" };
  if (entry.dtype === "I32") return { dtype: "int32", shape: [...entry.shape], data: new Int32Array(slice.buffer), storedAs: "I32" };
  const out = isFloat ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = readScalar(view, i, entry.dtype);
  return { dtype: isFloat ? "float32" : "int32", shape: [...entry.shape], data: out, storedAs: entry.dtype };
}

function readScalar(view: DataView, i: number, dtype: string): number {
  switch (dtype) {
    case "F32": return view.getFloat32(i * 4, true);
    case "F64": return view.getFloat64(i * 8, true);
    case "F16": return halfBitsToFloat(view.getUint16(i * 2, true));
    case "BF16": return bfloat16BitsToFloat(view.getUint16(i * 2, true));
    case "I64": return Number(view.getBigInt64(i * 8, true));
    case "I32": return view.getInt32(i * 4, true);
    case "I16": return view.getInt16(i * 2, true);
    case "I8": return view.getInt8(i);
    default: return view.getUint8(i); // U8, BOOL
  }
}

export interface TensorToWrite {
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
  /** Stored type; float data defaults to F32, int data to I32. F16 halves the size (round to nearest even). */
  readonly dtype?: "F32" | "F16" | "I32" | "I64";
}

/** Serialise tensors (sorted by name, as the reference writer does) with optional string metadata. */
export function encodeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  const dtypes = names.map((n) => tensors[n]!.dtype ?? (tensors[n]!.data instanceof Float32Array ? "F32" : "I32"));
  names.forEach((name, k) => {
    const bytes = tensors[name]!.data.length * BYTES[dtypes[k]!]!;
    header[name] = { dtype: dtypes[k], shape: [...tensors[name]!.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  });
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((json.length + 8) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  names.forEach((name, k) => {
    at = writeData(view, at, tensors[name]!.data, dtypes[k]!);
  });
  return out;
}

function writeData(view: DataView, at: number, data: Float32Array | Int32Array, dtype: string): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (dtype === "F32") { view.setFloat32(at, v, true); at += 4; }
    else if (dtype === "F16") { view.setUint16(at, floatToHalfBits(v), true); at += 2; }
    else if (dtype === "I64") { view.setBigInt64(at, BigInt(Math.trunc(v)), true); at += 8; }
    else { view.setInt32(at, v, true); at += 4; }
  }
  return at;
}

/** Write atomically: a reader never sees a half-written file. */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, encodeSafetensors(tensors, metadata));
  await rename(tmp, path);
}
