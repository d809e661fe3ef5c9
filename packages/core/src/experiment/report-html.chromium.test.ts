/**
 * Opens report.html in headless Chromium (Debian's package) and checks that the browser laid out every
 * chart with visible marks: the page's own check script writes the counts into <body data-charts-*>.
 * When chromium is missing, scripts/setup-chromium.sh installs it; the test skips (and says why) only
 * when that is impossible.
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { planManifest } from "./plan.js";
import { writeReports } from "./reports.js";
import { resolveManifest } from "./resolve.js";
import type { Manifest } from "./schema.js";
import { fakeResult, testCatalog, testManifest } from "./test-fixtures.js";

const setupScript = fileURLToPath(new URL("../../../../scripts/setup-chromium.sh", import.meta.url));

function findChromium(): string | undefined {
  const which = spawnSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" });
  return which.status === 0 ? which.stdout.trim().split("\n")[0] : undefined;
}

let chromium = findChromium();
let whyMissing = "";

beforeAll(() => {
  if (chromium) return;
  const setup = spawnSync("bash", [setupScript], { encoding: "utf8", timeout: 400_000 });
  chromium = findChromium();
  if (!chromium) whyMissing = `chromium is not installed and scripts/setup-chromium.sh could not install it: ${setup.stderr.trim() || `exit ${setup.status}`}`;
}, 420_000);

/** The DOM after the page's scripts ran. */
async function renderedDom(htmlPath: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "vlp-chromium-"));
  const flags = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--window-size=1200,1600", "--dump-dom",
  ];
  const { stdout } = await promisify(execFile)(chromium!, [...flags, pathToFileURL(htmlPath).href], { encoding: "utf8", timeout: 90_000 });
  return stdout;
}

async function reportFor(manifest: Manifest): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "vlp-html-"));
  const specs = planManifest(resolveManifest(manifest, { baseDir: "/exp", methods: testCatalog })).runs;
  const records = specs.map((spec) => ({ v: 1 as const, id: spec.id, status: "done" as const, finishedAt: "", spec, result: fakeResult(spec) }));
  await writeReports(dir, records, { formats: ["html"] });
  return join(dir, "report.html");
}

const counts = (dom: string) => ({
  total: Number(/data-charts-total="(\d+)"/.exec(dom)?.[1] ?? -1),
  rendered: Number(/data-charts-rendered="(\d+)"/.exec(dom)?.[1] ?? -1),
  paths: [...dom.matchAll(/<path class="mark line" d="(M[^"]+)"/g)].length,
});

describe("report.html in headless Chromium", () => {
  it("renders every chart: accuracy vs shots, training curves, base/new/HM and cross-domain bars", async (context) => {
    if (!chromium) {
      console.warn(`SKIPPED report.html rendering test: ${whyMissing}`);
      context.skip();
    }
    const pages = await Promise.all([
      reportFor(testManifest({ protocol: { kind: "few-shot", shots: [1, 2, 4] } })),
      reportFor(testManifest({ protocol: { kind: "base-to-new" } })),
      reportFor(testManifest({ protocol: { kind: "cross-domain", targets: ["sketch", "3d"] } })),
    ]);
    const [fewShot, baseToNew, domains] = (await Promise.all(pages.map(renderedDom))).map(counts);
    // 2 datasets + their average (accuracy vs shots) + 2 training-curve charts
    expect(fewShot).toEqual({ total: 5, rendered: 5, paths: 3 * 2 + 2 * 2 });
    expect(baseToNew).toMatchObject({ total: 3, rendered: 3 });
    expect(domains).toMatchObject({ total: 4, rendered: 4 });
  });
});
