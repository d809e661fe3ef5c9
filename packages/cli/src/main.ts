// Entry point of the `vlprompt` binary (bin/vlprompt.js loads it). The first Ctrl-C stops after the run in
// progress, keeping finished runs; a second one quits at once.
import "reflect-metadata";
import { runCli } from "./cli.js";
import { ExitCode } from "./output.js";

// `vlprompt methods | head` closes stdout early: that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(ExitCode.ok);
  throw error;
});

const interrupt = new AbortController();
process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(ExitCode.interrupted);
  process.stderr.write("\nstopping after the run in progress (Ctrl-C again to quit now)\n");
  interrupt.abort();
});
process.exitCode = await runCli(process.argv.slice(2), { signal: interrupt.signal });
