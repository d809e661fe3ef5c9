/**
 * What the measurement scripts share: `--name value` arguments, the backbone they measure (the shipped one, or
 * the model.safetensors + vocab.json that `vlprompt pretrain` writes into a folder), and zero-shot top-1.
 */
import { join } from "node:path";
import {
  defaultBackboneDir, evaluateLearner, loadBackbone, Rng, zeroShotMethod,
  type Backbone, type ClassificationDataset,
} from "../packages/core/src/index.js";

/** `--name value` pairs of the command line (a flag without a value maps to ""). */
export function scriptArgs(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  const args = new Map<string, string>();
  argv.forEach((arg, i) => arg.startsWith("--") && args.set(arg.slice(2), argv[i + 1] ?? ""));
  return args;
}

/** The shipped default backbone, or the one `vlprompt pretrain` wrote into `dir`. The caller disposes `model`. */
export function backboneIn(dir: string = defaultBackboneDir): ReturnType<typeof loadBackbone> {
  if (dir === defaultBackboneDir) return loadBackbone("default");
  return loadBackbone({ weights: join(dir, "model.safetensors"), tokenizer: join(dir, "vocab.json") });
}

/** Zero-shot top-1 of `backbone` on `dataset` under `template` (the zero-shot method's default when absent). */
export async function zeroShotAccuracy(backbone: Backbone, dataset: ClassificationDataset, template?: string): Promise<number> {
  const options = zeroShotMethod.parseOptions(template ? { template } : {});
  const learner = zeroShotMethod.create(options, { backbone, classNames: dataset.classNames, rng: new Rng(0) });
  try {
    return (await evaluateLearner(backbone, learner, dataset, { batchSize: 256 })).accuracy;
  } finally {
    learner.dispose();
  }
}
