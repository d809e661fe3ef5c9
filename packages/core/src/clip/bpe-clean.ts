/**
 * CLIP's text normalisation before BPE (openai simple_tokenizer): `basic_clean` (ftfy.fix_text, then
 * html.unescape twice, then strip), `whitespace_clean` (runs of whitespace → one space, strip), lower case.
 */
import { fixText } from "./bpe-ftfy.js";
import { pythonHtmlUnescape } from "./bpe-html.js";

/** Unicode White_Space: what `\s` matches in the Python `regex` module (JavaScript's `\s` differs). */
export const WHITESPACE_CLASS = "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const WHITESPACE_RUN = new RegExp(`[${WHITESPACE_CLASS}]+`, "g");
/** Python `str.strip()` strips `str.isspace()` characters: White_Space plus U+001C..U+001F. */
const PY_STRIP = new RegExp(`^[${WHITESPACE_CLASS}\\x1c-\\x1f]+|[${WHITESPACE_CLASS}\\x1c-\\x1f]+$`, "g");

export function pythonStrip(text: string): string {
  return text.replace(PY_STRIP, "");
}

export function basicClean(text: string): string {
  return pythonStrip(pythonHtmlUnescape(pythonHtmlUnescape(fixText(text))));
}

export function whitespaceClean(text: string): string {
  return pythonStrip(text.replace(WHITESPACE_RUN, " "));
}

/** The full normalisation CLIP applies to a text before splitting it into words. */
export function cleanForClip(text: string): string {
  return whitespaceClean(basicClean(text)).toLowerCase();
}
