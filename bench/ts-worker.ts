/**
 * Runs one TypeScript workload in its own process (so its peak memory is its own) and prints one line
 * `BENCH_RESULT {json}`. bench/run.ts starts it; by hand:
 *   node --conditions=source --import tsx bench/ts-worker.ts <workload> <spec.json>
 */
import * as tf from "@tensorflow/tfjs";
import { readFile } from "node:fs/promises";
import { ClipModel, initBackend, readSafetensors, type Backbone, type TensorMap } from "../packages/core/src/index.js";
import { e2eDataset, e2eTokenizer, e2eTrain } from "./e2e.js";
import { gramMetaSteps } from "./gram-meta.js";
import { matMulPeak } from "./peak.js";
import { benchTokenizer, type BenchSettings } from "./shapes.js";
import { gramOverhead, imageForward, methodStep, textTrain, type Timing } from "./ts-workloads.js";

export interface BenchSpec {
  readonly settings: BenchSettings;
  readonly backend: string;
  readonly weights: string;
  readonly e2e: { readonly weights: string };
}

async function loadBackbone(path: string, tokenizer: Backbone["tokenizer"], name: string): Promise<Backbone> {
  const { tensors } = await readSafetensors(path);
  const clip: TensorMap = new Map([...tensors].filter(([key]) => !key.startsWith("check.") && !key.startsWith("e2e.")));
  return { model: ClipModel.fromTensorMap(clip), tokenizer, name };
}

async function runWorkload(workload: string, spec: BenchSpec): Promise<Timing> {
  const settings = spec.settings;
  if (workload === "matmul-peak") return matMulPeak();
  if (workload === "gram-meta") return gramMetaSteps(Math.max(3, settings.repeats));
  if (workload === "small-coop-step") {
    // One step of the end-to-end run (cached features, the 10 Fashion-MNIST classes, batch 32) on its backbone.
    const dataset = await e2eDataset(settings);
    const backbone = await loadBackbone(spec.e2e.weights, e2eTokenizer(dataset), "bench-e2e");
    return methodStep(backbone, { ...settings, classes: dataset.classNames.length, repeats: Math.max(10, settings.repeats) }, "coop", { cachedFeatures: true });
  }
  if (workload === "e2e-coop") {
    const dataset = await e2eDataset(settings);
    const backbone = await loadBackbone(spec.e2e.weights, e2eTokenizer(dataset), "bench-e2e");
    return { ...(await e2eTrain(backbone, dataset)) };
  }
  const backbone = await loadBackbone(spec.weights, benchTokenizer(), "bench");
  if (workload === "image-forward") return imageForward(backbone, settings);
  if (workload === "text-train") return textTrain(backbone, settings);
  if (workload === "step-coop-cached") return methodStep(backbone, settings, "coop", { cachedFeatures: true });
  if (workload === "step-gram-coop-cached") return gramOverhead(backbone, settings, "coop", { cachedFeatures: true });
  const gram = /^step-gram-(\w+)$/.exec(workload);
  if (gram) return gramOverhead(backbone, settings, gram[1]!);
  const step = /^step-(\w+)$/.exec(workload);
  if (step) return methodStep(backbone, settings, step[1]!);
  throw new Error(`bench: unknown workload ${workload}`);
}

async function main(): Promise<void> {
  const [workload, specPath] = process.argv.slice(2);
  if (!workload || !specPath) throw new Error("usage: ts-worker.ts <workload> <spec.json>");
  const spec = JSON.parse(await readFile(specPath, "utf8")) as BenchSpec;
  const backend = await initBackend({ backend: spec.backend, log: () => {} });
  const result = await runWorkload(workload, spec);
  const line = {
    workload,
    backend: backend.name,
    matMul: backend.matMul ?? "tfjs",
    ...result,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    numTensors: tf.memory().numTensors,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(line)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
