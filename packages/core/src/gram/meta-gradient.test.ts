// The meta-gradients of one task against central finite differences of the query loss after adaptation.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend/select.js";
import { Rng } from "../tensor/rng.js";
import { loadGoldenCase, type GoldenCase } from "../testing/golden-method.js";
import type { TaskOutcome } from "./inner-loop.js";
import { MetaSession } from "./meta-session.js";
import type { MetaTask } from "./tasks.js";
import { syntheticCorpus } from "./test-corpus.js";
import { tinyMethod } from "./test-methods.js";

type Variables = Record<string, tf.Variable>;

/** (L(x + eps d) - L(x - eps d)) / 2 eps for a random direction d over `variables`, and <analytic, d>. */
async function directional(
  session: MetaSession,
  task: MetaTask,
  variables: Variables,
  analytic: Record<string, tf.Tensor>,
  settings: { innerSteps: number; firstOrder: boolean },
  eps: number,
): Promise<{ fd: number; analytic: number }> {
  const rng = new Rng(11);
  const names = Object.keys(variables);
  const direction = Object.fromEntries(names.map((n) => [n, tf.tensor(rng.normalArray(variables[n]!.size), variables[n]!.shape)]));
  const base = Object.fromEntries(names.map((n) => [n, tf.clone(variables[n]!)]));
  const lossAt = async (sign: number) => {
    tf.tidy(() => names.forEach((n) => variables[n]!.assign(tf.add(base[n]!, tf.mul(direction[n]!, sign * eps)))));
    return (await session.runTask(task, false, settings)).queryLoss;
  };
  const fd = ((await lossAt(1)) - (await lossAt(-1))) / (2 * eps);
  tf.tidy(() => names.forEach((n) => variables[n]!.assign(base[n]!)));
  const dot = tf.tidy(() => tf.addN(names.map((n) => tf.sum(tf.mul(analytic[n]!, direction[n]!)))).dataSync()[0]!);
  tf.dispose([...Object.values(direction), ...Object.values(base)]);
  return { fd, analytic: dot };
}

function relativeError(x: { fd: number; analytic: number }): number {
  return Math.abs(x.fd - x.analytic) / Math.max(Math.abs(x.fd), 1e-6);
}

function disposeOutcome(outcome: TaskOutcome): void {
  tf.dispose([...Object.values(outcome.initGrad ?? {}), ...Object.values(outcome.regulatorGrad ?? {})]);
}

describe("GRAM meta-gradients match finite differences on a tiny task", () => {
  let c: GoldenCase;
  let session: MetaSession;
  let task: MetaTask;

  beforeAll(async () => {
    await initBackend({ backend: "wasm", log: () => {} });
    c = await loadGoldenCase("coop");
    const corpus = syntheticCorpus({ domains: 3, classesPerDomain: 3, perClass: 4, resolution: 32 });
    session = await MetaSession.open({
      method: tinyMethod,
      methodOptions: { textTokens: 2 },
      backbone: c.backbone,
      corpus,
      settings: { coarseClusters: 3, finePerCoarse: 3, ways: 3, supportShots: 2, queryShots: 2, nameWords: 1, innerLr: 0.5 },
    });
    // Move the regulator away from the identity so that the test is not at a special point.
    const rng = new Rng(1);
    for (const v of Object.values(session.regulators.params)) v.assign(tf.tensor(rng.normalArray(v.size, 0.3), v.shape));
    task = session.tasksAt(0, 1)[0]!;
  });
  afterAll(() => {
    session.dispose();
    c.dispose();
  });

  it("regulator, one inner step, first order: exact (the support gradient does not depend on phi)", async () => {
    const settings = { innerSteps: 1, firstOrder: true };
    const outcome = await session.runTask(task, true, settings);
    const check = await directional(session, task, session.regulators.params, outcome.regulatorGrad!, settings, 1e-2);
    expect(Math.abs(check.analytic)).toBeGreaterThan(1e-3);
    expect(relativeError(check)).toBeLessThan(2e-3);
    const second = await session.runTask(task, true, { innerSteps: 1, firstOrder: false });
    for (const n of Object.keys(outcome.regulatorGrad!)) {
      expect(Array.from(second.regulatorGrad![n]!.dataSync())).toEqual(Array.from(outcome.regulatorGrad![n]!.dataSync()));
    }
    disposeOutcome(outcome);
    disposeOutcome(second);
  });

  it("regulator and initialisation, two inner steps, second order (finite-difference Hessian-vector products)", async () => {
    const settings = { innerSteps: 2, firstOrder: false };
    const outcome = await session.runTask(task, true, settings);
    const regulator = await directional(session, task, session.regulators.params, outcome.regulatorGrad!, settings, 1e-2);
    expect(relativeError(regulator)).toBeLessThan(5e-3);
    const init = await directional(session, task, session.init, outcome.initGrad!, settings, 3e-4);
    expect(Math.abs(init.analytic)).toBeGreaterThan(1e-2);
    expect(relativeError(init)).toBeLessThan(2e-2);
    // The first-order initialisation gradient (FOMAML) drops alpha H terms, which are large here.
    const firstOrder = await session.runTask(task, true, { innerSteps: 2, firstOrder: true });
    const approximate = await directional(session, task, session.init, firstOrder.initGrad!, settings, 3e-4);
    expect(relativeError(approximate)).toBeGreaterThan(relativeError(init));
    disposeOutcome(outcome);
    disposeOutcome(firstOrder);
  });

  it("first order with several inner steps approximates the regulator gradient; memory stays flat", async () => {
    const before = tf.memory().numTensors;
    const settings = { innerSteps: 2, firstOrder: true };
    const outcome = await session.runTask(task, true, settings);
    const regulator = await directional(session, task, session.regulators.params, outcome.regulatorGrad!, settings, 1e-2);
    expect(relativeError(regulator)).toBeLessThan(0.1);
    disposeOutcome(outcome);
    expect(tf.memory().numTensors).toBe(before);
  });
});
