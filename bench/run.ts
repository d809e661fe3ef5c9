/**
 * vlprompt against PyTorch, in one run on one machine.
 *   npm run bench -- [--layers 2] [--classes 100] [--repeats 3] [--backend auto] [--only a,b] [--threads 2]
 *                    [--torch-device cpu] [--torch-env tuned|default] [--torch-eot-cut] [--no-docs] [--out latest.json]
 * VLPROMPT_NATIVE_BLAS=0 measures the plain tfjs matMul (the "before" of the native BLAS lever).
 * Prepares the shared weights and spec (bench/prepare.ts), then runs every workload once on each side, each in
 * its own process (bench/ts-worker.ts, bench/torch_baseline.py), prints the table, writes
 * bench/results/latest.json and the generated section of docs/benchmarks.md.
 * Needs the PyTorch baseline installed: sh bench/setup.sh.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "../packages/core/src/index.js";
import { E2E_DATASET } from "./e2e.js";
import { prepareBench } from "./prepare.js";
import { ms, ratio, reportMarkdown, updateDoc, type Report, type Row, type SideResult } from "./report.js";
import { benchConfig, defaultSettings, describeShape, type BenchSettings } from "./shapes.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const python = process.env.VLPROMPT_BENCH_PYTHON ?? "/usr/bin/python3";
const JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";

/**
 * PyTorch's environment (unless --torch-env default): jemalloc that keeps freed memory (never purges), passive
 * OpenMP waiting. glibc's
 * malloc returns large blocks to the system, so every big tensor is fresh pages; where page faults are slow (this
 * sandboxed machine) that costs PyTorch far more than its arithmetic. Tuned is the fairer baseline.
 */
/*
 * Both sides multiply with the same OpenBLAS kernels: where OpenBLAS does not know the CPU, the native-BLAS addon
 * (loaded by initBackend before any child starts) sets OPENBLAS_CORETYPE in this process's environment, which
 * every child inherits (docs/backends.md).
 */
function torchEnvironment(setting: string): NodeJS.ProcessEnv {
  if (setting === "default" || !existsSync(JEMALLOC)) return process.env;
  // OMP_WAIT_POLICY=PASSIVE: OpenMP workers sleep instead of spinning between ops, so they do not fight OpenBLAS's
  // threads (measured on a busy machine: a CoOp step at 2 threads 569 ms spinning, 114 ms passive, 133 ms 1 thread).
  return { ...process.env, LD_PRELOAD: JEMALLOC, MALLOC_CONF: "dirty_decay_ms:-1,muzzy_decay_ms:-1,retain:true", OMP_WAIT_POLICY: "PASSIVE" };
}

/** vlprompt's text encoder stops at the last EOT (exact under the causal mask); PyTorch runs all 77 tokens, as upstream. */
let eotNote = "";

interface Workload {
  readonly id: string;
  readonly label: string;
  readonly shape: (s: BenchSettings) => string;
  readonly ours: boolean;
  readonly torch: boolean;
  readonly versus?: string;
}

const WORKLOADS: readonly Workload[] = [
  { id: "check", label: "Same model check (max rel. diff of features)", shape: () => "2 images, 3 texts", ours: false, torch: true },
  { id: "image-forward", label: "Image encoder forward", shape: (s) => `${s.imageBatch} images`, ours: true, torch: true },
  { id: "text-train", label: "Text encoder fwd+bwd, CoOp prompts", shape: (s) => `${s.classes} classes x 77 tokens${eotNote}`, ours: true, torch: true },
  { id: "step-coop", label: "Training step: CoOp", shape: (s) => `batch 32 images, ${s.classes} classes`, ours: true, torch: true },
  { id: "step-coop-cached", label: "Training step: CoOp, cached image features", shape: (s) => `batch 32, ${s.classes} classes`, ours: true, torch: true },
  { id: "step-cocoop", label: "Training step: CoCoOp", shape: (s) => `batch 1 image, ${s.classes} classes`, ours: true, torch: true },
  { id: "step-vpt", label: "Training step: VPT (deep)", shape: (s) => `batch 4 images, ${s.classes} classes`, ours: true, torch: true },
  { id: "step-maple", label: "Training step: MaPLe", shape: (s) => `batch 4 images, ${s.classes} classes`, ours: true, torch: true },
  { id: "step-ivlp", label: "Training step: IVLP", shape: (s) => `batch 4 images, ${s.classes} classes`, ours: true, torch: true },
  { id: "step-gram-coop-cached", label: "Training step: GRAM(CoOp), cached features", shape: (s) => `batch 32, ${s.classes} classes`, ours: true, torch: false, versus: "step-coop-cached" },
  { id: "step-gram-maple", label: "Training step: GRAM(MaPLe)", shape: (s) => `batch 4 images, ${s.classes} classes`, ours: true, torch: false, versus: "step-maple" },
  { id: "e2e-coop", label: `End-to-end CoOp 16-shot, ${E2E_DATASET}`, shape: () => "published recipe: 200 epochs, batch 32, 160 images", ours: true, torch: true },
  { id: "gram-meta", label: "GRAM meta-training outer step (CoOp)", shape: () => "4 tasks of 5-way 4+4-shot, first order", ours: true, torch: false },
];

