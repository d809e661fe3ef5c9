import * as tf from "@tensorflow/tfjs";
import { variableFrom, type Rng } from "@vlprompt/core";

/**
 * Blocks that receive their own deep prompts for a prompt depth: 1 .. min(depth, layers) - 1 (block 0 takes
 * its prompts through the input). A depth beyond the encoder's layer count prompts every block, as in the
 * reference (`prompts_needed > i` over the existing blocks).
 */
export function deepBlocks(depth: number, layers: number): number[] {
  const last = Math.min(depth, layers);
  return Array.from({ length: Math.max(0, last - 1) }, (_, i) => i + 1);
}

/** Parameter name of a block's prompts: `visionDeepPrompts.3` (the block index, as in `resblocks.3`). */
export function blockName(base: string, block: number): string {
  return `${base}.${block}`;
}

/** One N(0, std) [n, width] variable per block, named `${base}.${block}`. */
export function normalPromptsPerBlock(
  base: string,
  blocks: readonly number[],
  n: number,
  width: number,
  std: number,
  rng: Rng,
): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const block of blocks) {
    const name = blockName(base, block);
    out[name] = variableFrom(name, [n, width], rng.normalArray(n * width, std));
  }
  return out;
}

/**
 * The per-block array the backbone takes (`TextInput.deepPrompts`, `VisionPrompts.deep`): entry i holds
 * block i's prompts, entry 0 and unprompted blocks are null.
 */
export function promptsByBlock(blocks: readonly number[], promptOf: (block: number) => tf.Tensor): (tf.Tensor | null)[] {
  if (blocks.length === 0) return [];
  const out: (tf.Tensor | null)[] = Array(Math.max(...blocks) + 1).fill(null);
  for (const block of blocks) out[block] = promptOf(block);
  return out;
}

/** Parse `${base}.${block}` or `${base}.${block}.${part}` (e.g. `deepCouplingProjections.2.weight`). */
export function parseBlockName(name: string, base: string): { block: number; part?: string } | undefined {
  const match = new RegExp(`^${base.replace(/\./g, "\\.")}\\.(\\d+)(?:\\.(.+))?$`).exec(name);
  if (!match) return undefined;
  return match[2] === undefined ? { block: Number(match[1]) } : { block: Number(match[1]), part: match[2] };
}
