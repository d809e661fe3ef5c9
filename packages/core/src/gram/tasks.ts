/**
 * Meta-training tasks from unlabeled image-caption pairs by cross-modal hierarchical clustering: the frozen
 * image and caption features (joint by default) are clustered into coarse clusters (domains), and each
 * coarse cluster into fine clusters (pseudo-classes, named from their captions). A task is N-way K-shot:
 * the support set comes from one domain; the query set from another domain and its own pseudo-classes
 * ("other", default) or from held-out items of the support's pseudo-classes ("same"). The "contrastive"
 * task is in-batch image-caption matching: each pair is its own class, named by its caption.
 */
import type { Rng } from "../tensor/rng.js";
import { gramErrors } from "./errors.js";
import type { CorpusFeatures } from "./features.js";
import { normalizedRows } from "./features.js";
import { kMeans } from "./kmeans.js";
import { centralCaptionNames, cutCaption, keywordNames } from "./naming.js";
import type { MetaTrainSettings } from "./options.js";

export interface FineCluster {
  readonly coarse: number;
  /** Corpus indices. */
  readonly members: readonly number[];
  /** Pseudo-class text the method's prompts use. */
  readonly name: string;
}

export interface TaskHierarchy {
  readonly coarseCount: number;
  /** Corpus indices per coarse cluster. */
  readonly itemsByCoarse: readonly (readonly number[])[];
  readonly fine: readonly FineCluster[];
  /** Fine cluster ids per coarse cluster. */
  readonly fineByCoarse: readonly (readonly number[])[];
}

export interface TaskSide {
  readonly classNames: readonly string[];
  /** Corpus indices, and the label (index into classNames) of each. */
  readonly items: readonly number[];
  readonly labels: readonly number[];
}

export interface MetaTask {
  readonly support: TaskSide;
  readonly query: TaskSide;
  /** Coarse clusters of the support and of the query. */
  readonly domains: readonly [number, number];
}

type ClusterSettings = Pick<
  MetaTrainSettings,
  "coarseClusters" | "finePerCoarse" | "coarseFeatures" | "fineFeatures" | "imageWeight" | "kmeansIterations" | "kmeansRestarts" | "naming" | "nameWords" | "maxNameWords"
>;
type SamplingSettings = Pick<MetaTrainSettings, "task" | "queryDomain" | "ways" | "supportShots" | "queryShots" | "maxNameWords">;

/** The rows clustered: normalised image, normalised caption, or both (weighted so the row has norm 1). */
export function clusteringFeatures(features: CorpusFeatures, kind: "joint" | "image" | "text", imageWeight: number): { data: Float32Array; d: number } {
  const { size: n, embedDim: e } = features;
  const image = normalizedRows(features.image, n, e);
  const text = normalizedRows(features.text, n, e);
  if (kind === "image") return { data: image, d: e };
  if (kind === "text") return { data: text, d: e };
  const data = new Float32Array(n * 2 * e);
  const [wi, wt] = [Math.sqrt(imageWeight), Math.sqrt(1 - imageWeight)];
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < e; t++) {
      data[i * 2 * e + t] = wi * image[i * e + t]!;
      data[i * 2 * e + e + t] = wt * text[i * e + t]!;
    }
  }
  return { data, d: 2 * e };
}

function rowsOf(data: Float32Array, d: number, items: readonly number[]): Float32Array {
  const out = new Float32Array(items.length * d);
  items.forEach((item, r) => out.set(data.subarray(item * d, (item + 1) * d), r * d));
  return out;
}

function groups(assignments: Int32Array, k: number, items: readonly number[]): number[][] {
  const out: number[][] = Array.from({ length: k }, () => []);
  assignments.forEach((cluster, r) => out[cluster]!.push(items[r]!));
  return out;
}

/** Coarse k-means over the corpus, then fine k-means inside each coarse cluster, then names. Seeded. */
export function buildHierarchy(features: CorpusFeatures, settings: ClusterSettings, rng: Rng): TaskHierarchy {
  const all = Array.from({ length: features.size }, (_, i) => i);
  const coarseRows = clusteringFeatures(features, settings.coarseFeatures, settings.imageWeight);
  const coarse = kMeans(coarseRows.data, features.size, coarseRows.d, settings.coarseClusters, rng.fork("coarse"), settings.kmeansIterations, settings.kmeansRestarts);
  const itemsByCoarse = groups(coarse.assignments, coarse.k, all).filter((items) => items.length > 0);
  const fineRows = clusteringFeatures(features, settings.fineFeatures, settings.imageWeight);
  const members: number[][] = [];
  const owners: number[] = [];
  const centroids: Float32Array[] = [];
  itemsByCoarse.forEach((items, c) => {
    const result = kMeans(rowsOf(fineRows.data, fineRows.d, items), items.length, fineRows.d, settings.finePerCoarse, rng.fork(`fine-${c}`), settings.kmeansIterations, settings.kmeansRestarts);
    groups(result.assignments, result.k, items).forEach((group, j) => {
      if (group.length === 0) return;
      members.push(group);
      owners.push(c);
      centroids.push(result.centroids.slice(j * fineRows.d, (j + 1) * fineRows.d));
    });
  });
  const names =
    settings.naming === "keywords"
      ? keywordNames(members, features.captions, settings.nameWords, settings.maxNameWords)
      : centralCaptionNames(members, features.captions, fineRows.data, fineRows.d, centroids, settings.maxNameWords);
  const fine = members.map((m, i) => ({ coarse: owners[i]!, members: m, name: names[i]! }));
  const fineByCoarse = itemsByCoarse.map((_, c) => fine.flatMap((f, i) => (f.coarse === c ? [i] : [])));
  return { coarseCount: itemsByCoarse.length, itemsByCoarse, fine, fineByCoarse };
}

