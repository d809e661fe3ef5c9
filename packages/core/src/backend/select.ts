import * as tf from "@tensorflow/tfjs";
import { backendErrors } from "./errors.js";
import { registerFastMatMulGradient } from "./fast-matmul-grad.js";
import { enableNativeMatMul } from "./native-matmul.js";
import { registerFastKernels } from "./wasm-kernels.js";
import { tryWebGpu } from "./webgpu.js";

export const backendNames = ["auto", "tensorflow", "webgpu", "wasm", "cpu"] as const;
export type BackendName = (typeof backendNames)[number];

export interface BackendInfo {
  /** The tfjs backend that now runs every op: "tensorflow", "webgpu", "wasm" or "cpu". */
  readonly name: string;
  /** Why better backends were passed over (one line each), in the order tried. */
  readonly notices: readonly string[];
  /** How wasm/cpu multiply matrices: through the optional native BLAS, or why not (docs/backends.md). */
  readonly matMul?: string;
}

export interface BackendOptions {
  /** "auto" (default) tries tensorflow > webgpu > wasm > cpu. Overridden by env VLPROMPT_BACKEND. */
  backend?: BackendName | string;
  /** Where the one-line report goes; default stderr. Pass `() => {}` to silence. */
  log?: (line: string) => void;
}

type Attempt = () => Promise<string | null>;

async function tryTensorflow(): Promise<string | null> {
  const failures: string[] = [];
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await import(pkg);
      if (await tf.setBackend("tensorflow")) return null;
      failures.push(`${pkg} loaded but did not register a backend`);
    } catch (error) {
      const missing = (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" || /Cannot find (package|module)/.test(String(error));
      failures.push(missing ? `${pkg} not installed` : `${pkg}: ${firstLine(error)}`);
    }
  }
  return `tensorflow skipped (${failures.join(", ")})`;
}

async function trySimple(name: "wasm" | "cpu"): Promise<string | null> {
  if (name === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  try {
    if (await tf.setBackend(name)) return null;
    return `${name} failed to initialise`;
  } catch (error) {
    return `${name}: ${firstLine(error)}`;
  }
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split("\n")[0]!.slice(0, 160);
}

const attempts: Record<Exclude<BackendName, "auto">, Attempt> = {
  tensorflow: tryTensorflow,
  webgpu: tryWebGpu,
  wasm: () => trySimple("wasm"),
  cpu: () => trySimple("cpu"),
};

let current: BackendInfo | undefined;

/**
 * Choose and initialise the tensor backend. Explicit names fail loudly (VLP_BACKEND_UNAVAILABLE); "auto"
 * falls back down the list, one notice per skipped backend. The choice is always reported in one line.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const requested = (process.env.VLPROMPT_BACKEND || options.backend || "auto").toLowerCase();
  if (!(backendNames as readonly string[]).includes(requested)) {
    throw backendErrors.make("VLP_BACKEND_UNKNOWN", `backend "${requested}" is not known`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  tf.env().set("PROD", true); // silences tfjs's console banners; the choice is reported below instead
  if (current && (requested === "auto" || requested === current.name) && tf.getBackend() === current.name) {
    return current;
  }
  const order = requested === "auto" ? (["tensorflow", "webgpu", "wasm", "cpu"] as const) : [requested as Exclude<BackendName, "auto">];
  const notices: string[] = [];
  for (const name of order) {
    const failure = await attempts[name]();
    if (failure === null) {
      await tf.ready();
      registerFastMatMulGradient();
      registerFastKernels(tf.getBackend());
      const matMul = await enableNativeMatMul(tf.getBackend());
      current = { name: tf.getBackend(), notices, ...(matMul ? { matMul } : {}) };
      const why = notices.length ? ` (${notices.join("; ")})` : "";
      log(`vlprompt: tensor backend ${current.name}${matMul ? `, ${matMul}` : ""}${why}`);
      return current;
    }
    if (requested !== "auto") throw backendErrors.make("VLP_BACKEND_UNAVAILABLE", failure);
    notices.push(failure);
  }
  throw backendErrors.make("VLP_BACKEND_UNAVAILABLE", notices.join("; "));
}

/** The backend chosen by the last initBackend call, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}
