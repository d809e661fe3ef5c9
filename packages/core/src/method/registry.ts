import { singleton } from "tsyringe";
import type { MethodDefinition } from "./define.js";
import { methodNamePattern } from "./define.js";
import { methodErrors } from "./errors.js";

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 2)) ? best : undefined;
}

/** The methods known to a run: built-ins from one visible list, plus plugins registered with one call. */
@singleton()
export class MethodRegistry {
  private readonly methods = new Map<string, MethodDefinition>();

  register(method: MethodDefinition): this {
    if (!method || typeof method.name !== "string" || typeof method.create !== "function") {
      throw methodErrors.make("VLP_METHOD_NAME", `not a method definition: ${JSON.stringify(method)?.slice(0, 80)}`, {
        fix: "build methods with defineMethod({ name, description, optionsSchema, defaults, create })",
      });
    }
    if (!methodNamePattern.test(method.name)) {
      throw methodErrors.make("VLP_METHOD_NAME", `method name "${method.name}" is not lower-case letters, digits and dashes`);
    }
    if (this.methods.has(method.name)) {
      throw methodErrors.make("VLP_METHOD_DUPLICATE", `a method named "${method.name}" is already registered`);
    }
    this.methods.set(method.name, method);
    return this;
  }

  registerAll(methods: readonly MethodDefinition[]): this {
    for (const method of methods) this.register(method);
    return this;
  }

  has(name: string): boolean {
    return this.methods.has(name);
  }

  get(name: string): MethodDefinition {
    const method = this.methods.get(name);
    if (method) return method;
    const suggestion = nearestName(name, this.names());
    throw methodErrors.make(
      "VLP_METHOD_UNKNOWN",
      `no method named "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; registered: ${this.names().join(", ")}`,
    );
  }

  names(): string[] {
    return [...this.methods.keys()];
  }

  list(): MethodDefinition[] {
    return [...this.methods.values()];
  }

  /** The options schema of a method, for manifest validation. */
  optionsSchema(name: string): object | undefined {
    return this.methods.get(name)?.optionsSchema;
  }
}
