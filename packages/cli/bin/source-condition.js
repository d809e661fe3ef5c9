// Module resolution hook used by bin/vlprompt.js: resolve workspace packages through their "source" export
// condition (src/*.ts) instead of dist/, so the CLI runs from a checkout without a build.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes("source") ? context.conditions : [...context.conditions, "source"];
  return nextResolve(specifier, { ...context, conditions });
}
