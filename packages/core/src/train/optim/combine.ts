import * as tf from "@tensorflow/tfjs";
import { requireMatchingTensors } from "./check.js";
import { mapTensors, type GradientTransformation, type OptState, type NamedTensors } from "./types.js";

function linkState(state: OptState, prefix: string): OptState {
  const own: Record<string, tf.Tensor> = {};
  for (const key of Object.keys(state)) {
    if (key.startsWith(prefix)) own[key.slice(prefix.length)] = state[key]!;
  }
  return own;
}

function addPrefix(target: Record<string, tf.Tensor>, prefix: string, state: OptState): void {
  for (const key of Object.keys(state)) target[prefix + key] = state[key]!;
}

/**
 * Run transformations one after the other: link i+1 receives link i's updates as its gradients.
 * The chain's state holds link i's state under the prefix `${i}/`. Its learning rate (for logging) is the
 * first link's that reports one.
 */
export function chain(...links: GradientTransformation[]): GradientTransformation {
  const withRate = links.find((link) => link.learningRate !== undefined);
  return {
    name: `chain(${links.map((link) => link.name).join(", ")})`,
    init(params) {
      const state: Record<string, tf.Tensor> = {};
      links.forEach((link, index) => addPrefix(state, `${index}/`, link.init(params)));
      return state;
    },
    update(grads, state, params, info) {
      const next: Record<string, tf.Tensor> = {};
      let updates = grads;
      links.forEach((link, index) => {
        const result = link.update(updates, linkState(state, `${index}/`), params, info);
        updates = result.updates;
        addPrefix(next, `${index}/`, result.state);
      });
      return { updates, state: next };
    },
    ...(withRate ? { learningRate: (info) => withRate.learningRate!(info) } : {}),
  };
}

/** The same transformation under another name (for messages). */
export function named(name: string, transform: GradientTransformation): GradientTransformation {
  return { ...transform, name };
}

/** Assign `param + update` into every variable (in place). Updates must match the variables one to one. */
export function applyUpdates(params: Readonly<Record<string, tf.Variable>>, updates: NamedTensors): void {
  requireMatchingTensors("update", updates, params);
  tf.tidy(() => {
    for (const name of Object.keys(params)) params[name]!.assign(tf.add(params[name]!, updates[name]!));
  });
}

/** Functional form: new tensors `param + update` (for inner loops that must not write into variables). */
export function addUpdates(params: NamedTensors, updates: NamedTensors): NamedTensors {
  requireMatchingTensors("update", updates, params);
  return mapTensors(params, (param, name) => tf.add(param, updates[name]!));
}
