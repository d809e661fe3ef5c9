/**
 * Load the native addon. `loadNativeBlas()` returns null (and `whyUnavailable()` the reason) when the addon was not
 * built or no BLAS library with sgemm_ is installed; `loadNativeAddon()` returns it whenever it is built and loads
 * (its fused row and attention kernels need no BLAS: without one their products run a plain loop).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const path = join(dirname(fileURLToPath(import.meta.url)), "build", "vlprompt_blas.node");
let reason = "";
let addon;
let cached;

export function loadNativeAddon() {
  if (addon !== undefined) return addon;
  addon = null;
  if (!existsSync(path)) {
    reason = "the addon is not built (npm run build -w @vlprompt/native-blas)";
    return addon;
  }
  try {
    addon = createRequire(import.meta.url)(path);
  } catch (error) {
    reason = `the addon failed to load: ${String(error && error.message ? error.message : error).split("\n")[0]}`;
  }
  return addon;
}

export function loadNativeBlas() {
  if (cached !== undefined) return cached;
  cached = null;
  const loaded = loadNativeAddon();
  if (loaded && !loaded.library()) reason = "no BLAS library with sgemm_ found (Debian: apt-get install libopenblas0-pthread)";
  else cached = loaded;
  return cached;
}

export function whyUnavailable() {
  loadNativeBlas();
  return reason;
}
