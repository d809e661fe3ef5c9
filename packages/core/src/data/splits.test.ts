import { describe, expect, it } from "vitest";
import { createDataset, classCounts, indicesByClass, type ClassificationDataset } from "./dataset.js";
import { baseNewSplit, fewShot, FEW_SHOT_SEEDS, FEW_SHOT_SHOTS } from "./splits.js";

/** classes x perClass items; item i has label i % classes; class c has order 10 * (classes - c) and group g(c). */
function synthetic(classes = 6, perClass = 20): ClassificationDataset {
  const size = classes * perClass;
  return createDataset({
    name: "synthetic",
    classInfo: Array.from({ length: classes }, (_, c) => ({ name: `class ${c}`, order: 10 * (classes - c), group: `g${c % 3}` })),
    items: {
      size,
      label: (i) => i % classes,
      image: (i) => ({ width: 1, height: 1, data: new Uint8Array([i % 256, 0, 0]) }),
      itemId: (i) => `item-${i}`,
      itemDomain: (i) => (i % 2 ? "odd" : "even"),
    },
  });
}

const ids = (d: ClassificationDataset) => Array.from({ length: d.size }, (_, i) => d.itemId(i));

describe("dataset views", () => {
  it("subsets compose and keep labels", () => {
    const d = synthetic();
    const s = d.subset([5, 7, 11, 13]).subset([1, 3]);
    expect(ids(s)).toEqual(["item-7", "item-13"]);
    expect(Array.from(s.labels())).toEqual([1, 1]);
    expect(s.itemDomain(0)).toBe("odd");
    expect(() => s.label(2)).toThrow(RangeError);
  });

  it("selectClasses relabels in the given order and composes", () => {
    const d = synthetic();
    const picked = d.selectClasses([4, 1]);
    expect(picked.classNames).toEqual(["class 4", "class 1"]);
    expect(classCounts(picked)).toEqual([20, 20]);
    expect(picked.label(0)).toBe(1); // item-1 (class 1) comes first in index order
    const again = picked.selectClasses([0]);
    expect(again.classNames).toEqual(["class 4"]);
    expect(ids(again).every((id) => Number(id.slice(5)) % 6 === 4)).toBe(true);
    expect(Array.from(again.labels()).every((l) => l === 0)).toBe(true);
  });
});

describe("fewShot", () => {
  it("takes K per class, the same subset for the same seed, nested across K", () => {
    const d = synthetic();
    for (const seed of FEW_SHOT_SEEDS) {
      let previous: Set<string> | null = null;
      for (const shots of FEW_SHOT_SHOTS) {
        const s = fewShot(d, { shots, seed });
        expect(classCounts(s)).toEqual(Array(6).fill(shots));
        expect(ids(fewShot(d, { shots, seed }))).toEqual(ids(s));
        const current = new Set(ids(s));
        if (previous) for (const id of previous) expect(current.has(id)).toBe(true);
        previous = current;
      }
    }
    expect(ids(fewShot(d, { shots: 4, seed: 1 }))).not.toEqual(ids(fewShot(d, { shots: 4, seed: 2 })));
  });

  it("keeps every image of a class smaller than K, and rejects bad options", () => {
    const d = synthetic(3, 5);
    expect(classCounts(fewShot(d, { shots: 16, seed: 1 }))).toEqual([5, 5, 5]);
    expect(() => fewShot(d, { shots: 0, seed: 1 })).toThrowError(/VLP_DATA_BAD_OPTION/);
    expect(() => fewShot(d, { shots: 2, seed: 1.5 })).toThrowError(/VLP_DATA_BAD_OPTION/);
  });
});

describe("baseNewSplit", () => {
  it("sorts classes by order and alternates base/new, relabelling each side", () => {
    const d = synthetic(7, 3);
    const split = baseNewSplit(d);
    // Orders are 70, 60, ..., 10 for classes 0..6, so sorted order is 6,5,4,3,2,1,0.
    expect(split.baseClasses).toEqual([0, 2, 4, 6]);
    expect(split.newClasses).toEqual([1, 3, 5]);
    expect(split.base.classNames).toEqual(["class 0", "class 2", "class 4", "class 6"]);
    expect(split.new.size).toBe(9);
    expect(Math.max(...split.new.labels())).toBe(2);
    expect(indicesByClass(split.base).every((members) => members.length === 3)).toBe(true);
  });

  it("by group keeps whole groups on one side and balances class counts", () => {
    const d = synthetic(9, 2);
    const { baseClasses, newClasses } = baseNewSplit(d, { by: "group" });
    expect([...baseClasses, ...newClasses].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const groupOf = (c: number) => d.classInfo[c]!.group;
    for (const c of baseClasses) expect(newClasses.some((n) => groupOf(n) === groupOf(c))).toBe(false);
    expect(Math.abs(baseClasses.length - newClasses.length)).toBeLessThanOrEqual(3);
  });
});
