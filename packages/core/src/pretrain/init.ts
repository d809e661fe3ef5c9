import type { ClipConfig } from "../clip/config.js";
import type { Rng } from "../tensor/rng.js";

export interface InitTensor {
  readonly shape: number[];
  readonly data: Float32Array;
}

/**
 * Fresh CLIP weights under openai names, initialised as openai/CLIP's `initialize_parameters` does for the
 * text tower (token N(0, 0.02), positions N(0, 0.01), attention N(0, width^-0.5), out/c_proj
 * N(0, width^-0.5 * (2 layers)^-0.5), c_fc N(0, (2 width)^-0.5)); the vision tower gets the same scheme
 * (upstream leaves it at PyTorch defaults, which train worse from scratch), class/positional embeddings and
 * the projection scaled by width^-0.5 as in VisionTransformer.__init__.
 */
export function initClipWeights(config: ClipConfig, rng: Rng): Record<string, InitTensor> {
  const out: Record<string, InitTensor> = {};
  const normal = (name: string, shape: number[], std: number) => {
    out[name] = { shape, data: rng.normalArray(shape.reduce((a, b) => a * b, 1), std) };
  };
  const fill = (name: string, shape: number[], value: number) => {
    out[name] = { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value) };
  };
  const tower = (prefix: string, width: number, layers: number) => {
    const attnStd = width ** -0.5;
    const projStd = attnStd * (2 * layers) ** -0.5;
    for (let i = 0; i < layers; i++) {
      const p = `${prefix}${i}.`;
      normal(`${p}attn.in_proj_weight`, [3 * width, width], attnStd);
      fill(`${p}attn.in_proj_bias`, [3 * width], 0);
      normal(`${p}attn.out_proj.weight`, [width, width], projStd);
      fill(`${p}attn.out_proj.bias`, [width], 0);
      normal(`${p}mlp.c_fc.weight`, [4 * width, width], (2 * width) ** -0.5);
      fill(`${p}mlp.c_fc.bias`, [4 * width], 0);
      normal(`${p}mlp.c_proj.weight`, [width, 4 * width], projStd);
      fill(`${p}mlp.c_proj.bias`, [width], 0);
      for (const ln of ["ln_1", "ln_2"]) {
        fill(`${p}${ln}.weight`, [width], 1);
        fill(`${p}${ln}.bias`, [width], 0);
      }
    }
  };
  const { textWidth: tw, visionWidth: vw, visionPatchSize: p, embedDim } = config;
  const grid = config.imageResolution / p;
  normal("token_embedding.weight", [config.vocabSize, tw], 0.02);
  normal("positional_embedding", [config.contextLength, tw], 0.01);
  tower("transformer.resblocks.", tw, config.textLayers);
  fill("ln_final.weight", [tw], 1);
  fill("ln_final.bias", [tw], 0);
  normal("text_projection", [tw, embedDim], tw ** -0.5);
  normal("visual.conv1.weight", [vw, 3, p, p], (3 * p * p) ** -0.5);
  normal("visual.class_embedding", [vw], vw ** -0.5);
  normal("visual.positional_embedding", [1 + grid * grid, vw], vw ** -0.5);
  for (const ln of ["visual.ln_pre", "visual.ln_post"]) {
    fill(`${ln}.weight`, [vw], 1);
    fill(`${ln}.bias`, [vw], 0);
  }
  tower("visual.transformer.resblocks.", vw, config.visionLayers);
  normal("visual.proj", [vw, embedDim], vw ** -0.5);
  fill("logit_scale", [], Math.log(1 / 0.07));
  return out;
}
