import { describe, expect, it } from "vitest";
import { renderScene } from "./scene.js";

/** A 16x16 RGBA artwork: an opaque red disc on transparency. */
function disc(size = 16): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    if ((x - 7.5) ** 2 + (y - 7.5) ** 2 < 30) rgba.set([230, 20, 20, 255], (y * size + x) * 4);
  }
  return rgba;
}

describe("renderScene", () => {
  it("is deterministic under a seed, different across seeds, and keeps the size", () => {
    const a = renderScene(disc(), 16, 11);
    expect(a.width).toBe(16);
    expect(a.data.length).toBe(16 * 16 * 3);
    expect(Array.from(renderScene(disc(), 16, 11).data)).toEqual(Array.from(a.data));
    expect(Array.from(renderScene(disc(), 16, 12).data)).not.toEqual(Array.from(a.data));
  });

  it("keeps the drawing visible: most renders have strongly red pixels", () => {
    let visible = 0;
    for (let seed = 0; seed < 20; seed++) {
      const { data } = renderScene(disc(), 16, seed);
      let red = 0;
      for (let p = 0; p < 256; p++) if (data[p * 3]! > 150 && data[p * 3 + 1]! < 90 && data[p * 3 + 2]! < 90) red++;
      if (red >= 8) visible++;
    }
    expect(visible).toBeGreaterThanOrEqual(15);
  });
});
