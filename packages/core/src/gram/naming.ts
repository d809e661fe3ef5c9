/**
 * Text for pseudo-classes: a method builds its prompts from class names, so each fine cluster needs one.
 * "keywords": the cluster's top caption words by tf-idf over fine clusters (frequency of the word among the
 * cluster's captions times log(1 + clusters / clusters containing it)), so that words shared by every
 * cluster ("photo") do not name them all. "caption": the caption nearest to the cluster's centroid.
 */
const stopwords = new Set(
  (
    "a an the of and or in on at to for with by from as is are was were be been this that these those it its " +
    "there their they he she his her we our you your i my me some any into onto over under up down out near " +
    "has have had not no very just also two three one"
  ).split(" "),
);

/** Lower-case words of a caption without stopwords. */
export function captionWords(caption: string): string[] {
  return (caption.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !stopwords.has(w));
}

/** The first `maxWords` words of a caption (whitespace-separated, punctuation kept). */
export function cutCaption(caption: string, maxWords: number): string {
  return caption.trim().split(/\s+/).slice(0, maxWords).join(" ");
}

/**
 * A name per cluster (`members` lists corpus indices) from its captions' top `words` keywords; names are
 * made unique by taking further keywords on a collision; a cluster without any keyword takes its first
 * caption, cut to `fallbackWords`.
 */
export function keywordNames(members: readonly (readonly number[])[], captions: readonly string[], words: number, fallbackWords: number): string[] {
  const perCluster = members.map((items) => {
    const counts = new Map<string, number>();
    for (const i of items) for (const w of new Set(captionWords(captions[i]!))) counts.set(w, (counts.get(w) ?? 0) + 1);
    return counts;
  });
  const clustersWith = new Map<string, number>();
  for (const counts of perCluster) for (const w of counts.keys()) clustersWith.set(w, (clustersWith.get(w) ?? 0) + 1);
  const used = new Set<string>();
  return perCluster.map((counts, c) => {
    const ranked = [...counts.entries()]
      .map(([w, n]) => [w, n * Math.log(1 + perCluster.length / clustersWith.get(w)!)] as const)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([w]) => w);
    if (ranked.length === 0) return cutCaption(captions[members[c]![0]!] ?? "", fallbackWords);
    let take = Math.min(words, ranked.length);
    let name = ranked.slice(0, take).join(" ");
    while (used.has(name) && take < ranked.length) name = ranked.slice(0, ++take).join(" ");
    used.add(name);
    return name;
  });
}

/** The caption of the member nearest to the centroid (features [n, d] rows, centroids [k, d]). */
export function centralCaptionNames(
  members: readonly (readonly number[])[],
  captions: readonly string[],
  features: Float32Array,
  d: number,
  centroids: readonly Float32Array[],
  maxWords: number,
): string[] {
  return members.map((items, c) => {
    let best = items[0]!;
    let bestDistance = Infinity;
    for (const i of items) {
      let distance = 0;
      for (let t = 0; t < d; t++) distance += (features[i * d + t]! - centroids[c]![t]!) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [i, distance];
    }
    return cutCaption(captions[best]!, maxWords);
  });
}