function parseArgs(argv: string[]) {
  const args = new Map<string, string>();
  argv.forEach((arg, i) => {
    if (!arg.startsWith("--")) return;
    const next = argv[i + 1];
    args.set(arg.slice(2), next && !next.startsWith("--") ? next : "true");
  });
  const number = (key: string, fallback: number) => (args.has(key) ? Number(args.get(key)) : fallback);
  const settings: BenchSettings = {
    ...defaultSettings,
    layers: number("layers", defaultSettings.layers),
    classes: number("classes", defaultSettings.classes),
    repeats: number("repeats", defaultSettings.repeats),
    imageBatch: number("image-batch", defaultSettings.imageBatch),
  };
  return {
    settings,
    backend: args.get("backend") ?? "auto",
    only: args.get("only")?.split(","),
    threads: number("threads", 2),
    torchDevice: args.get("torch-device") ?? "cpu",
    torchEnv: args.get("torch-env") ?? "tuned",
    torchEotCut: args.has("torch-eot-cut"),
    docs: !args.has("no-docs"),
    out: args.get("out") ?? "latest.json",
  };
}

/** Run a command, return the JSON after `marker` on its output, or throw with the tail of stderr. */
function runChild(command: string, args: string[], marker: string, timeoutMs: number, env = process.env): Promise<SideResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith(marker));
      if (code === 0 && line) resolve(JSON.parse(line.slice(marker.length)));
      else reject(new Error(`${command} exited ${code}: ${err.trim().split("\n").slice(-3).join(" / ") || out.slice(-300)}`));
    });
  });
}

const tsSide = (workload: string, spec: string, env: NodeJS.ProcessEnv = process.env) =>
  runChild(process.execPath, ["--conditions=source", "--expose-gc", "--import", "tsx", join(here, "ts-worker.ts"), workload, spec], "BENCH_RESULT ", 1_800_000, env);

const torchSide = (workload: string, spec: string, options: { threads: number; torchDevice: string; torchEnv: string; torchEotCut: boolean }) =>
  runChild(
    python,
    [join(here, "torch_baseline.py"), "--spec", spec, "--workload", workload, "--threads", String(options.threads), "--device", options.torchDevice, ...(options.torchEotCut ? ["--eot-cut"] : [])],
    "BENCH_RESULT ",
    1_800_000,
    torchEnvironment(options.torchEnv),
  );

async function measure(workload: Workload, spec: string, options: ReturnType<typeof parseArgs>): Promise<Row> {
  const load = os.loadavg()[0]!;
  const base = { id: workload.id, label: workload.label, shape: workload.shape(options.settings), load, ...(workload.versus ? { versus: workload.versus } : {}) };
  try {
    const ours = workload.ours ? await tsSide(workload.id, spec) : undefined;
    const torch = workload.torch ? await torchSide(workload.id, spec, options) : undefined;
    const row: Row = { ...base, ...(ours ? { ours } : {}), ...(torch ? { torch } : {}) };
    const r = ratio(row, []);
    process.stderr.write(`bench: ${workload.id}: ours ${ms(ours)?.toFixed(0) ?? "-"} ms, torch ${ms(torch)?.toFixed(0) ?? "-"} ms${r ? `, ratio ${r.toFixed(2)}` : ""} (load ${load.toFixed(1)})\n`);
    return row;
  } catch (error) {
    process.stderr.write(`bench: ${workload.id} failed: ${String(error)}\n`);
    return { ...base, error: error instanceof Error ? error.message : String(error) };
  }
}

