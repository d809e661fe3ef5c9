import { defineErrors } from "../errors.js";

export const methodErrors = defineErrors({
  VLP_METHOD_NAME: {
    summary: "A method's name is malformed.",
    fix: "Method names are lower-case letters, digits and dashes, starting with a letter (e.g. kg-coop).",
  },
  VLP_METHOD_DUPLICATE: {
    summary: "Two methods were registered under the same name.",
    fix: "Rename one of them; names are global within a registry.",
  },
  VLP_METHOD_UNKNOWN: {
    summary: "No method is registered under this name.",
    fix: "Check the spelling (`vlprompt methods` lists them) or list the plugin that provides it in `plugins`.",
  },
  VLP_METHOD_OPTIONS: {
    summary: "A method's options do not match its schema.",
    fix: "Fix the named option; `vlprompt methods` prints every option with its type and default.",
  },
  VLP_METHOD_STATE: {
    summary: "A saved prompt state does not fit the method's parameters.",
    fix: "Load a checkpoint saved by the same method with the same shape options (class-specific context ties it to the class count).",
  },
  VLP_METHOD_INPUT: {
    summary: "A method was given inputs it cannot use.",
    fix: "Methods that prompt the image encoder need images, not cached image features.",
  },
  VLP_PLUGIN_LOAD: {
    summary: "A third-party plugin module could not be loaded or exports no method.",
    fix: "Check the module path or package name; the module must export a method made with defineMethod (default or named export).",
  },
  VLP_PROMPT_TOO_LONG: {
    summary: "A class prompt does not fit in the text encoder's context length.",
    fix: "Use fewer context tokens or a shorter class name.",
  },
});
