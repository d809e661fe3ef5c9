import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  dts: true,
  tsconfig: "../../tsconfig.base.json",
  // testing/conformance.ts declares vitest tests; the user's own vitest runs them, never a bundled copy.
  external: ["vitest"],
});
