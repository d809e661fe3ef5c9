/**
 * Compile src/blas.c (the BLAS product), src/rows.c (LayerNorm, QuickGELU) and src/attention.c (multi-head
 * attention) into build/vlprompt_blas.node with the system C compiler and Node's own N-API headers. No BLAS headers
 * are needed: the library is opened at run time. Never fails the install: when the compiler or the headers are
 * missing it says so and exits 0, and vlprompt runs its plain kernels.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, "build", "vlprompt_blas.node");

function headerDir() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
    resolve(process.execPath, "..", "..", "include", "node"),
    "/usr/include/node",
    "/usr/local/include/node",
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, "node_api.h")));
}

function skip(reason) {
  console.log(`@vlprompt/native-blas: not built (${reason}); vlprompt will use the plain tfjs matMul kernels`);
  process.exit(0);
}

if (process.platform === "win32") skip("Windows is not supported by this build script");
const include = headerDir();
if (!include) skip("Node's N-API headers (node_api.h) were not found; set npm_config_nodedir");
const compiler = process.env.CC || "cc";
const flags = process.platform === "darwin" ? ["-bundle", "-undefined", "dynamic_lookup"] : ["-shared", "-fPIC"];
mkdirSync(join(here, "build"), { recursive: true });
try {
  execFileSync(compiler, ["-O3", "-fno-math-errno", "-fno-trapping-math", "-std=c11", ...flags, `-I${include}`, join(here, "src", "blas.c"), join(here, "src", "rows.c"), join(here, "src", "attention.c"), "-o", output, "-ldl", "-lm"], { stdio: "inherit" });
} catch (error) {
  skip(`${compiler} failed: ${error.message.split("\n")[0]}`);
}
console.log(`@vlprompt/native-blas: built ${output}`);
