/**
 * Context rows shared by every tokenizer (clip.tokenize semantics): SOT + text ids + EOT, zero padded to the
 * context length. A row that does not fit is an error, or with `truncate` keeps its first `contextLength`
 * ids with EOT written over the last one.
 */
import { tokenizerErrors } from "./tokenizer-errors.js";

export interface RowSpec {
  readonly sotToken: number;
  readonly eotToken: number;
  encode(text: string): number[];
}

/** Accepts a string or an array of strings (as clip.tokenize does); anything else is a coded error. */
export function asTextList(texts: string | readonly string[]): readonly string[] {
  const list = typeof texts === "string" ? [texts] : texts;
  if (!Array.isArray(list)) {
    throw tokenizerErrors.make("VLP_TOKENIZER_INPUT", `expected a string or an array of strings, got ${typeof texts}`);
  }
  list.forEach((text, index) => {
    if (typeof text !== "string") {
      throw tokenizerErrors.make("VLP_TOKENIZER_INPUT", `text ${index} is a ${typeof text}, not a string`);
    }
  });
  return list;
}

export function checkContextLength(contextLength: number): void {
  if (!Number.isInteger(contextLength) || contextLength < 2) {
    throw tokenizerErrors.make("VLP_TOKENIZER_CONTEXT", `context length ${String(contextLength)} is not an integer >= 2`);
  }
}

function quoteForMessage(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}

/** Rows [texts.length][contextLength] of token ids (clip.tokenize). */
export function contextRows(
  spec: RowSpec,
  texts: string | readonly string[],
  contextLength: number,
  truncate: boolean,
): number[][] {
  checkContextLength(contextLength);
  return asTextList(texts).map((text) => {
    const ids = [spec.sotToken, ...spec.encode(text), spec.eotToken];
    if (ids.length > contextLength) {
      if (!truncate) {
        throw tokenizerErrors.make(
          "VLP_TOKENIZER_TOO_LONG",
          `text ${quoteForMessage(text)} is ${ids.length} tokens with SOT and EOT, more than the context length ${contextLength}`,
        );
      }
      ids.length = contextLength;
      ids[contextLength - 1] = spec.eotToken;
    }
    const row = new Array<number>(contextLength).fill(0);
    for (let i = 0; i < ids.length; i++) row[i] = ids[i]!;
    return row;
  });
}
