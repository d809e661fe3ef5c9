/**
 * Before/after of the performance levers, each workload run once per configuration (in its own process,
 * configurations interleaved so machine load drifts over all of them alike):
 *   plain     tfjs as shipped (VLPROMPT_NATIVE_BLAS=0 VLPROMPT_FAST_KERNELS=0)
 *   kernels   + in-place Slice/SplitV/Identity on wasm, one-sum Tile gradient (VLPROMPT_NATIVE_BLAS=0)
 *   native    + native BLAS matMul only (VLPROMPT_FAST_KERNELS=0)
 *   both      the default
 *   node --conditions=source --import tsx bench/levers.ts [--repeats 3] [--only a,b]   (after npm run bench has prepared)
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./report.js";
import { defaultSettings } from "./shapes.js";

const here = dirname(fileURLToPath(import.meta.url));
const CONFIGS: Record<string, NodeJS.ProcessEnv> = {
  plain: { VLPROMPT_NATIVE_BLAS: "0", VLPROMPT_FAST_KERNELS: "0" },
  kernels: { VLPROMPT_NATIVE_BLAS: "0" },
  native: { VLPROMPT_FAST_KERNELS: "0" },
  both: {},
};
const WORKLOADS = ["small-coop-step", "step-coop-cached", "text-train", "step-vpt", "step-maple"];

function run(workload: string, env: NodeJS.ProcessEnv): Promise<number | string> {
  return new Promise((resolve) => {
    const spec = join(defaultSettings.workDir, "spec.json");
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(here, "ts-worker.ts"), workload, spec], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", () => {
      const line = out.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
      if (!line) return resolve(`failed: ${err.trim().split("\n").pop()?.slice(0, 80) ?? "?"}`);
      resolve(median((JSON.parse(line.slice(13)) as { runs: number[] }).runs));
    });
  });
}

async function main(): Promise<void> {
  const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1]!.split(",") : WORKLOADS;
  const results: Record<string, Record<string, number | string>> = {};
  const loads: number[] = [];
  for (const workload of only) {
    results[workload] = {};
    for (const [name, env] of Object.entries(CONFIGS)) {
      loads.push(os.loadavg()[0]!);
      results[workload]![name] = await run(workload, env);
      process.stderr.write(`levers: ${workload} ${name}: ${String(results[workload]![name])}\n`);
    }
  }
  const cell = (v: number | string | undefined, base: number | string | undefined) =>
    typeof v !== "number" ? String(v ?? "–") : `${v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`}${typeof base === "number" ? ` (${(base / v).toFixed(1)}x)` : ""}`;
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}; median step time, speed-up over plain in brackets.`,
    "",
    "| workload | tfjs as shipped | + in-place slices, shared clones, one-sum tile gradient | + native BLAS matMul only | both (default) |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...only.map((w) => `| ${w} | ${cell(results[w]!.plain, undefined)} | ${cell(results[w]!.kernels, results[w]!.plain)} | ${cell(results[w]!.native, results[w]!.plain)} | ${cell(results[w]!.both, results[w]!.plain)} |`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  await mkdir(join(here, "results"), { recursive: true });
  await writeFile(join(here, "results", "levers.json"), JSON.stringify({ results, loads, markdown: lines.join("\n") }, null, 1));
}

void main();
