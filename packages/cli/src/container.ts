/**
 * The composition root: the one place the DI container is set up (tsyringe). Commands resolve their
 * services from it and never construct engine parts themselves.
 *
 * Engine wiring: `builtinEngine` lists the engine parts this build provides. A part that is absent makes the
 * commands that need it fail with a coded error (exit code 3) before doing any work, instead of pretending.
 * The training engine, GRAM's meta-trainer and the data tools plug in there, or through `composeContainer`'s
 * `engine` argument (tests pass fakes that way).
 */
import { builtinEngine } from "./engine.js";

export { builtinEngine };
import {
  catalogFromMethods,
  zeroShotMethod,
  MethodRegistry,
  type MetaTrainExecutor,
  type MethodCatalog,
  type NameCatalog,
  type RunExecutor,
} from "@vlprompt/core";
import { builtinMethods } from "@vlprompt/plugins";
import { container, type DependencyContainer, type InjectionToken } from "tsyringe";
import { processIo, type Io } from "./output.js";

/** A request from `vlprompt data prepare`. */
export interface DataPrepareRequest {
  readonly datasets: readonly string[];
  readonly force: boolean;
  readonly log: (line: string) => void;
}

/** A request from `vlprompt pretrain`. */
export interface PretrainRequest {
  readonly out?: string;
  readonly steps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  /** Share of drawn pairs that are emoji; null draws uniformly; undefined keeps the default. */
  readonly emojiShare?: number | null;
  /** Share of drawn images shown as seeded scenes; undefined keeps the default. */
  readonly sceneProbability?: number;
  /** Share of drawn images turned grey; undefined keeps the default. */
  readonly greyProbability?: number;
  readonly resume: boolean;
  readonly backend?: string;
  readonly log: (line: string) => void;
}

/** A request from `vlprompt evaluate <checkpoint> <dataset>`. */
export interface EvaluateRequest {
  readonly checkpoint: string;
  readonly dataset: string;
  readonly backend?: string;
  readonly log: (line: string) => void;
}

/** The engine parts the CLI drives; each is optional (see the module comment). */
export interface Engine {
  /** Trains and evaluates one run of a manifest's grid. */
  readonly executeRun?: RunExecutor;
  /** Produces one GRAM meta-checkpoint. */
  readonly executeMetaTraining?: MetaTrainExecutor;
  /** Known dataset names, to check manifests before any work. */
  readonly datasets?: NameCatalog;
  /** Known cross-domain target names (defaults to `datasets`). */
  readonly domains?: NameCatalog;
  /** JSON schema of a GRAM entry's `gram.options`. */
  readonly gramOptionsSchema?: object;
  /** Resolves a method's recipe preset name to recipe values. */
  readonly recipePresets?: (name: string) => Readonly<Record<string, unknown>> | undefined;
  readonly recipePresetNames?: () => readonly string[];
  readonly dataPrepare?: (request: DataPrepareRequest) => Promise<unknown>;
  readonly pretrain?: (request: PretrainRequest) => Promise<unknown>;
  readonly evaluate?: (request: EvaluateRequest) => Promise<unknown>;
}

export const Tokens = {
  engine: Symbol("Engine") as InjectionToken<Engine>,
  methods: Symbol("MethodCatalog") as InjectionToken<MethodCatalog>,
  io: Symbol("Io") as InjectionToken<Io>,
} as const;

export interface ComposeOptions {
  /** Engine parts that replace the built-in ones (tests pass fakes here). */
  readonly engine?: Engine;
  readonly io?: Io;
  /** Methods to register instead of the built-in list. */
  readonly methods?: Parameters<MethodRegistry["registerAll"]>[0];
}

/** Builds the container once per CLI invocation: method registry, engine, io. */
export function composeContainer(options: ComposeOptions = {}): DependencyContainer {
  const child = container.createChildContainer();
  const registry = new MethodRegistry().registerAll(options.methods ?? [...builtinMethods, zeroShotMethod]);
  const engine: Engine = { ...builtinEngine(registry), ...options.engine };
  child.registerInstance(MethodRegistry, registry);
  child.registerInstance(Tokens.engine, engine);
  child.registerInstance(
    Tokens.methods,
    catalogFromMethods(registry.list(), {
      ...(engine.recipePresets ? { recipePresets: engine.recipePresets } : {}),
      ...(engine.recipePresetNames ? { recipePresetNames: engine.recipePresetNames } : {}),
    }),
  );
  child.registerInstance(Tokens.io, options.io ?? processIo);
  return child;
}
