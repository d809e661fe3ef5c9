/**
 * Seeded k-means (k-means++ initialisation, Lloyd iterations) on rows of a [n, d] Float32Array. Distances
 * are computed with tf (||x||^2 - 2 x.c + ||c||^2) in chunks; sampling and centroid sums in plain loops.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../tensor/rng.js";

export interface KMeansResult {
  /** Cluster of each row. */
  readonly assignments: Int32Array;
  /** [k, d] centroids. */
  readonly centroids: Float32Array;
  readonly k: number;
  /** Sum of squared distances of rows to their centroids. */
  readonly inertia: number;
}

const chunkRows = 4096;

function squaredDistancesJs(data: Float32Array, n: number, d: number, centroids: Float32Array, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let t = 0; t < d; t++) sum += (data[i * d + t]! - centroids[j * d + t]!) ** 2;
      out[i * k + j] = sum;
    }
  }
  return out;
}

/** Squared distances [rows, k] of rows [n, d] to centroids [k, d] (tf in chunks when large), as one Float32Array. */
function squaredDistances(data: Float32Array, n: number, d: number, centroids: Float32Array, k: number): Float32Array {
  if (n * k * d < 2_000_000) return squaredDistancesJs(data, n, d, centroids, k);
  const out = new Float32Array(n * k);
  const c = tf.tensor2d(centroids, [k, d]);
  const cNorm = tf.tidy(() => tf.sum(tf.square(c), 1)); // [k]
  for (let start = 0; start < n; start += chunkRows) {
    const rows = Math.min(chunkRows, n - start);
    const part = tf.tidy(() => {
      const x = tf.tensor2d(data.subarray(start * d, (start + rows) * d), [rows, d]);
      const dots = tf.matMul(x, c, false, true); // [rows, k]
      return tf.relu(tf.add(tf.sub(tf.sum(tf.square(x), 1, true), tf.mul(dots, 2)), cNorm)).dataSync();
    });
    out.set(part, start * k);
  }
  tf.dispose([c, cNorm]);
  return out;
}

function copyRow(from: Float32Array, row: number, d: number, to: Float32Array, at: number): void {
  to.set(from.subarray(row * d, (row + 1) * d), at * d);
}

/** k-means++: first centre uniform, then each centre drawn with probability proportional to D(x)^2. */
function plusPlus(data: Float32Array, n: number, d: number, k: number, rng: Rng): Float32Array {
  const centroids = new Float32Array(k * d);
  copyRow(data, rng.int(n), d, centroids, 0);
  const nearest = new Float64Array(n).fill(Infinity);
  for (let j = 1; j < k; j++) {
    const fresh = squaredDistances(data, n, d, centroids.subarray((j - 1) * d, j * d), 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i]!, fresh[i]!);
      total += nearest[i]!;
    }
    let target = rng.next() * total;
    let pick = n - 1;
    for (let i = 0; i < n && total > 0; i++) {
      target -= nearest[i]!;
      if (target < 0) {
        pick = i;
        break;
      }
    }
    if (total === 0) pick = rng.int(n);
    copyRow(data, pick, d, centroids, j);
  }
  return centroids;
}

function assign(distances: Float32Array, n: number, k: number, assignments: Int32Array): boolean {
  let changed = false;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (distances[i * k + j]! < distances[i * k + best]!) best = j;
    if (assignments[i] !== best) changed = true;
    assignments[i] = best;
  }
  return changed;
}

/** Mean of each cluster's rows; an empty cluster takes the row farthest from its own centroid. */
function update(data: Float32Array, n: number, d: number, k: number, assignments: Int32Array, distances: Float32Array): Float32Array {
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const j = assignments[i]!;
    counts[j]!++;
    for (let t = 0; t < d; t++) sums[j * d + t] += data[i * d + t]!;
  }
  const centroids = new Float32Array(k * d);
  for (let j = 0; j < k; j++) {
    if (counts[j] === 0) {
      let far = 0;
      for (let i = 1; i < n; i++) if (distances[i * k + assignments[i]!]! > distances[far * k + assignments[far]!]!) far = i;
      copyRow(data, far, d, centroids, j);
      distances[far * k + assignments[far]!] = 0;
      continue;
    }
    for (let t = 0; t < d; t++) centroids[j * d + t] = sums[j * d + t]! / counts[j]!;
  }
  return centroids;
}

function lloyd(data: Float32Array, n: number, d: number, k: number, rng: Rng, iterations: number): KMeansResult {
  let centroids = plusPlus(data, n, d, k, rng);
  const assignments = new Int32Array(n).fill(-1);
  let distances: Float32Array = new Float32Array(0);
  for (let it = 0; it < iterations; it++) {
    distances = squaredDistances(data, n, d, centroids, k);
    if (!assign(distances, n, k, assignments)) break;
    centroids = update(data, n, d, k, assignments, distances);
  }
  distances = squaredDistances(data, n, d, centroids, k);
  assign(distances, n, k, assignments);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += distances[i * k + assignments[i]!]!;
  return { assignments, centroids, k, inertia };
}

/**
 * Cluster n rows of width d into min(k, n) clusters: `restarts` runs of k-means++ and Lloyd, keeping the
 * lowest inertia. Deterministic for a given rng state.
 */
export function kMeans(data: Float32Array, n: number, d: number, k: number, rng: Rng, iterations = 30, restarts = 4): KMeansResult {
  const clusters = Math.max(1, Math.min(k, n));
  let best: KMeansResult | null = null;
  for (let r = 0; r < restarts; r++) {
    const result = lloyd(data, n, d, clusters, rng, iterations);
    if (!best || result.inertia < best.inertia) best = result;
  }
  return best!;
}
