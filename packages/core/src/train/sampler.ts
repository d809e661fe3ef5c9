/**
 * Which items form each training batch. Dassl's train loader: a random permutation per epoch, and
 * `drop_last` only when the set is at least one batch long (a set smaller than a batch trains as one short batch).
 */
import { Rng } from "../tensor/rng.js";

/** True when the last, incomplete batch is dropped: only when the set is larger than one batch. */
export function dropsLast(size: number, batchSize: number): boolean {
  return size > batchSize;
}

/** Number of optimizer steps in one epoch. */
export function stepsPerEpoch(size: number, batchSize: number): number {
  if (size === 0) return 0;
  return dropsLast(size, batchSize) ? Math.floor(size / batchSize) : 1;
}

/**
 * The epoch's batches as item indices. The permutation comes from `rng.fork("epoch-<k>")`, so every epoch's order
 * depends only on the run seed and the epoch number (a resumed run draws the same batches).
 */
export function epochBatches(size: number, batchSize: number, rng: Rng, epoch: number): number[][] {
  const order = rng.fork(`epoch-${epoch}`).shuffle(Array.from({ length: size }, (_, i) => i));
  const steps = stepsPerEpoch(size, batchSize);
  const batches: number[][] = [];
  for (let step = 0; step < steps; step++) batches.push(order.slice(step * batchSize, (step + 1) * batchSize));
  return batches;
}
