import { methodErrors } from "@vlprompt/core";

/** For a parameter name the method does not have: a coded error naming it. */
export function unknownParameter(method: string, name: string): Error {
  return methodErrors.make("VLP_METHOD_STATE", `${method} has no parameter "${name}"`);
}
