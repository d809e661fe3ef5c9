/**
 * Where things live: installed npm data packages, the committed data folder of @vlprompt/core, and the
 * cache folder (VLPROMPT_CACHE, default ~/.cache/vlprompt or $XDG_CACHE_HOME/vlprompt).
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { dataErrors } from "./errors.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The folder of an installed npm package, found by walking up node_modules folders from this module. */
export function packageDir(name: string): string {
  let dir = here;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw dataErrors.make("VLP_DATA_PACKAGE_MISSING", `npm package ${name} is not installed (searched up from ${here})`);
}

/** The installed version of an npm package. */
export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), "package.json"), "utf8")) as { version: string }).version;
}

/** The root of @vlprompt/core (the folder holding its package.json), from src/ or dist/. */
export function coreRoot(): string {
  let dir = here;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && readFileSync(manifest, "utf8").includes('"@vlprompt/core"')) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the @vlprompt/core package root above ${here}`);
    dir = parent;
  }
}

/** packages/core/data: committed class lists, split files and caption templates. */
export function committedDataDir(): string {
  return join(coreRoot(), "data");
}

/** packages/core/fixtures/data: the small committed test fixture. */
export function fixtureDir(): string {
  return join(coreRoot(), "fixtures", "data");
}

/** The cache folder: explicit argument, then VLPROMPT_CACHE, then the user's cache folder. */
export function resolveCacheDir(cacheDir?: string): string {
  if (cacheDir) return resolve(cacheDir);
  const fromEnv = process.env["VLPROMPT_CACHE"];
  if (fromEnv) return resolve(fromEnv);
  const xdg = process.env["XDG_CACHE_HOME"];
  return join(xdg ? xdg : join(homedir(), ".cache"), "vlprompt");
}
