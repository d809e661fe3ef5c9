/** Stable 32-bit FNV-1a hash of a string: turns names into seeds that do not depend on iteration order. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A seed derived from a base seed and labels, e.g. seedFor(1, "fewshot", "emojinet"). */
export function seedFor(base: number, ...labels: (string | number)[]): number {
  let h = hashString(String(base));
  for (const label of labels) h = hashString(`|${label}`, h);
  return h;
}
