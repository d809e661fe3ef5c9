/**
 * Which learner parameters GRAM regulates row by row, and with which modality's regulator. A method never
 * says: the layout is read from parameter names and shapes (overridable with `paramRoles`).
 */
import type * as tf from "@tensorflow/tfjs";
import type { ClipConfig } from "../clip/config.js";
import { gramErrors } from "./errors.js";

export type Modality = "text" | "vision";
export type ParamRole = Modality | "other";

export interface ParamLayout {
  readonly name: string;
  readonly shape: readonly number[];
  /** "text"/"vision": prompt tokens, regulated as rows [size / width, width]; "other": meta-nets, couplings. */
  readonly role: ParamRole;
  /** Row width for prompt tokens (the encoder width); 0 for "other". */
  readonly width: number;
}

/** Names that look like layer weights rather than prompt tokens (CoCoOp meta-net, MaPLe coupling layers). */
const layerName = /(net|linear|proj|coupl|mlp|weight|bias|layer|gate|scale)/i;
/** Names that say "vision" when the two encoders have the same width. */
const visionName = /(vis|image|img|patch|vpt)/i;

function guessRole(name: string, shape: readonly number[], config: ClipConfig): ParamRole {
  const last = shape[shape.length - 1];
  if (layerName.test(name) || shape.length === 0) return "other";
  const isText = last === config.textWidth;
  const isVision = last === config.visionWidth;
  if (isText && isVision) return visionName.test(name) ? "vision" : "text";
  if (isText) return "text";
  if (isVision) return "vision";
  return "other";
}

function checkedRole(name: string, shape: readonly number[], role: ParamRole, config: ClipConfig): ParamRole {
  if (role === "other") return role;
  const width = role === "text" ? config.textWidth : config.visionWidth;
  if (shape[shape.length - 1] !== width) {
    throw gramErrors.make(
      "VLP_GRAM_PARAM",
      `paramRoles says "${name}" is ${role} prompt tokens, but its shape [${shape}] does not end in the ${role} width ${width}`,
    );
  }
  return role;
}

/**
 * The layout of every parameter, in the learner's order. `roles` overrides the guess per parameter name:
 * a name ending in the encoder width is a prompt token of that encoder unless it looks like a layer
 * (meta-net, projection, coupling); when both widths are equal, "vis/image/patch" in the name picks vision.
 */
export function paramLayout(
  params: Readonly<Record<string, tf.Variable>>,
  config: ClipConfig,
  roles: Readonly<Record<string, ParamRole>> = {},
): ParamLayout[] {
  for (const name of Object.keys(roles)) {
    if (!(name in params)) {
      throw gramErrors.make("VLP_GRAM_PARAM", `paramRoles names "${name}", but the learner's parameters are ${Object.keys(params).join(", ")}`);
    }
  }
  return Object.entries(params).map(([name, variable]) => {
    const shape = [...variable.shape];
    const override = roles[name];
    const role = override ? checkedRole(name, shape, override, config) : guessRole(name, shape, config);
    const width = role === "text" ? config.textWidth : role === "vision" ? config.visionWidth : 0;
    return { name, shape, role, width };
  });
}

/** The modalities that have at least one prompt-token parameter. */
export function modalitiesOf(layout: readonly ParamLayout[]): Modality[] {
  const present = new Set(layout.map((p) => p.role));
  return (["text", "vision"] as const).filter((m) => present.has(m));
}
