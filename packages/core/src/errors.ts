/**
 * One catalogue of coded errors. Every error a user can cause is a `VlpromptError` with a stable code,
 * a message that names the bad value, and a fix. Each area of the code declares its codes with
 * `defineErrors` in its own `errors.ts`; `allErrorCodes()` gathers them and docs/errors.md lists every one
 * (a test keeps the two in step).
 */

export interface ErrorSpec {
  /** One line: what went wrong, in general terms. */
  readonly summary: string;
  /** What the user should do about it. */
  readonly fix: string;
}

export class VlpromptError extends Error {
  override readonly name = "VlpromptError";
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`[${code}] ${detail}\n  fix: ${fix}`, options);
  }
}

const registry = new Map<string, ErrorSpec>();

export interface ErrorFactory<Code extends string> {
  readonly catalogue: Readonly<Record<Code, ErrorSpec>>;
  /** Build (not throw) the coded error; `detail` names the bad value. */
  make(code: Code, detail: string, options?: { cause?: unknown; fix?: string }): VlpromptError;
}

/** Declare a group of error codes. Codes are global: declaring one twice with another meaning is a bug. */
export function defineErrors<const Code extends string>(
  catalogue: Record<Code, ErrorSpec>,
): ErrorFactory<Code> {
  for (const [code, spec] of Object.entries(catalogue) as [Code, ErrorSpec][]) {
    if (!/^VLP_[A-Z0-9_]+$/.test(code)) throw new Error(`error code ${code} must match VLP_[A-Z0-9_]+`);
    const known = registry.get(code);
    if (known && known.summary !== spec.summary) throw new Error(`error code ${code} declared twice`);
    registry.set(code, spec);
  }
  return {
    catalogue,
    make(code, detail, options) {
      const spec = catalogue[code];
      return new VlpromptError(code, detail, options?.fix ?? spec.fix, { cause: options?.cause });
    },
  };
}

/** Every code declared so far (import the modules that declare them first). */
export function allErrorCodes(): ReadonlyMap<string, ErrorSpec> {
  return registry;
}

export function isVlpromptError(value: unknown, code?: string): value is VlpromptError {
  return value instanceof VlpromptError && (code === undefined || value.code === code);
}
