/**
 * HTML character references, decoded the way CLIP's text cleanup sees them:
 * - `pythonHtmlUnescape` follows Python's `html.unescape` (HTML5 named references, legacy names without `;`,
 *   longest-prefix rule, Python's handling of invalid numeric references);
 * - `ftfyUnescapeHtml` follows ftfy's `unescape_html` fixer (only `&name;` / `&#num;` with the semicolon,
 *   plus upper-cased names such as `&EACUTE;`).
 * The named-reference table comes from the `entities` package (the HTML5 list).
 */
import { decodeHTMLStrict } from "entities";

/** HTML5 names that are also recognised without the trailing semicolon (the spec's legacy list). */
const LEGACY_NAMES = new Set(
  (
    "AElig AMP Aacute Acirc Agrave Aring Atilde Auml COPY Ccedil ETH Eacute Ecirc Egrave Euml GT Iacute Icirc " +
    "Igrave Iuml LT Ntilde Oacute Ocirc Ograve Oslash Otilde Ouml QUOT REG THORN Uacute Ucirc Ugrave Uuml Yacute " +
    "aacute acirc acute aelig agrave amp aring atilde auml brvbar ccedil cedil cent copy curren deg divide eacute " +
    "ecirc egrave eth euml frac12 frac14 frac34 gt iacute icirc iexcl igrave iquest iuml laquo lt macr micro " +
    "middot nbsp not ntilde oacute ocirc ograve ordf ordm oslash otilde ouml para plusmn pound quot raquo reg " +
    "sect shy sup1 sup2 sup3 szlig thorn times uacute ucirc ugrave uml uuml yacute yen yuml"
  ).split(" "),
);

const CP1252_HIGH =
  "\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f" +
  "\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178";

/** Python's `html._invalid_charrefs`: numeric references 0x00, 0x0D and 0x80-0x9F. */
const INVALID_CHARREFS = new Map<number, string>([
  [0x00, "\ufffd"],
  [0x0d, "\r"],
  ...Array.from({ length: 32 }, (_, i): [number, string] => [0x80 + i, windows1252Char(0x80 + i)]),
]);

/** Windows-1252 byte → character, with the five undefined bytes kept as C1 controls ("sloppy" 1252). */
export function windows1252Char(byte: number): string {
  return byte >= 0x80 && byte < 0xa0 ? CP1252_HIGH[byte - 0x80]! : String.fromCharCode(byte);
}

/** Python's `html._invalid_codepoints`: numeric references that decode to nothing. */
function isInvalidCodepoint(cp: number): boolean {
  if ((cp >= 0x1 && cp <= 0x8) || cp === 0xb || (cp >= 0xe && cp <= 0x1f) || (cp >= 0x7f && cp <= 0x9f)) return true;
  if (cp >= 0xfdd0 && cp <= 0xfdef) return true;
  return (cp & 0xfffe) === 0xfffe;
}

function numericReference(digits: string, hex: boolean): string {
  const cp = parseInt(digits, hex ? 16 : 10);
  const mapped = INVALID_CHARREFS.get(cp);
  if (mapped !== undefined) return mapped;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return "\ufffd";
  if (isInvalidCodepoint(cp)) return "";
  return String.fromCodePoint(cp);
}

/** The value of `name` in Python's `html.entities.html5` (keys with `;`, or legacy keys without). */
function html5Value(name: string): string | undefined {
  if (name.endsWith(";")) {
    if (!/^[A-Za-z][A-Za-z0-9]*;$/.test(name)) return undefined;
    const reference = `&${name}`;
    const decoded = decodeHTMLStrict(reference);
    return decoded === reference ? undefined : decoded;
  }
  return LEGACY_NAMES.has(name) ? decodeHTMLStrict(`&${name};`) : undefined;
}

function namedReference(name: string): string {
  const whole = html5Value(name);
  if (whole !== undefined) return whole;
  for (let end = name.length - 1; end > 1; end--) {
    const prefix = html5Value(name.slice(0, end));
    if (prefix !== undefined) return prefix + name.slice(end);
  }
  return `&${name}`;
}

const PY_CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

/** Python's `html.unescape`. */
export function pythonHtmlUnescape(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(PY_CHARREF, (_match, body: string) => {
    if (body[0] !== "#") return namedReference(body);
    const hex = body[1] === "x" || body[1] === "X";
    const digits = body.slice(hex ? 2 : 1).replace(/;$/, "");
    return numericReference(digits, hex);
  });
}

const FTFY_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;

function ftfyEntity(reference: string): string {
  if (reference.startsWith("&#")) {
    const decoded = pythonHtmlUnescape(reference);
    return decoded.includes(";") ? reference : decoded;
  }
  const name = reference.slice(1);
  const value = html5Value(name);
  if (value !== undefined) return value;
  // ftfy also decodes names that were upper-cased (e.g. &EACUTE;) when the lower-case name exists.
  if (name === name.toUpperCase()) {
    const lower = html5Value(name.toLowerCase());
    if (lower !== undefined) return lower.toUpperCase();
  }
  return reference;
}

/** ftfy's `unescape_html` fixer. */
export function ftfyUnescapeHtml(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(FTFY_ENTITY, ftfyEntity);
}
