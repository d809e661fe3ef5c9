/**
 * Lever (b), measured before building it: what two worker_threads (each with its own tfjs backend and its own copy
 * of the frozen weights) gain on a text-encoder forward+backward, against one thread doing all the sequences.
 * Each worker takes half the classes (a data-parallel split); gradient averaging is not included, so this is the
 * upper bound of the speedup.
 *   node --conditions=source --import tsx bench/parallel-probe.ts [--classes 100] [--repeats 3]
 * Run it with VLPROMPT_NATIVE_BLAS=0 for plain wasm, and with OPENBLAS_NUM_THREADS=1 for one BLAS thread per worker.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { ClipModel, initBackend, readSafetensors, type TensorMap } from "../packages/core/src/index.js";
import { benchTokenizer, defaultSettings } from "./shapes.js";
import { textTrain } from "./ts-workloads.js";

const WEIGHTS = `${defaultSettings.workDir}/weights.safetensors`; // written by npm run bench (prepare)

async function measure(classes: number, repeats: number): Promise<number[]> {
  const backend = await initBackend({ backend: "wasm", log: () => {} });
  const { tensors } = await readSafetensors(WEIGHTS);
  const clip: TensorMap = new Map([...tensors].filter(([key]) => !key.startsWith("check.")));
  const backbone = { model: ClipModel.fromTensorMap(clip), tokenizer: benchTokenizer() };
  void backend;
  return (await textTrain(backbone, { ...defaultSettings, classes, repeats })).runs;
}

function inWorker(classes: number, repeats: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    // Workers do not inherit tsx's loader: register it in the worker, then load this file there.
    const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: { classes, repeats }, execArgv: process.execArgv });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (key: string, fallback: number) => (args.includes(`--${key}`) ? Number(args[args.indexOf(`--${key}`) + 1]) : fallback);
  const classes = value("classes", 100);
  const repeats = value("repeats", 3);
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const one = median(await measure(classes, repeats));
  const start = performance.now();
  const halves = await Promise.all([inWorker(classes / 2, repeats), inWorker(classes / 2, repeats)]);
  const wall = performance.now() - start;
  const two = Math.max(median(halves[0]!), median(halves[1]!));
  console.log(`one thread, ${classes} classes: ${one.toFixed(0)} ms; two workers, ${classes / 2} each: ${two.toFixed(0)} ms per step ` +
    `(speedup ${(one / two).toFixed(2)}x, upper bound; whole worker run ${wall.toFixed(0)} ms incl. start-up)`);
}

if (isMainThread) void main();
else void measure(workerData.classes, workerData.repeats).then((runs) => parentPort!.postMessage(runs));
