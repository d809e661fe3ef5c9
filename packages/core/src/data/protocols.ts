/**
 * The registry of built-in datasets and the evaluation protocols defined over them (CoOp-style few-shot,
 * base-to-new, cross-dataset, cross-domain).
 */
import type { BuiltinDatasetName } from "./dataset-files.js";

export interface BuiltinDatasetInfo {
  readonly name: BuiltinDatasetName;
  readonly title: string;
  /** The CoOp dataset it stands in for. */
  readonly analog: string;
  readonly kind: "emoji" | "icon" | "fashion-mnist";
}

export const builtinDatasets: readonly BuiltinDatasetInfo[] = [
  { name: "emojinet", title: "EmojiNet", analog: "ImageNet", kind: "emoji" },
  { name: "emoobjects", title: "EmoObjects", analog: "Caltech101", kind: "emoji" },
  { name: "emopets", title: "EmoPets", analog: "OxfordPets", kind: "emoji" },
  { name: "emovehicles", title: "EmoVehicles", analog: "StanfordCars / FGVC-Aircraft", kind: "emoji" },
  { name: "emoflora", title: "EmoFlora", analog: "Flowers102", kind: "emoji" },
  { name: "emofood", title: "EmoFood", analog: "Food101", kind: "emoji" },
  { name: "emofaces", title: "EmoFaces", analog: "DTD", kind: "emoji" },
  { name: "emoactions", title: "EmoActions", analog: "UCF101", kind: "emoji" },
  { name: "emoflags", title: "EmoFlags", analog: "EuroSAT", kind: "emoji" },
  { name: "iconnet", title: "IconNet", analog: "SUN397", kind: "icon" },
  { name: "fashionmnist", title: "Fashion-MNIST", analog: "real photographs", kind: "fashion-mnist" },
];

/** Learn on EmojiNet (16 shots, Google Noto style), evaluate on the ten others without further training. */
export const crossDataset = {
  source: { dataset: "emojinet", style: "noto" },
  targets: builtinDatasets.filter((d) => d.name !== "emojinet").map((d) => d.name),
} as const;

export interface CrossDomainTarget {
  readonly name: string;
  /** The ImageNet variant it stands in for. */
  readonly analog: string;
  /** Styles pooled into this target's test set (EmojiNet test split). */
  readonly styles: readonly string[];
}

/** Learn on EmojiNet in the Noto style; test the same classes drawn in other styles. */
export const crossDomain = {
  dataset: "emojinet",
  source: "noto",
  targets: [
    { name: "fluent-3d", analog: "ImageNet-V2", styles: ["fluent-3d"] },
    { name: "twemoji", analog: "ImageNet-R", styles: ["twemoji"] },
    { name: "sketch", analog: "ImageNet-Sketch", styles: ["fluent-hc", "emojione-monotone"] },
    { name: "noto-v1", analog: "ImageNet-A", styles: ["noto-v1"] },
  ] as readonly CrossDomainTarget[],
} as const;
