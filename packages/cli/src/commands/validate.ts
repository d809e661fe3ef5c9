/** `vlprompt validate <manifest>`: every problem at once, or the size of the grid it would run. */
import { planManifest } from "@vlprompt/core";
import { ExitCode } from "../output.js";
import { loadManifestFor, type CommandContext } from "./context.js";

export async function validateCommand(context: CommandContext, path: string): Promise<number> {
  const loaded = await loadManifestFor(context, path);
  const plan = planManifest(loaded.resolved);
  const { resolved } = loaded;
  const grid = `${resolved.entries.length} method(s) × ${resolved.datasets.length} dataset(s) × ${resolved.protocol.shots.length} shot setting(s) × ${resolved.seeds.length} seed(s)`;
  context.output.say(
    `${path} is valid: ${grid} = ${plan.runs.length} runs` +
      (plan.metaJobs.length > 0 ? `, after ${plan.metaJobs.length} meta-training job(s)` : "") +
      `\noutput: ${resolved.outDir}`,
  );
  context.output.json({
    ok: true,
    command: "validate",
    manifest: loaded.path,
    name: resolved.name,
    protocol: resolved.protocol,
    entries: resolved.entries.map((entry) => ({ id: entry.id, method: entry.method, gram: entry.gram !== null })),
    runs: plan.runs.length,
    metaJobs: plan.metaJobs.length,
    outDir: resolved.outDir,
  });
  return ExitCode.ok;
}
