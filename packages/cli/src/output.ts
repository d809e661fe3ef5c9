/**
 * Output modes: human (tables, bars, colour-free text), --json (exactly one JSON document on stdout per
 * command, for scripts) and --quiet (errors only). Exit codes are documented in docs/cli.md.
 */
import { isVlpromptError, type VlpromptError } from "@vlprompt/core";

export const ExitCode = {
  ok: 0,
  /** A run or command failed while working (a failed run, a locked output folder, an engine error). */
  failure: 1,
  /** The input is invalid: bad arguments, a manifest with errors, a missing file. Nothing was done. */
  invalidInput: 2,
  /** The command needs an engine part this build does not wire (see docs/cli.md). Nothing was done. */
  notAvailable: 3,
  /** Interrupted (Ctrl-C); finished runs are saved. */
  interrupted: 130,
} as const;

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bars) and its stream for cli-progress. */
  readonly interactive: boolean;
  readonly errStream?: NodeJS.WritableStream;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
  errStream: process.stderr,
};

export interface Mode {
  readonly json: boolean;
  readonly quiet: boolean;
}

const inputCodes = new Set(["VLP_MANIFEST_NOT_FOUND", "VLP_MANIFEST_JSON", "VLP_MANIFEST_INVALID", "VLP_MANIFEST_PLUGIN", "VLP_RESULTS_NOT_FOUND", "VLP_CLI_USAGE"]);
const unavailableCodes = new Set(["VLP_RUN_ENGINE_NOT_WIRED", "VLP_RUN_META_NOT_WIRED", "VLP_CLI_NOT_WIRED"]);

export function exitCodeFor(error: unknown): number {
  if (!isVlpromptError(error)) return ExitCode.failure;
  if (inputCodes.has(error.code)) return ExitCode.invalidInput;
  if (unavailableCodes.has(error.code)) return ExitCode.notAvailable;
  if (error.code === "VLP_RUN_INTERRUPTED") return ExitCode.interrupted;
  return ExitCode.failure;
}

function errorJson(error: unknown): Record<string, unknown> {
  if (isVlpromptError(error)) {
    const issues = (error as VlpromptError & { issues?: unknown }).issues;
    return { code: error.code, message: error.detail, fix: error.fix, ...(issues ? { issues } : {}) };
  }
  return { code: "VLP_INTERNAL", message: error instanceof Error ? error.message : String(error) };
}

export class Output {
  constructor(
    readonly io: Io,
    readonly mode: Mode,
  ) {}

  /** Human text on stdout (not in --json or --quiet). */
  say(text: string): void {
    if (!this.mode.json && !this.mode.quiet) this.io.stdout(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** A warning on stderr (not in --quiet). */
  warn(text: string): void {
    if (!this.mode.quiet) this.io.stderr(`warning: ${text}\n`);
  }

  /** The command's one JSON document (in --json only). */
  json(value: Record<string, unknown>): void {
    if (this.mode.json) this.io.stdout(JSON.stringify(value, null, 2) + "\n");
  }

  /** Reports an error in the current mode; returns the exit code. */
  fail(error: unknown, command: string): number {
    const code = exitCodeFor(error);
    if (this.mode.json) {
      this.io.stdout(JSON.stringify({ ok: false, command, exitCode: code, error: errorJson(error) }, null, 2) + "\n");
    } else if (isVlpromptError(error)) {
      this.io.stderr(`error: ${error.message}\n`);
    } else {
      this.io.stderr(`internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    return code;
  }
}
