import type { ClipConfig } from "../clip/config.js";
import { splitWords } from "../clip/tokenizer.js";
import { Rng } from "../tensor/rng.js";

/**
 * The default backbone's shape, chosen for what trains on a 2-core CPU in about an hour (docs/backbone.md has
 * the reasoning and the numbers). vocabSize is set from the corpus vocabulary.
 */
export const defaultBackboneConfig: Omit<ClipConfig, "vocabSize"> = {
  embedDim: 128,
  imageResolution: 48,
  visionLayers: 4,
  visionWidth: 128,
  visionHeads: 2,
  visionPatchSize: 8,
  contextLength: 16,
  textWidth: 128,
  textHeads: 2,
  textLayers: 4,
};

/**
 * The corpus's caption words, most frequent first: each item's canonical caption (which holds its name) and
 * `samplesPerItem` random captions, keeping the words seen at least `minCount` times, at most `maxWords` of them.
 */
export function captionVocabulary(
  corpus: { size: number; caption(index: number, rng?: Rng): string },
  { maxWords = 16000, minCount = 2, samplesPerItem = 2, seed = 0 }: { maxWords?: number; minCount?: number; samplesPerItem?: number; seed?: number } = {},
): string[] {
  const counts = new Map<string, number>();
  const count = (caption: string) => { for (const word of splitWords(caption)) counts.set(word, (counts.get(word) ?? 0) + 1); };
  const rng = new Rng(seed);
  for (let i = 0; i < corpus.size; i++) {
    count(corpus.caption(i));
    for (let s = 0; s < samplesPerItem; s++) count(corpus.caption(i, rng));
  }
  return [...counts.entries()]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, maxWords)
    .map(([word]) => word);
}
