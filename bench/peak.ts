/**
 * The tensor backend's float32 matMul speed (GFLOP/s) at 1024 and 2048, plain and with transposeB, for the
 * table's "limit" line next to numpy's sgemm.
 */
import * as tf from "@tensorflow/tfjs";
import { timeRuns, type Timing } from "./ts-workloads.js";

export async function matMulPeak(): Promise<Timing> {
  const gflops: Record<string, number> = {};
  let allRuns: number[] = [];
  for (const n of [1024, 2048]) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    for (const [label, transposeB] of [["plain", false], ["transposeB", true]] as const) {
      if (label === "transposeB" && n > 1024) continue; // slow on wasm; 1024 shows the gap
      const runs = await timeRuns(3, () => {
        // Braces: a tidy that RETURNS the 4M-value array walks it element by element looking for tensors.
        tf.tidy(() => {
          tf.matMul(a, b, false, transposeB).dataSync();
        });
      });
      gflops[`${label}${n}`] = (2 * n ** 3) / (Math.min(...runs) / 1000) / 1e9;
      if (label === "plain") allRuns = runs;
    }
    tf.dispose([a, b]);
  }
  return { runs: allRuns, gflops };
}