/** Fine clusters of coarse cluster c with at least `shots` members and distinct names. */
function usableFine(h: TaskHierarchy, c: number, shots: number): number[] {
  const seen = new Set<string>();
  return h.fineByCoarse[c]!.filter((f) => {
    const ok = h.fine[f]!.members.length >= shots && !seen.has(h.fine[f]!.name);
    if (ok) seen.add(h.fine[f]!.name);
    return ok;
  });
}

function domainsWith(h: TaskHierarchy, ok: (c: number) => boolean): number[] {
  return Array.from({ length: h.coarseCount }, (_, c) => c).filter(ok);
}

function eligible(h: TaskHierarchy, s: SamplingSettings): { support: number[]; query: number[] } {
  if (s.task === "contrastive") {
    const big = domainsWith(h, (c) => h.itemsByCoarse[c]!.length >= s.ways);
    return { support: big, query: big };
  }
  if (s.queryDomain === "same") {
    const both = domainsWith(h, (c) => usableFine(h, c, s.supportShots + s.queryShots).length >= s.ways);
    return { support: both, query: both };
  }
  return {
    support: domainsWith(h, (c) => usableFine(h, c, s.supportShots).length >= s.ways),
    query: domainsWith(h, (c) => usableFine(h, c, s.queryShots).length >= s.ways),
  };
}

/** Throw VLP_GRAM_CORPUS unless tasks with these settings can be drawn from the hierarchy. */
export function checkTaskable(h: TaskHierarchy, s: SamplingSettings): void {
  const { support, query } = eligible(h, s);
  const crossDomain = s.queryDomain === "other" || s.task === "contrastive";
  const ok = support.length > 0 && query.length > 0 && (!crossDomain || support.some((a) => query.some((b) => b !== a)));
  if (!ok) {
    const sizes = h.fineByCoarse.map((f, c) => `domain ${c}: ${h.itemsByCoarse[c]!.length} pairs in ${f.length} fine clusters`).join("; ");
    throw gramErrors.make(
      "VLP_GRAM_CORPUS",
      `cannot draw ${s.task} tasks of ${s.ways} ways, ${s.supportShots}+${s.queryShots} shots, query domain "${s.queryDomain}" from ${h.coarseCount} domains (${sizes})`,
    );
  }
}

/** One side of a task: the items `pick` draws from each fine cluster, labelled by the cluster's position. */
function side(h: TaskHierarchy, fineIds: readonly number[], pick: (fine: number) => number[]): TaskSide {
  const items: number[] = [];
  const labels: number[] = [];
  fineIds.forEach((f, label) => {
    for (const item of pick(f)) {
      items.push(item);
      labels.push(label);
    }
  });
  return { classNames: fineIds.map((f) => h.fine[f]!.name), items, labels };
}

function pairSide(items: readonly number[], captions: readonly string[], maxWords: number): TaskSide {
  return { classNames: items.map((i) => cutCaption(captions[i]!, maxWords)), items, labels: items.map((_, j) => j) };
}

/** Draw one task (deterministic for a given rng state). Call checkTaskable once first. */
export function sampleTask(h: TaskHierarchy, captions: readonly string[], s: SamplingSettings, rng: Rng): MetaTask {
  const { support: supportDomains, query: queryDomains } = eligible(h, s);
  const a = supportDomains[rng.int(supportDomains.length)]!;
  if (s.task === "contrastive" || s.queryDomain === "other") {
    const others = queryDomains.filter((c) => c !== a);
    const b = others[rng.int(others.length)]!;
    if (s.task === "contrastive") {
      const support = pairSide(rng.sample(h.itemsByCoarse[a]!, s.ways), captions, s.maxNameWords);
      return { support, query: pairSide(rng.sample(h.itemsByCoarse[b]!, s.ways), captions, s.maxNameWords), domains: [a, b] };
    }
    const support = side(h, rng.sample(usableFine(h, a, s.supportShots), s.ways), (f) => rng.sample(h.fine[f]!.members, s.supportShots));
    const query = side(h, rng.sample(usableFine(h, b, s.queryShots), s.ways), (f) => rng.sample(h.fine[f]!.members, s.queryShots));
    return { support, query, domains: [a, b] };
  }
  const fineIds = rng.sample(usableFine(h, a, s.supportShots + s.queryShots), s.ways);
  const drawn = new Map(fineIds.map((f) => [f, rng.sample(h.fine[f]!.members, s.supportShots + s.queryShots)]));
  const support = side(h, fineIds, (f) => drawn.get(f)!.slice(0, s.supportShots));
  const query = side(h, fineIds, (f) => drawn.get(f)!.slice(s.supportShots));
  return { support, query, domains: [a, a] };
}
