/** What every command handler receives: its resolved services and the output in the chosen mode. */
import { loadManifest, MethodRegistry, type LoadedManifest, type MethodCatalog } from "@vlprompt/core";
import type { DependencyContainer } from "tsyringe";
import { Tokens, type Engine } from "../container.js";
import type { Output } from "../output.js";

export interface CommandContext {
  readonly services: DependencyContainer;
  readonly output: Output;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
}

export const engineOf = (context: CommandContext): Engine => context.services.resolve(Tokens.engine);

/** Reads, validates and resolves a manifest with every check the wired engine allows; registers its plugins. */
export async function loadManifestFor(context: CommandContext, path: string, outDir?: string): Promise<LoadedManifest> {
  const engine = engineOf(context);
  const loaded = await loadManifest(path, {
    methods: context.services.resolve<MethodCatalog>(Tokens.methods),
    ...(engine.datasets ? { datasets: engine.datasets } : {}),
    ...(engine.domains ? { domains: engine.domains } : {}),
    ...(engine.gramOptionsSchema ? { gramOptionsSchema: engine.gramOptionsSchema } : {}),
    ...(outDir ? { outDir } : {}),
  });
  const registry = context.services.resolve(MethodRegistry);
  for (const method of loaded.plugins.methods) if (!registry.has(method.name)) registry.register(method);
  return loaded;
}
