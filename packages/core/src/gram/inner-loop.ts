/**
 * One meta-task: adapt on the support set with regulated SGD, theta_{k+1} = theta_k - alpha psi(g_k),
 * g_k = grad L_s(theta_k), theta_0 = the shared initialisation; then the query loss L_q(theta_K) and its
 * meta-gradients with respect to the initialisation and the regulator parameters phi.
 *
 * Learners hold their parameters in tf.Variables, so the inner loop runs by assigning into a task learner's
 * variables (any method works), and meta-gradients are assembled in reverse mode by hand:
 * - regulator: dL_q/dphi = -alpha sum_k (d psi(g_k)/d phi)^T a_{k+1}, a_{k+1} = dL_q/dtheta_{k+1}, computed as
 *   an exact vector-Jacobian product of psi (tf.variableGrads over phi with g_k held as data);
 * - first order (default): a_{k+1} = grad L_q(theta_K) for every k (Hessian terms dropped). The regulator
 *   gradient is then exact for one inner step, and for K steps it is the exact gradient of the objective in
 *   which each support gradient g_k is held constant; the initialisation gets grad L_q(theta_K) (FOMAML);
 * - second order: a_k = a_{k+1} - alpha H_k J_psi(g_k)^T a_{k+1}, H_k the support Hessian at theta_k, with
 *   J_psi^T a an exact VJP and H_k v a central finite difference of support gradients at theta_k +- eps v.
 */
import * as tf from "@tensorflow/tfjs";
import type { Backbone, PromptLearner } from "../method/contract.js";
import type { MethodDefinition } from "../method/define.js";
import { trainingLoss, type ForwardBatch } from "../method/forward.js";
import { Rng } from "../tensor/rng.js";
import { gramErrors } from "./errors.js";
import type { NamedGradients, RegulatorSet } from "./regulator-set.js";

type Named = Record<string, tf.Tensor>;

/** One side of a task in tensors (owned by the caller). */
export interface SideData {
  readonly classNames: readonly string[];
  readonly batch: ForwardBatch;
  readonly labels: tf.Tensor1D; // [items] int32
}

export interface InnerSettings {
  readonly innerSteps: number;
  readonly innerLr: number;
  readonly firstOrder: boolean;
  readonly hvpRadius: number;
}

export interface MetaModel {
  readonly method: MethodDefinition;
  readonly methodOptions: unknown;
  readonly backbone: Backbone;
  /** The shared initialisation theta_0, by learner parameter name. */
  readonly init: Readonly<Record<string, tf.Variable>>;
  readonly regulators: RegulatorSet;
}

export interface TaskOutcome {
  /** Support loss at the initialisation. */
  readonly supportLoss: number;
  /** Query loss after the inner updates. */
  readonly queryLoss: number;
  /** dL_q/dtheta_0 and dL_q/dphi (by RegulatorSet name); present when asked for. The caller disposes them. */
  readonly initGrad?: Named;
  readonly regulatorGrad?: Named;
}

/** Copy values into a learner's variables (names and shapes must match the initialisation's). */
export function assignParams(learner: PromptLearner, values: NamedGradients): void {
  tf.tidy(() => {
    for (const [name, variable] of Object.entries(learner.params)) {
      const value = values[name];
      if (!value || value.shape.join() !== variable.shape.join()) {
        throw gramErrors.make(
          "VLP_GRAM_SHAPE",
          `task learner parameter "${name}" has shape [${variable.shape}], the initialisation has ${value ? `[${value.shape}]` : "no such parameter"} (its shape must not depend on the task's class names)`,
        );
      }
      variable.assign(value);
    }
  });
}

function learnerFor(model: MetaModel, classNames: readonly string[]): PromptLearner {
  const learner = model.method.create(model.methodOptions, { backbone: model.backbone, classNames, rng: new Rng(0) });
  try {
    assignParams(learner, model.init);
  } catch (error) {
    learner.dispose();
    throw error;
  }
  return learner;
}

/** Loss and gradient of every parameter (zeros where the loss does not reach one). Caller owns the tensors. */
export function lossAndGrads(backbone: Backbone, learner: PromptLearner, side: SideData): { loss: number; grads: Named } {
  const variables = Object.values(learner.params);
  const { value, grads } = tf.variableGrads(() => trainingLoss(backbone, learner, side.batch, side.labels), variables);
  const loss = value.dataSync()[0]!;
  value.dispose();
  const named: Named = {};
  for (const [name, v] of Object.entries(learner.params)) named[name] = grads[v.name] ?? tf.zerosLike(v);
  return { loss, grads: named };
}

function lossOnly(backbone: Backbone, learner: PromptLearner, side: SideData): number {
  return tf.tidy(() => trainingLoss(backbone, learner, side.batch, side.labels).dataSync()[0]!);
}

function snapshot(learner: PromptLearner): Named {
  return Object.fromEntries(Object.entries(learner.params).map(([n, v]) => [n, tf.clone(v)]));
}

/** theta <- theta - alpha psi(g). */
function regulatedStep(learner: PromptLearner, regulators: RegulatorSet, grads: Named, alpha: number): void {
  tf.tidy(() => {
    const updates = regulators.apply(grads);
    for (const [name, v] of Object.entries(learner.params)) v.assign(tf.sub(v, tf.mul(updates[name]!, alpha)));
  });
}

