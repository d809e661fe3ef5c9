/**
 * The one visible list of built-in methods. ADD NEW BUILT-INS HERE (one import, one list entry);
 * packages/plugins/src/conformance.test.ts runs the method conformance suite on every entry of this list.
 */
import type { MethodDefinition, MethodRegistry } from "@vlprompt/core";
import { cocoop } from "./cocoop/index.js";
import { coop } from "./coop/index.js";
import { ivlp } from "./ivlp/index.js";
import { maple } from "./maple/index.js";
import { vpt } from "./vpt/index.js";

export const builtinMethods: readonly MethodDefinition[] = [coop, cocoop, vpt, maple, ivlp];

/** Register every built-in method (throws VLP_METHOD_DUPLICATE if one is already there). */
export function registerBuiltinMethods(registry: MethodRegistry): MethodRegistry {
  return registry.registerAll(builtinMethods);
}
