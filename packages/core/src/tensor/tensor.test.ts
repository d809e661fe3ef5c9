import { describe, expect, it } from "vitest";
import { floatToHalfBits, halfBitsToFloat, roundToHalf } from "./half.js";
import { Rng } from "./rng.js";
import { encodeSafetensors, parseSafetensors } from "./safetensors.js";

describe("float16 rounding", () => {
  it("matches IEEE half precision on known values", () => {
    expect(floatToHalfBits(1)).toBe(0x3c00);
    expect(floatToHalfBits(-2)).toBe(0xc000);
    expect(floatToHalfBits(65504)).toBe(0x7bff);
    expect(floatToHalfBits(70000)).toBe(0x7c00);
    expect(halfBitsToFloat(0x0001)).toBe(2 ** -24);
    // 1 + 2^-11 is exactly halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(roundToHalf(new Float32Array([1 + 2 ** -11]))[0]).toBe(1);
    expect(roundToHalf(new Float32Array([1 + 3 * 2 ** -11]))[0]).toBe(1 + 2 ** -9);
    expect(roundToHalf(new Float32Array([0.1]))[0]).toBeCloseTo(0.0999755859375, 12);
  });
});

describe("Rng", () => {
  it("is deterministic under a seed and differs across seeds", () => {
    const a = new Rng(7).normalArray(5);
    expect(Array.from(new Rng(7).normalArray(5))).toEqual(Array.from(a));
    expect(Array.from(new Rng(8).normalArray(5))).not.toEqual(Array.from(a));
    const values = new Rng(1).normalArray(20000);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(new Rng(3).sample([1, 2, 3, 4, 5], 3)).toEqual(new Rng(3).sample([1, 2, 3, 4, 5], 3));
  });
});

describe("safetensors", () => {
  it("round-trips F32, F16 and I64 tensors", () => {
    const bytes = encodeSafetensors(
      {
        a: { shape: [2, 2], data: new Float32Array([1, 2.5, -3, 4]) },
        b: { shape: [3], data: new Float32Array([0.1, 1, 2]), dtype: "F16" },
        c: { shape: [2], data: new Int32Array([7, -9]), dtype: "I64" },
      },
      { note: "x" },
    );
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ note: "x" });
    expect(Array.from(tensors.get("a")!.data)).toEqual([1, 2.5, -3, 4]);
    expect(Array.from(tensors.get("b")!.data)).toEqual([halfBitsToFloat(floatToHalfBits(0.1)), 1, 2]);
    expect(tensors.get("c")).toMatchObject({ dtype: "int32", shape: [2], storedAs: "I64" });
    expect(Array.from(tensors.get("c")!.data)).toEqual([7, -9]);
  });

  it("reads a Node Buffer (whose slice is a view, not a copy) like a plain Uint8Array", () => {
    const bytes = encodeSafetensors({ first: { shape: [2], data: new Float32Array([1, 2]) }, second: { shape: [3], data: new Float32Array([3, 4, 5]) } });
    const { tensors } = parseSafetensors(Buffer.from(bytes));
    expect(Array.from(tensors.get("first")!.data)).toEqual([1, 2]);
    expect(Array.from(tensors.get("second")!.data)).toEqual([3, 4, 5]);
  });
});
