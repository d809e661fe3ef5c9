/**
 * The part of ftfy's `fix_text` (ftfy 6.x defaults) that CLIP's text cleanup depends on, re-implemented.
 *
 * Per line, repeated until nothing changes: HTML entities (only while no line so far contained `<`),
 * mojibake (UTF-8 that was decoded as Latin-1 or Windows-1252), C1 controls read as Windows-1252, Latin
 * ligatures, full-width forms, curly quotes, line breaks, lone surrogates, ANSI terminal escapes, control
 * characters, and NFC.
 *
 * Known gap: ftfy decides whether text is mojibake with a large hand-tuned "badness" expression and also
 * undoes mojibake through Windows-1250/1251/1253/1254/1257, ISO-8859-2, MacRoman and cp437, mixed
 * ("inconsistent") UTF-8, and lossy sequences. Here a line is re-decoded only when it contains a UTF-8
 * sequence written in Latin-1/Windows-1252 characters (continuation bytes other than common punctuation)
 * AND the whole line re-decodes as valid UTF-8. That covers the common case ("cafÃ©" → "café",
 * "â€”" → "—", double encodings) and leaves ordinary accented text alone.
 */
import { ftfyUnescapeHtml, windows1252Char } from "./bpe-html.js";

const CP1252_TO_BYTE = new Map<string, number>();
for (let byte = 0; byte < 256; byte++) CP1252_TO_BYTE.set(windows1252Char(byte), byte);

/** Characters that Windows-1252/Latin-1 bytes 0x80-0xBF decode to: UTF-8 continuation bytes. */
const CONTINUATION = "\\x80-\\xbf\\u20ac\\u201a\\u0192\\u201e\\u2026\\u2020\\u2021\\u02c6\\u2030\\u0160\\u2039\\u0152\\u017d\\u2018-\\u201d\\u2022\\u2013\\u2014\\u02dc\\u2122\\u0161\\u203a\\u0153\\u017e\\u0178";
/** The same without the characters that commonly stand for themselves (no-break space, quotes, dashes, bullet, ellipsis). */
const CONTINUATION_STRICT = "\\x80-\\x9f\\xa1-\\xbf\\u20ac\\u201a\\u0192\\u201e\\u2020\\u2021\\u02c6\\u2030\\u0160\\u2039\\u0152\\u017d\\u02dc\\u2122\\u0161\\u203a\\u0153\\u017e\\u0178";

const MOJIBAKE_HINT = new RegExp(
  `[\\x80-\\x9f]|\\u00e2\\u20ac[${CONTINUATION}]` +
    `|[\\xc2-\\xdf][${CONTINUATION_STRICT}]` +
    `|[\\xe0-\\xef][${CONTINUATION_STRICT}][${CONTINUATION}]` +
    `|[\\xf0-\\xf4][${CONTINUATION_STRICT}][${CONTINUATION}]{2}`,
);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Encode with Latin-1 (when `latin1`) or sloppy Windows-1252; undefined when a character does not fit. */
function encodeSingleByte(text: string, latin1: boolean): Uint8Array | undefined {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const byte = latin1 ? (code < 256 ? code : undefined) : CP1252_TO_BYTE.get(text[i]!);
    if (byte === undefined) return undefined;
    bytes[i] = byte;
  }
  return bytes;
}

function redecodeUtf8(text: string): string | undefined {
  for (const latin1 of [true, false]) {
    const bytes = encodeSingleByte(text, latin1);
    if (!bytes) continue;
    try {
      return strictUtf8.decode(bytes);
    } catch {
      // not UTF-8 read as this single-byte encoding: try the next one
    }
  }
  return undefined;
}

/** Undo UTF-8 → Latin-1/Windows-1252 mojibake, as many layers as there are. */
export function fixMojibake(text: string): string {
  let current = text;
  for (let layer = 0; layer < 8; layer++) {
    if (/^[\x00-\x7f]*$/.test(current) || !MOJIBAKE_HINT.test(current)) return current;
    const fixed = redecodeUtf8(current);
    if (fixed === undefined || fixed === current) return current;
    current = fixed;
  }
  return current;
}

const LIGATURES: Record<string, string> = {
  "\u0132": "IJ", "\u0133": "ij", "\u0149": "\u02bcn", "\u01f1": "DZ", "\u01f2": "Dz", "\u01f3": "dz",
  "\u01c4": "D\u017d", "\u01c5": "D\u017e", "\u01c6": "d\u017e", "\u01c7": "LJ", "\u01c8": "Lj", "\u01c9": "lj",
  "\u01ca": "NJ", "\u01cb": "Nj", "\u01cc": "nj", "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
  "\ufb04": "ffl", "\ufb05": "\u017ft", "\ufb06": "st",
};
const LIGATURE_RE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;

function fixCharacterWidth(text: string): string {
  return text.replace(/[\u3000\uff01-\uffef]/g, (ch) => (ch === "\u3000" ? " " : ch.normalize("NFKC")));
}

const CONTROL_CHARS = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
const ANSI_ESCAPE = /\x1b\[((?:\d|;)*)([a-zA-Z])/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function fixOnce(text: string, unescapeHtml: boolean): string {
  let out = unescapeHtml ? ftfyUnescapeHtml(text) : text;
  out = fixMojibake(out);
  out = out.replace(/[\x80-\x9f]/g, (ch) => windows1252Char(ch.charCodeAt(0)));
  out = out.replace(LIGATURE_RE, (ch) => LIGATURES[ch]!);
  out = fixCharacterWidth(out);
  out = out.replace(/[\u02bc\u2018-\u201b]/g, "'").replace(/[\u201c-\u201f]/g, '"');
  out = out.replace(/\r\n/g, "\n").replace(/[\r\u2028\u2029\x85]/g, "\n");
  out = out.replace(LONE_SURROGATE, "\ufffd");
  out = out.replace(ANSI_ESCAPE, "").replace(CONTROL_CHARS, "");
  return out.normalize("NFC");
}

function fixSegment(segment: string, unescapeHtml: boolean): string {
  let current = segment;
  for (let round = 0; round < 16; round++) {
    const next = fixOnce(current, unescapeHtml);
    if (next === current) return current;
    current = next;
  }
  return current;
}

/** Plain printable ASCII without `&` or `\r`: every ftfy fixer leaves it unchanged. */
const NOTHING_TO_FIX = /^[\t\n\x0c\x20-\x25\x27-\x7e]*$/;

/** ftfy `fix_text` subset (see the file comment). */
export function fixText(text: string): string {
  if (NOTHING_TO_FIX.test(text)) return text;
  let out = "";
  let unescapeHtml = true;
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline + 1;
    const segment = text.slice(start, end);
    if (segment.includes("<")) unescapeHtml = false;
    out += fixSegment(segment, unescapeHtml);
    start = end;
  }
  return out;
}
