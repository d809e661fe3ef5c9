/** `data prepare`, `pretrain`, `evaluate`: thin commands over engine parts registered in the container. */
import { cliErrors } from "../errors.js";
import { ExitCode } from "../output.js";
import { engineOf, type CommandContext } from "./context.js";
import type { Engine } from "../container.js";

async function delegate<K extends "dataPrepare" | "pretrain" | "evaluate">(
  context: CommandContext,
  command: string,
  part: K,
  request: (log: (line: string) => void) => Parameters<NonNullable<Engine[K]>>[0],
): Promise<number> {
  const handler = engineOf(context)[part] as ((request: unknown) => Promise<unknown>) | undefined;
  if (!handler) throw cliErrors.make("VLP_CLI_NOT_WIRED", `\`vlprompt ${command}\` has no implementation wired into this build`);
  const log = (line: string) => (context.output.mode.json || context.output.mode.quiet ? undefined : context.output.io.stderr(`${line}\n`));
  const result = await handler(request(log));
  if (result !== undefined) context.output.say(typeof result === "string" ? result : JSON.stringify(result, null, 2));
  context.output.json({ ok: true, command, result: result ?? null });
  return ExitCode.ok;
}

export const dataPrepareCommand = (context: CommandContext, datasets: string[], options: { force?: boolean }) =>
  delegate(context, "data prepare", "dataPrepare", (log) => ({ datasets, force: options.force ?? false, log }));

export const pretrainCommand = (context: CommandContext, options: { out?: string; resume?: boolean; backend?: string; steps?: string; batch?: string; lr?: string; emojiShare?: string; scenes?: string; grey?: string }) =>
  delegate(context, "pretrain", "pretrain", (log) => ({
    ...(options.out ? { out: options.out } : {}),
    ...(options.steps ? { steps: Number(options.steps) } : {}),
    ...(options.batch ? { batchSize: Number(options.batch) } : {}),
    ...(options.lr ? { lr: Number(options.lr) } : {}),
    ...(options.scenes ? { sceneProbability: Number(options.scenes) } : {}),
    ...(options.grey ? { greyProbability: Number(options.grey) } : {}),
    ...(options.emojiShare ? { emojiShare: options.emojiShare === "none" ? null : Number(options.emojiShare) } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
    resume: options.resume ?? false,
    log,
  }));

export const evaluateCommand = (context: CommandContext, checkpoint: string, dataset: string, options: { backend?: string }) =>
  delegate(context, "evaluate", "evaluate", (log) => ({ checkpoint, dataset, ...(options.backend ? { backend: options.backend } : {}), log }));
