import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "examples/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The JSON report feeds .ci/summary.mjs, which prints the "N passed, N failed" line CI reads.
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
  },
});
