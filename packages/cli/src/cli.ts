/**
 * The `vlprompt` program (commander 14). `runCli` composes the container once, parses the arguments, runs
 * one command and returns the exit code; it never calls process.exit, so tests call it in-process.
 */
import { defaultPretrainRecipe as recipe, manifestSchemaText } from "@vlprompt/core";
import { Command, CommanderError } from "commander";
import { composeContainer, type ComposeOptions } from "./container.js";
import { dataPrepareCommand, evaluateCommand, pretrainCommand } from "./commands/engine.js";
import type { CommandContext } from "./commands/context.js";
import { methodsCommand } from "./commands/methods.js";
import { reportCommand } from "./commands/report.js";
import { metaTrainCommand, runCommand } from "./commands/run.js";
import { validateCommand } from "./commands/validate.js";
import { cliErrors } from "./errors.js";
import { ExitCode, Output, processIo, type Io, type Mode } from "./output.js";

export const VERSION = "0.1.0";

export interface CliOptions extends ComposeOptions {
  /** Aborted on Ctrl-C (main.ts wires SIGINT to it). */
  readonly signal?: AbortSignal;
}

type Handler = (context: CommandContext, ...args: never[]) => Promise<number> | number;

interface ProgramState {
  code: number;
  mode: Mode;
}

type Act = (handler: Handler) => (...args: unknown[]) => Promise<void>;

/** validate, run, methods, meta-train, report. */
function experimentCommands(program: Command, act: Act): void {
  program.command("validate").argument("<manifest>", "manifest JSON file").description("check a manifest: every problem at once, with JSON pointers").action(act(validateCommand));
  program
    .command("run")
    .argument("<manifest>", "manifest JSON file")
    .description("run a manifest's grid (skips finished runs), then write reports and print the comparison")
    .option("--force", "redo runs that are already finished")
    .option("--dry-run", "list the runs and meta-training jobs that would run, and run nothing")
    .option("--fail-fast", "stop at the first failed run")
    .option("--out <dir>", "output directory (overrides the manifest's output.dir)")
    .action(act(runCommand));
  program.command("methods").description("list registered methods with their options and defaults").action(act(methodsCommand));
  program
    .command("meta-train")
    .argument("<manifest>", "manifest JSON file")
    .description("produce the GRAM meta-checkpoints a manifest needs (run does this itself when needed)")
    .option("--force", "redo finished meta-training jobs")
    .option("--out <dir>", "output directory")
    .action(act(metaTrainCommand));
  program
    .command("report")
    .argument("<run-dir>", "output directory of a run (contains results.jsonl)")
    .description("write report.md, results.csv, results.json and report.html from a run directory")
    .option("--out <dir>", "write the reports here instead of the run directory")
    .option("--format <list>", "comma-separated formats: md,csv,json,html")
    .action(act(reportCommand));
}

/** Commands over engine parts (data prepare, pretrain, evaluate) and schema. */
function engineCommands(program: Command, act: Act, io: Io): void {
  program
    .command("data")
    .description("datasets")
    .command("prepare")
    .argument("[datasets...]", "datasets to prepare (default: all built-in)")
    .option("--force", "rebuild datasets that are already prepared")
    .description("build the built-in datasets' image caches")
    .action(act(dataPrepareCommand));
  program
    .command("pretrain")
    .description("pretrain the default backbone on the built-in image-text corpus")
    .option("--out <dir>", "where to write the backbone (default packages/core/assets/default-backbone)")
    .option("--steps <n>", `optimizer steps (default ${recipe.steps})`)
    .option("--batch <n>", `image-text pairs per step (default ${recipe.batchSize})`)
    .option("--lr <x>", `peak AdamW learning rate (default ${recipe.lr})`)
    .option("--emoji-share <x>", `share of drawn pairs that are emoji (default ${recipe.emojiShare}; 'none' draws pairs uniformly)`)
    .option("--scenes <p>", `share of drawn images shown as seeded scenes like the datasets' items (default ${recipe.sceneProbability})`)
    .option("--grey <p>", `share of drawn images turned grey before cropping (default ${recipe.greyProbability})`)
    .option("--resume", "continue from the last checkpoint (always on: an existing checkpoint in <out> is resumed)")
    .option("--backend <name>", "tensor backend")
    .action(act(pretrainCommand));
  program
    .command("evaluate")
    .argument("<checkpoint>", "learned prompt weights (.safetensors)")
    .argument("<dataset>", "dataset to evaluate on")
    .option("--backend <name>", "tensor backend")
    .description("evaluate a saved checkpoint on a dataset")
    .action(act(evaluateCommand));
  program
    .command("schema")
    .description("print the manifest JSON schema (docs/manifest.schema.json)")
    .action(() => io.stdout(manifestSchemaText()));
}

function buildProgram(io: Io, state: ProgramState, contextFor: (mode: Mode) => CommandContext): Command {
  const program = new Command("vlprompt")
    .description("Prompt tuning of CLIP models: validate and run experiment manifests, compare methods.")
    .version(VERSION)
    .option("--json", "print one JSON document on stdout (for scripts)")
    .option("-q, --quiet", "print errors only")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: (text) => (state.mode.json ? undefined : io.stderr(text)) });
  const act = (handler: Handler) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<{ json?: boolean; quiet?: boolean }>();
      state.mode = { json: Boolean(globals.json), quiet: Boolean(globals.quiet) };
      state.code = await (handler as (...all: unknown[]) => Promise<number> | number)(contextFor(state.mode), ...args.slice(0, -1));
    };
  experimentCommands(program, act);
  engineCommands(program, act, io);
  return program;
}

/** Runs one vlprompt command; returns its exit code (docs/cli.md). */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const state: ProgramState = { code: ExitCode.ok, mode: { json: args.includes("--json"), quiet: args.includes("--quiet") || args.includes("-q") } };
  const signal = options.signal ?? new AbortController().signal;
  let services: ReturnType<typeof composeContainer> | undefined;
  const contextFor = (mode: Mode): CommandContext => {
    services ??= composeContainer(options);
    return { services, output: new Output(io, mode), signal };
  };
  const program = buildProgram(io, state, contextFor);
  try {
    await program.parseAsync([...args], { from: "user" });
    return state.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return ExitCode.ok;
      const usage = cliErrors.make("VLP_CLI_USAGE", error.message.replace(/^error: /, ""));
      return state.mode.json ? new Output(io, state.mode).fail(usage, args[0] ?? "") : ExitCode.invalidInput;
    }
    return new Output(io, state.mode).fail(error, args.find((arg) => !arg.startsWith("-")) ?? "");
  }
}
