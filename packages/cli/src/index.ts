// Public surface of @vlprompt/cli: run the CLI in-process, or compose its container with other engine parts.
export { runCli, VERSION, type CliOptions } from "./cli.js";
export { composeContainer, builtinEngine, Tokens, type Engine, type ComposeOptions, type DataPrepareRequest, type PretrainRequest, type EvaluateRequest } from "./container.js";
export { ExitCode, exitCodeFor, type Io, type Mode } from "./output.js";
export { cliErrors } from "./errors.js";
