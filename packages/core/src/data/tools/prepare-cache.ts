/**
 * Build the data cache from the command line (what `vlprompt data prepare` does), printing progress and the
 * counts per dataset and style:
 *   npx tsx packages/core/src/data/tools/prepare-cache.ts [--cache DIR] [--force] [dataset|corpus ...]
 */
import { formatPrepareReport, prepareCache } from "../prepare.js";

const args = process.argv.slice(2);
const cacheAt = args.indexOf("--cache");
const cacheDir = cacheAt >= 0 ? args[cacheAt + 1] : undefined;
const force = args.includes("--force");
const datasets = args.filter((a, i) => !a.startsWith("--") && i !== cacheAt + 1);
const started = Date.now();
let lastLine = 0;
const result = await prepareCache({
  cacheDir,
  force,
  datasets: datasets.length > 0 ? datasets : undefined,
  onProgress: ({ stage, done, total, message }) => {
    if (stage === "render" && Date.now() - lastLine < 2000 && done !== total) return;
    lastLine = Date.now();
    const percent = total > 0 ? ` ${((100 * done) / total).toFixed(0)}%` : "";
    console.error(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${stage}${percent} ${done}/${total} ${message ?? ""}`);
  },
});
for (const line of formatPrepareReport(result)) console.log(line);
