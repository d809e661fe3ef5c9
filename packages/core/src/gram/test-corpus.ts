/**
 * A synthetic image-caption corpus with planted structure, for GRAM's tests with the tiny golden CLIP:
 * images are a domain pattern + a class pattern + noise; captions are "t<class> t<domain> t<noise>" in the
 * golden tokenizer's "tN" words.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../tensor/rng.js";
import type { MetaCorpus } from "./features.js";

export interface SyntheticCorpus extends MetaCorpus {
  domainOf(index: number): number;
  classOf(index: number): number;
}

export interface SyntheticCorpusOptions {
  readonly domains: number;
  readonly classesPerDomain: number;
  readonly perClass: number;
  readonly resolution: number;
  readonly seed?: number;
  /** Weight of the class pattern (default 1) and of the noise (default 0.3) against the domain pattern. */
  readonly classWeight?: number;
  readonly noise?: number;
}

export function syntheticCorpus(options: SyntheticCorpusOptions): SyntheticCorpus {
  const { domains, classesPerDomain, perClass, resolution, classWeight = 1, noise = 0.3 } = options;
  const rng = new Rng(options.seed ?? 7);
  const pixels = 3 * resolution * resolution;
  const domainPatterns = Array.from({ length: domains }, () => rng.normalArray(pixels));
  const classPatterns = Array.from({ length: domains * classesPerDomain }, () => rng.normalArray(pixels));
  const images: Float32Array[] = [];
  const captions: string[] = [];
  const domainIds: number[] = [];
  const classIds: number[] = [];
  for (let d = 0; d < domains; d++) {
    for (let c = 0; c < classesPerDomain; c++) {
      const cls = d * classesPerDomain + c;
      for (let m = 0; m < perClass; m++) {
        const jitter = rng.normalArray(pixels);
        images.push(domainPatterns[d]!.map((v, i) => v + classWeight * classPatterns[cls]![i]! + noise * jitter[i]!));
        captions.push(`t${10 + cls} t${300 + d} t${400 + rng.int(60)}`);
        domainIds.push(d);
        classIds.push(cls);
      }
    }
  }
  return {
    name: `synthetic-${domains}x${classesPerDomain}x${perClass}`,
    size: images.length,
    image: (i) => tf.tensor3d(images[i]!, [3, resolution, resolution]),
    caption: (i) => captions[i]!,
    domainOf: (i) => domainIds[i]!,
    classOf: (i) => classIds[i]!,
  };
}
