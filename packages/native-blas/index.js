/**
 * Load the native BLAS addon. `loadNativeBlas()` returns null (and `whyUnavailable()` the reason) when the addon
 * was not built or no BLAS library with sgemm_ is installed.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const path = join(dirname(fileURLToPath(import.meta.url)), "build", "vlprompt_blas.node");
let reason = "";
let cached;

export function loadNativeBlas() {
  if (cached !== undefined) return cached;
  cached = null;
  if (!existsSync(path)) {
    reason = "the addon is not built (npm run build -w @vlprompt/native-blas)";
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(path);
    if (!addon.library()) reason = "no BLAS library with sgemm_ found (Debian: apt-get install libopenblas0-pthread)";
    else cached = addon;
  } catch (error) {
    reason = `the addon failed to load: ${String(error && error.message ? error.message : error).split("\n")[0]}`;
  }
  return cached;
}

export function whyUnavailable() {
  loadNativeBlas();
  return reason;
}
