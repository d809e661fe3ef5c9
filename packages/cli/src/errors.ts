import { defineErrors } from "@vlprompt/core";

/** Coded errors of the command line itself (argument mistakes, commands whose engine part is missing). */
export const cliErrors = defineErrors({
  VLP_CLI_USAGE: {
    summary: "The command line is not valid: an unknown command or option, or a missing argument.",
    fix: "Run `vlprompt --help` or `vlprompt <command> --help` for the accepted arguments.",
  },
  VLP_CLI_NOT_WIRED: {
    summary: "This command's engine part is not registered in the CLI's composition root.",
    fix: "Use a build whose packages/cli/src/container.ts provides it (see docs/cli.md, 'Engine wiring').",
  },
});
