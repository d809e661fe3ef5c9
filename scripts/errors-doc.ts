/**
 * Writes docs/errors.md from the error catalogue (every defineErrors call in core and plugins).
 *   npx tsx --conditions=source scripts/errors-doc.ts
 * A test (packages/core/src/errors.test.ts) fails when the page and the catalogue disagree.
 */
import { writeFileSync } from "node:fs";
import { renderErrorsPage } from "../packages/core/src/errors-doc.js";
import "../packages/core/src/index.js";
import "../packages/plugins/src/index.js";
import "../packages/cli/src/errors.js";

writeFileSync(new URL("../docs/errors.md", import.meta.url), renderErrorsPage());
console.log("wrote docs/errors.md");
