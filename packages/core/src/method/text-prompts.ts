import * as tf from "@tensorflow/tfjs";
import { embedTokens } from "../clip/encoders.js";
import type { Backbone } from "./contract.js";
import { methodErrors } from "./errors.js";

export type ClassTokenPosition = "end" | "middle" | "front";

/**
 * The frozen, class-dependent half of a CoOp-style text prompt (what the reference code keeps as
 * `token_prefix` / `token_suffix` buffers). Rows are "[SOT] {template} {class name}. [EOT]"; the learnable
 * context replaces the template's first `contextLength` tokens. Rebuilt from class names, never saved.
 */
export class ClassPrompts {
  /** [classes, 1, width]: the SOT embedding. */
  readonly prefix: tf.Tensor3D;
  /** [classes, tokens - 1 - contextLength, width]: everything after the context slots. */
  readonly suffix: tf.Tensor3D;
  /** Token ids per class (padded), and the EOT position per class. */
  readonly tokenIds: number[][];
  readonly eotIndices: number[];
  /** Number of tokens of each class name (for the "middle" and "front" layouts). */
  readonly nameLengths: number[];

  constructor(
    backbone: Backbone,
    readonly classNames: readonly string[],
    readonly contextLength: number,
    template = Array(contextLength).fill("X").join(" "),
  ) {
    const { tokenizer, model } = backbone;
    const length = model.config.contextLength;
    this.tokenIds = classNames.map((name) => {
      const ids = [tokenizer.sotToken, ...tokenizer.encode(`${template} ${name}.`), tokenizer.eotToken];
      if (ids.length > length) {
        throw methodErrors.make("VLP_PROMPT_TOO_LONG", `prompt for class "${name}" needs ${ids.length} tokens, the text encoder takes ${length}`);
      }
      return [...ids, ...Array(length - ids.length).fill(0)];
    });
    this.eotIndices = this.tokenIds.map((row) => row.indexOf(tokenizer.eotToken));
    this.nameLengths = classNames.map((name) => tokenizer.encode(name).length);
    const [prefix, suffix] = tf.tidy(() => {
      const embedded = embedTokens(model.weights, this.tokenIds); // [classes, tokens, width]
      const [classes, tokens, width] = embedded.shape;
      return [
        tf.slice(embedded, [0, 0, 0], [classes, 1, width]),
        tf.slice(embedded, [0, 1 + contextLength, 0], [classes, tokens - 1 - contextLength, width]),
      ];
    });
    this.prefix = prefix;
    this.suffix = suffix;
  }

  get classCount(): number {
    return this.classNames.length;
  }

  /**
   * Assemble input embeddings [classes, tokens, width] from a context of [n, width] (shared) or
   * [classes, n, width] (class-specific), with the class name at the end, middle or front.
   */
  assemble(context: tf.Tensor, position: ClassTokenPosition = "end"): tf.Tensor3D {
    return tf.tidy(() => {
      const [classes, , width] = this.suffix.shape;
      const n = this.contextLength;
      const perClass = context.rank === 3 ? context : tf.broadcastTo(tf.reshape(context, [1, n, width]), [classes, n, width]);
      if (position === "end") return tf.concat([this.prefix, perClass as tf.Tensor3D, this.suffix], 1);
      const rows = this.classNames.map((_, i) => this.assembleOne(perClass as tf.Tensor3D, i, position));
      return tf.concat(rows, 0);
    });
  }

  private assembleOne(context: tf.Tensor3D, i: number, position: "middle" | "front"): tf.Tensor3D {
    const [, rest, width] = this.suffix.shape;
    const n = this.contextLength;
    const nameLength = this.nameLengths[i]!;
    const take = (t: tf.Tensor3D, start: number, size: number) => tf.slice(t, [i, start, 0], [1, size, width]);
    const prefix = take(this.prefix, 0, 1);
    const name = take(this.suffix, 0, nameLength);
    const after = take(this.suffix, nameLength, rest - nameLength);
    if (position === "front") return tf.concat([prefix, name, take(context, 0, n), after], 1);
    const half = Math.floor(n / 2);
    return tf.concat([prefix, take(context, 0, half), name, take(context, half, n - half), after], 1);
  }

  dispose(): void {
    tf.dispose([this.prefix, this.suffix]);
  }
}

/** Embeddings of the first `count` tokens of a text (no SOT): a "a photo of a" context initialisation. */
export function wordEmbeddings(backbone: Backbone, text: string, count?: number): { ids: number[]; values: Float32Array } {
  const ids = backbone.tokenizer.encode(text);
  const take = ids.slice(0, count ?? ids.length);
  const values = tf.tidy(() => embedTokens(backbone.model.weights, [take]).dataSync() as Float32Array);
  return { ids: take, values: Float32Array.from(values) };
}
