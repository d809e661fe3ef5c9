import * as tf from "@tensorflow/tfjs";

/**
 * tfjs's own BatchMatMul gradient multiplies with transposeA/transposeB flags. The wasm backend runs those
 * 10-30x slower than plain products (docs/backends.md has the numbers), so we register a gradient that
 * transposes explicitly and then multiplies plainly. The maths is the same; tfjs still only evaluates the
 * gradient of inputs that need one (frozen weights cost nothing).
 */
export function swapLastTwo(x: tf.Tensor): tf.Tensor {
  const perm = [...Array(x.rank).keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1]!, perm[x.rank - 2]!];
  return tf.transpose(x, perm);
}

/** Sum `grad` over the leading (broadcast) dimensions so it takes `shape`. */
function reduceTo(grad: tf.Tensor, shape: number[]): tf.Tensor {
  let out = grad;
  while (out.rank > shape.length) out = tf.sum(out, 0);
  const batchRank = shape.length - 2;
  for (let axis = 0; axis < batchRank; axis++) {
    if (shape[axis] === 1 && out.shape[axis] !== 1) out = tf.sum(out, axis, true);
  }
  return tf.reshape(out, shape);
}

function plain(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
}

let registered = false;

export function registerFastMatMulGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const dyT = () => swapLastTwo(dy as tf.Tensor);
      let da: () => tf.Tensor;
      let db: () => tf.Tensor;
      if (!transposeA && !transposeB) {
        da = () => plain(dy as tf.Tensor, swapLastTwo(b));
        db = () => plain(swapLastTwo(a), dy as tf.Tensor);
      } else if (transposeA && !transposeB) {
        da = () => plain(b, dyT());
        db = () => plain(a, dy as tf.Tensor);
      } else if (!transposeA && transposeB) {
        da = () => plain(dy as tf.Tensor, b);
        db = () => plain(dyT(), a);
      } else {
        da = () => plain(swapLastTwo(b), dyT());
        db = () => plain(dyT(), swapLastTwo(a));
      }
      return { a: () => reduceTo(da(), a.shape), b: () => reduceTo(db(), b.shape) };
    },
  });
}
