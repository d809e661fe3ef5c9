import * as tf from "@tensorflow/tfjs";

/**
 * Text sequences of different lengths share one padded [sequences, tokens] layout, but under the causal mask a
 * row after its sequence's EOT never reaches a row that is read. So the per-row work of a block (LayerNorms,
 * projections, MLP: almost all of its products) runs on the valid rows only, packed one after another, and only
 * attention sees the padded layout. `packed` [rows] lists the padded index (sequence * tokens + position) of each
 * valid row; `padded` [sequences * tokens] the packed row of each padded index, or `rows` (a zero row) for
 * padding. Built by `rowPacking`; exact, since padding rows contribute nothing to the rows that are read.
 */
export interface RowPacking {
  readonly packed: tf.Tensor1D; // int32 [rows]
  readonly padded: tf.Tensor1D; // int32 [sequences * tokens]
  readonly rows: number;
}

/**
 * The packing of sequences whose last valid row is `lastRows[s]` (the EOT), in a layout of `tokens` rows each;
 * null when no sequence is shorter than the layout (nothing to pack).
 */
export function rowPacking(lastRows: readonly number[], tokens: number): RowPacking | null {
  const rows = lastRows.reduce((n, last) => n + last + 1, 0);
  if (rows === lastRows.length * tokens) return null;
  const packed = new Int32Array(rows);
  const padded = new Int32Array(lastRows.length * tokens).fill(rows);
  let next = 0;
  lastRows.forEach((last, s) => {
    for (let j = 0; j <= last; j++, next++) {
      packed[next] = s * tokens + j;
      padded[s * tokens + j] = next;
    }
  });
  return { packed: tf.tensor1d(packed, "int32"), padded: tf.tensor1d(padded, "int32"), rows };
}

/** x [sequences * tokens, columns] -> its valid rows [rows, columns]. */
export function gatherPacked(x: tf.Tensor2D, packing: RowPacking): tf.Tensor2D {
  return tf.gather(x, packing.packed);
}

/** x [rows, columns] -> the padded layout [sequences * tokens, columns], zeros in the padding rows. */
export function scatterPadded(x: tf.Tensor2D, packing: RowPacking): tf.Tensor2D {
  return tf.gather(tf.concat([x, tf.zeros([1, x.shape[1]])], 0), packing.padded) as tf.Tensor2D;
}

/**
 * The two as differentiable ops (each is the other's gradient: every packed row appears once in the padded
 * layout, and padding rows are constants), for tfjs's autodiff, since a gather's own gradient has no kernel on
 * wasm. The packing's index tensors are saved with the op (not inputs: they need no gradient), so they may be
 * temporaries of the caller.
 */
export function packRows(x: tf.Tensor2D, packing: RowPacking): tf.Tensor2D {
  return indexOp(gatherPacked, scatterPadded, packing)(x);
}

export function unpackRows(x: tf.Tensor2D, packing: RowPacking): tf.Tensor2D {
  return indexOp(scatterPadded, gatherPacked, packing)(x);
}

type RowMap = (x: tf.Tensor2D, packing: RowPacking) => tf.Tensor2D;

function indexOp(forward: RowMap, backward: RowMap, packing: RowPacking) {
  return tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([packing.packed, packing.padded]);
    return {
      value: forward(x, packing),
      gradFunc: (dy: tf.Tensor, [packed, padded]: tf.Tensor[]) =>
        backward(dy as tf.Tensor2D, { packed: packed as tf.Tensor1D, padded: padded as tf.Tensor1D, rows: packing.rows }),
    };
  }) as any) as (x: tf.Tensor2D) => tf.Tensor2D;
}