/** -alpha sum_k (d psi(g_k)/d phi)^T a_k, by RegulatorSet name (exact VJP; g_k are data). */
export function regulatorGradient(regulators: RegulatorSet, steps: readonly Named[], adjoints: readonly Named[], alpha: number): Named {
  const params = regulators.params;
  const names = Object.keys(params);
  if (names.length === 0) return {};
  const { value, grads } = tf.variableGrads(() => {
    const terms = steps.flatMap((g, k) => {
      const regulated = regulators.apply(g);
      return Object.keys(g).map((name) => tf.sum(tf.mul(regulated[name]!, adjoints[k]![name]!)));
    });
    return tf.mul(tf.addN(terms), -alpha) as tf.Scalar;
  }, Object.values(params));
  value.dispose();
  return Object.fromEntries(names.map((name) => [name, grads[params[name]!.name] ?? tf.zerosLike(params[name]!)]));
}

/** J_psi(g)^T a: the VJP of psi with respect to its input gradient. */
function regulatorInputVjp(regulators: RegulatorSet, g: Named, a: Named): Named {
  const names = Object.keys(g);
  const f = (...inputs: tf.Tensor[]) => {
    const regulated = regulators.apply(Object.fromEntries(names.map((n, i) => [n, inputs[i]!])));
    return tf.addN(names.map((n) => tf.sum(tf.mul(regulated[n]!, a[n]!)))) as tf.Scalar;
  };
  const grads = tf.grads(f)(names.map((n) => g[n]!));
  return Object.fromEntries(names.map((n, i) => [n, grads[i]!]));
}

/** H v at theta for the support loss: (g(theta + eps v) - g(theta - eps v)) / (2 eps), eps = radius / |v|. */
function hessianVector(backbone: Backbone, learner: PromptLearner, side: SideData, theta: Named, v: Named, radius: number): Named {
  const norm = Math.sqrt(tf.tidy(() => tf.addN(Object.values(v).map((t) => tf.sum(tf.square(t)))).dataSync()[0]!));
  if (norm === 0) return Object.fromEntries(Object.entries(v).map(([n, t]) => [n, tf.zerosLike(t)]));
  const eps = radius / norm;
  const at = (sign: number) => {
    tf.tidy(() => assignParams(learner, Object.fromEntries(Object.keys(theta).map((n) => [n, tf.add(theta[n]!, tf.mul(v[n]!, sign * eps))]))));
    return lossAndGrads(backbone, learner, side).grads;
  };
  const plus = at(1);
  const minus = at(-1);
  const out = tf.tidy(() => Object.fromEntries(Object.keys(v).map((n) => [n, tf.div(tf.sub(plus[n]!, minus[n]!), 2 * eps)])));
  tf.dispose([...Object.values(plus), ...Object.values(minus)]);
  return out;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

/** Reverse pass of the second-order meta-gradient; consumes `queryGrad`. */
function secondOrder(model: MetaModel, support: { learner: PromptLearner; side: SideData }, steps: Named[], thetas: Named[], queryGrad: Named, s: InnerSettings): { initGrad: Named; regulatorGrad: Named } {
  let adjoint = queryGrad;
  let regulatorGrad: Named = {};
  for (let k = steps.length - 1; k >= 0; k--) {
    const part = regulatorGradient(model.regulators, [steps[k]!], [adjoint], s.innerLr);
    const summed = tf.tidy(() => Object.fromEntries(Object.keys(part).map((n) => [n, regulatorGrad[n] ? tf.add(regulatorGrad[n]!, part[n]!) : tf.clone(part[n]!)])));
    tf.dispose([...Object.values(part), ...Object.values(regulatorGrad)]);
    regulatorGrad = summed;
    const v = regulatorInputVjp(model.regulators, steps[k]!, adjoint);
    const hv = hessianVector(model.backbone, support.learner, support.side, thetas[k]!, v, s.hvpRadius);
    const next = tf.tidy(() => Object.fromEntries(Object.keys(adjoint).map((n) => [n, tf.sub(adjoint[n]!, tf.mul(hv[n]!, s.innerLr))])));
    tf.dispose([...Object.values(v), ...Object.values(hv), ...Object.values(adjoint)]);
    adjoint = next;
  }
  return { initGrad: adjoint, regulatorGrad };
}

/** Adapt on the support set, evaluate the query set, and (optionally) compute both meta-gradients. */
export function runTask(model: MetaModel, support: SideData, query: SideData, s: InnerSettings, wantGradients: boolean): TaskOutcome {
  const supportLearner = learnerFor(model, support.classNames);
  const steps: Named[] = [];
  const thetas: Named[] = [];
  let queryLearner: PromptLearner | null = null;
  try {
    let supportLoss = NaN;
    for (let k = 0; k < s.innerSteps; k++) {
      if (wantGradients && !s.firstOrder) thetas.push(snapshot(supportLearner));
      const { loss, grads } = lossAndGrads(model.backbone, supportLearner, support);
      if (k === 0) supportLoss = loss;
      regulatedStep(supportLearner, model.regulators, grads, s.innerLr);
      steps.push(grads);
    }
    queryLearner = sameNames(support.classNames, query.classNames) ? supportLearner : learnerFor(model, query.classNames);
    if (queryLearner !== supportLearner) assignParams(queryLearner, supportLearner.params);
    if (!wantGradients) return { supportLoss, queryLoss: lossOnly(model.backbone, queryLearner, query) };
    const { loss: queryLoss, grads: queryGrad } = lossAndGrads(model.backbone, queryLearner, query);
    if (s.firstOrder) {
      const regulatorGrad = regulatorGradient(model.regulators, steps, steps.map(() => queryGrad), s.innerLr);
      return { supportLoss, queryLoss, initGrad: queryGrad, regulatorGrad };
    }
    return { supportLoss, queryLoss, ...secondOrder(model, { learner: supportLearner, side: support }, steps, thetas, queryGrad, s) };
  } finally {
    for (const named of [...steps, ...thetas]) tf.dispose(Object.values(named));
    if (queryLearner && queryLearner !== supportLearner) queryLearner.dispose();
    supportLearner.dispose();
  }
}
