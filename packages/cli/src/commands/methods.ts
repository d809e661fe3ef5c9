/** `vlprompt methods`: registered methods with their options and defaults. */
import { MethodRegistry } from "@vlprompt/core";
import { ExitCode } from "../output.js";
import { renderTable } from "../tables.js";
import { engineOf, type CommandContext } from "./context.js";

interface OptionInfo {
  readonly name: string;
  readonly type: string;
  readonly default: unknown;
  readonly description: string;
}

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  const union = (schema.anyOf ?? schema.oneOf) as Record<string, unknown>[] | undefined;
  if (union) return union.map(typeOf).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  return Array.isArray(schema.type) ? schema.type.join(" | ") : String(schema.type ?? "any");
}

function optionsOf(optionsSchema: object, defaults: Record<string, unknown>): OptionInfo[] {
  const properties = ((optionsSchema as { properties?: Record<string, Record<string, unknown>> }).properties) ?? {};
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    type: typeOf(schema),
    default: defaults[name],
    description: String(schema.description ?? ""),
  }));
}

export function methodsCommand(context: CommandContext): number {
  const registry = context.services.resolve(MethodRegistry);
  const methods = registry.list().map((method) => ({
    name: method.name,
    description: method.description,
    recipe: method.recipe ?? null,
    options: optionsOf(method.optionsSchema, (method.defaults ?? {}) as Record<string, unknown>),
  }));
  if (methods.length === 0) context.output.say("No methods are registered.");
  for (const method of methods) {
    const rows = method.options.map((option) => [option.name, option.type, JSON.stringify(option.default) ?? "", option.description]);
    context.output.say(`${method.name}: ${method.description}`);
    const table = { title: "", head: ["option", "type", "default", "meaning"], rows };
    context.output.say(renderTable(table, { textColumns: true, widths: [22, 18, 14, 56] }) + "\n");
  }
  const presets = presetsOf(context);
  if (presets.length > 0) {
    const rows = presets.map((p) => [p.name, String(p.epochs), p.epochsByShots ? JSON.stringify(p.epochsByShots) : "", String(p.batchSize), String(p.lr)]);
    const table = { title: "Recipe presets (a manifest recipe's `preset`)", head: ["preset", "epochs", "epochs by shots", "batch", "lr"], rows };
    context.output.say(renderTable(table, { textColumns: true, widths: [14, 8, 40, 6, 8] }));
  }
  context.output.json({ ok: true, command: "methods", methods, presets });
  return ExitCode.ok;
}

interface PresetInfo {
  readonly name: string;
  readonly epochs?: number;
  readonly epochsByShots?: Record<string, number>;
  readonly batchSize?: number;
  readonly lr?: number;
}

function presetsOf(context: CommandContext): PresetInfo[] {
  const engine = engineOf(context);
  const names = engine.recipePresetNames?.() ?? [];
  return names.map((name) => ({ name, ...(engine.recipePresets?.(name) as Omit<PresetInfo, "name">) }));
}