function targets(rows: Row[]): Report["targets"] {
  const find = (id: string) => rows.find((r) => r.id === id);
  const out: Report["targets"][number][] = [];
  const steps = rows.filter((r) => r.id.startsWith("step-") && !r.versus && r.torch);
  const stepRatios = steps.map((r) => [r.label.replace("Training step: ", ""), ratio(r, rows)] as const);
  const worst = Math.max(...stepRatios.map(([, v]) => v ?? Infinity));
  out.push({
    name: "Training step of every method <= 2x PyTorch",
    status: worst <= 2 ? "met" : "not met",
    detail: stepRatios.map(([name, v]) => `${name} ${v?.toFixed(2) ?? "?"}x`).join(", "),
  });
  const e2e = find("e2e-coop");
  const e2eRatio = e2e ? ratio(e2e, rows) : undefined;
  out.push({ name: "End-to-end CoOp 16-shot faster than PyTorch", status: e2eRatio !== undefined && e2eRatio < 1 ? "met" : "not met", detail: `${e2eRatio?.toFixed(2) ?? "?"}x` });
  const gram = rows.filter((r) => r.versus);
  const gramRatios = gram.map((r) => ratio(r, rows) ?? Infinity);
  out.push({
    name: "GRAM-wrapped step <= 1.15x the bare method",
    status: gramRatios.every((v) => v <= 1.15) ? "met" : "not met",
    detail: gram.map((r, i) => `${r.label.replace("Training step: ", "")} ${gramRatios[i]!.toFixed(2)}x`).join(", "),
  });
  const memory = (e2e?.ours?.memory ?? []) as [number, number, number][];
  if (memory.length >= 2) {
    // Baseline after a tenth of the run: the first epochs grow the heap to its working size once.
    const [firstStep, firstTensors, firstRss] = memory[Math.floor(memory.length / 10)]!;
    const [lastStep, lastTensors, lastRss] = memory[memory.length - 1]!;
    const grew = lastTensors > firstTensors || lastRss > firstRss * 1.1;
    out.push({
      name: "No growth in tensors or memory over 1,000 steps",
      status: lastStep >= 1000 && !grew ? "met" : grew ? "not met" : "not measured (fewer than 1,000 steps)",
      detail: `step ${firstStep}: ${firstTensors} tensors, ${firstRss.toFixed(0)} MB RSS; step ${lastStep}: ${lastTensors} tensors, ${lastRss.toFixed(0)} MB RSS`,
    });
  }
  return out;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const backend = await initBackend({ backend: options.backend, log: () => {} });
  process.stderr.write(`bench: preparing weights and spec in ${options.settings.workDir} (backend ${backend.name})\n`);
  const spec = await prepareBench(options.settings, options.backend, options.threads);
  const coopEots = (JSON.parse(await readFile(spec, "utf8")) as { prompts: { coop: { eotIndices: number[] } } }).prompts.coop.eotIndices;
  eotNote = ` (vlprompt stops at the last EOT: ${Math.max(...coopEots) + 1})`;
  const chosen = WORKLOADS.filter((w) => !options.only || options.only.includes(w.id) || w.id === "check");
  const ourPeak = await tsSide("matmul-peak", spec);
  const plainPeak = await tsSide("matmul-peak", spec, { ...process.env, VLPROMPT_NATIVE_BLAS: "0" });
  const torchPeak = await torchSide("matmul-peak", spec, options);
  const rows: Row[] = [];
  for (const workload of chosen) rows.push(await measure(workload, spec, options));
  const cpu = os.cpus();
  const gflops = ourPeak.gflops as Record<string, number>;
  const plain = plainPeak.gflops as Record<string, number>;
  const report: Report = {
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    machine: `${cpu.length} x ${cpu[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}`,
    backend: `${backend.name}, ${String(ourPeak.matMul)}`,
    torch: `${String(torchPeak.torch)} (${options.torchDevice}, ${String(torchPeak.threads)} threads, OpenBLAS${process.env.OPENBLAS_CORETYPE ? ` ${process.env.OPENBLAS_CORETYPE} kernels` : ""}, ${options.torchEnv === "default" || !existsSync(JEMALLOC) ? "glibc malloc" : "jemalloc, OMP passive"}${options.torchEotCut ? ", text stops at the last EOT" : ""})`,
    shape: describeShape(benchConfig(options.settings.layers)),
    limits: {
      "numpy sgemm 2048": torchPeak.numpyGflops as number,
      "torch matmul 2048": torchPeak.torchGflops as number,
      [`tfjs ${backend.name} matMul 2048 (its own kernel)`]: plain.plain2048!,
      [`tfjs ${backend.name} matMul 1024 transposeB (its own kernel)`]: plain.transposeB1024!,
      ...(ourPeak.matMul !== plainPeak.matMul ? { [`tfjs ${backend.name} matMul 2048 through native BLAS`]: gflops.plain2048! } : {}),
    },
    rows,
    targets: [],
  };
  const final: Report = { ...report, targets: targets(rows) };
  const markdown = reportMarkdown(final);
  process.stdout.write(`${markdown}\n`);
  await mkdir(join(here, "results"), { recursive: true });
  await writeFile(join(here, "results", options.out), JSON.stringify(final, null, 1));
  if (options.docs) await updateDoc(join(root, "docs", "benchmarks.md"), markdown);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
