#!/usr/bin/env node
// The `vlprompt` command. In a checkout (src/ present, tsx installed by `npm install`) it runs the TypeScript
// sources directly, so `npx vlprompt` works from a fresh clone with no build step; a published package
// (no src/) runs the tsup build in dist/.
import { existsSync } from "node:fs";
import { register } from "node:module";

const source = new URL("../src/main.ts", import.meta.url);
if (existsSync(source)) {
  const { register: registerTsx } = await import("tsx/esm/api");
  registerTsx();
  // Workspace packages export their TypeScript under the "source" condition; add it to every resolution.
  register(new URL("./source-condition.js", import.meta.url));
  await import(source.href);
} else {
  await import(new URL("../dist/main.js", import.meta.url).href);
}
