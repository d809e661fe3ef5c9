import type { Static, TObject } from "@sinclair/typebox";
import Ajv2020 from "ajv/dist/2020.js";
import type { ErrorObject } from "ajv";
import type { MethodContext, PromptLearner } from "./contract.js";
import { methodErrors } from "./errors.js";

export const methodNamePattern = /^[a-z][a-z0-9-]*$/;

/** A prompt-tuning method: a name, an options schema with defaults, and a learner factory. */
export interface MethodDefinition<Options = any> {
  readonly name: string;
  readonly description: string;
  /** JSON schema (draft 2020-12) of the options; the Options type is derived from it. */
  readonly optionsSchema: TObject;
  readonly defaults: Options;
  /** Default training recipe (a preset name in train/recipes) used when a manifest does not say. */
  readonly recipe?: string;
  /** Defaults merged with `partial`, validated; throws VLP_METHOD_OPTIONS naming every bad field. */
  parseOptions(partial?: unknown): Options;
  create(options: Options, context: MethodContext): PromptLearner;
}

export interface MethodSpec<Schema extends TObject> {
  readonly name: string;
  readonly description: string;
  readonly optionsSchema: Schema;
  readonly defaults: Static<Schema>;
  readonly recipe?: string;
  readonly create: (options: Static<Schema>, context: MethodContext) => PromptLearner;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: false });

function describeError(methodName: string, error: ErrorObject): string {
  const where = error.instancePath ? `option ${error.instancePath.slice(1).replace(/\//g, ".")}` : "options";
  const extra =
    error.keyword === "additionalProperties"
      ? ` "${(error.params as { additionalProperty: string }).additionalProperty}"`
      : error.keyword === "enum"
        ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")})`
        : "";
  return `${methodName}: ${where} ${error.message}${extra}`;
}

/** Declare a method. The schema is compiled once; the defaults must satisfy it. */
export function defineMethod<Schema extends TObject>(spec: MethodSpec<Schema>): MethodDefinition<Static<Schema>> {
  if (!methodNamePattern.test(spec.name)) {
    throw methodErrors.make("VLP_METHOD_NAME", `method name "${spec.name}" is not lower-case letters, digits and dashes`);
  }
  const validate = ajv.compile(spec.optionsSchema);
  const parseOptions = (partial: unknown = {}): Static<Schema> => {
    if (partial === null || typeof partial !== "object" || Array.isArray(partial)) {
      throw methodErrors.make("VLP_METHOD_OPTIONS", `${spec.name}: options must be an object, got ${JSON.stringify(partial)}`);
    }
    const merged = { ...structuredClone(spec.defaults), ...(partial as object) };
    if (!validate(merged)) {
      throw methodErrors.make("VLP_METHOD_OPTIONS", validate.errors!.map((e: ErrorObject) => describeError(spec.name, e)).join("; "));
    }
    return merged as Static<Schema>;
  };
  parseOptions(); // the defaults themselves must be valid
  return {
    name: spec.name,
    description: spec.description,
    optionsSchema: spec.optionsSchema,
    defaults: spec.defaults,
    recipe: spec.recipe,
    parseOptions,
    create: spec.create,
  };
}
