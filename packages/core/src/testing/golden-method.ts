import * as tf from "@tensorflow/tfjs";
import { ClipModel } from "../clip/model.js";
import { configFromOpenAiJson } from "../clip/config.js";
import type { Backbone, LearnerState, PromptLearner, PromptTokenizer } from "../method/contract.js";
import { forward, trainingLoss } from "../method/forward.js";
import { assertClose, exactTolerance, goldensDir, loadGolden, type Golden, type Tolerance } from "./goldens.js";

/**
 * The stub tokenizer behind the golden fixtures' tiny vocabulary: "tN" is id N, and the few real words of
 * the templates have their real CLIP BPE ids (README "Tiny-vocab token conventions").
 */
export class GoldenTokenizer implements PromptTokenizer {
  readonly sotToken = 510;
  readonly eotToken = 511;
  private static readonly words: Record<string, number> = { x: 343, ".": 269, a: 320, photo: 502, of: 503 };

  encode(text: string): number[] {
    const pieces = text.toLowerCase().replace(/\./g, " . ").split(/\s+/).filter(Boolean);
    return pieces.map((piece) => {
      if (/^t\d+$/.test(piece)) return Number(piece.slice(1));
      const id = GoldenTokenizer.words[piece];
      if (id === undefined) throw new Error(`the golden tokenizer has no id for "${piece}"`);
      return id;
    });
  }
}

export interface GoldenCase {
  readonly golden: Golden;
  readonly backbone: Backbone;
  readonly classNames: string[];
  readonly images: tf.Tensor4D;
  readonly labels: tf.Tensor1D;
  dispose(): void;
}

/** Load a method golden case (e.g. "coop", "maple.nohalf") with the tiny CLIP and the stub tokenizer. */
export async function loadGoldenCase(name: string): Promise<GoldenCase> {
  const golden = loadGolden(name);
  const model = await ClipModel.load(`${goldensDir}clip-tiny.openai.safetensors`, {
    config: configFromOpenAiJson(golden.json.clip_config),
  });
  const images = golden.get("input.images");
  const imagesTensor = tf.tensor4d(images.data as Float32Array, images.shape as [number, number, number, number]);
  const labels = tf.tensor1d(Array.from(golden.get("input.labels").data), "int32");
  return {
    golden,
    backbone: { model, tokenizer: new GoldenTokenizer(), name: "clip-tiny" },
    classNames: golden.json.class_names,
    images: imagesTensor,
    labels,
    dispose: () => {
      model.dispose();
      tf.dispose([imagesTensor, labels]);
    },
  };
}

/** The golden's initial parameters under our names: `names` maps our parameter name -> official name. */
export function goldenInitialState(golden: Golden, names: Record<string, string>): LearnerState {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [ours, official] of Object.entries(names)) {
    const t = golden.get(`param.${official}`);
    out[ours] = { shape: t.shape, data: t.data as Float32Array };
  }
  return out;
}

export interface GoldenCheck {
  readonly valueTolerance?: Tolerance;
  readonly gradTolerance?: Tolerance;
  readonly lossAfterStepRtol?: number;
}

/**
 * The acceptance check of a method against its golden: logits, loss, the gradient of every learnable
 * parameter, the parameters after one SGD step (lr from the golden), and the loss after that step.
 */
export function checkAgainstGolden(c: GoldenCase, learner: PromptLearner, names: Record<string, string>, check: GoldenCheck = {}): void {
  const valueTol = check.valueTolerance ?? exactTolerance;
  const gradTol = check.gradTolerance ?? exactTolerance;
  const { golden, backbone } = c;
  const logits = tf.tidy(() => forward(backbone, learner, { images: c.images }).logits.dataSync());
  assertClose("logits", logits, golden.get("output.logits").data, valueTol);
  const params = Object.keys(names).map((n) => learner.params[n]!);
  const { value, grads } = tf.variableGrads(() => trainingLoss(backbone, learner, { images: c.images }, c.labels), params);
  assertClose("loss", value.dataSync(), golden.get("output.loss").data, valueTol);
  const lr = golden.json.sgd_lr as number;
  for (const [ours, official] of Object.entries(names)) {
    const variable = learner.params[ours]!;
    assertClose(`grad ${ours} (${official})`, grads[variable.name]!.dataSync(), golden.get(`grad.${official}`).data, gradTol);
  }
  for (const [ours, official] of Object.entries(names)) {
    const variable = learner.params[ours]!;
    tf.tidy(() => variable.assign(tf.sub(variable, tf.mul(grads[variable.name]!, lr))));
    const stepTol = { atolOfMax: gradTol.atolOfMax, rtol: gradTol.rtol };
    assertClose(`step ${ours} (${official})`, variable.dataSync(), golden.get(`step.${official}`).data, stepTol);
  }
  tf.dispose([value, ...Object.values(grads)]);
  const after = tf.tidy(() => trainingLoss(backbone, learner, { images: c.images }, c.labels).dataSync());
  const rtol = check.lossAfterStepRtol ?? 1e-5;
  assertClose("loss after step", after, golden.get("output.loss_after_step").data, { atolOfMax: rtol, rtol });
}
