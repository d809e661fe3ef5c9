/**
 * CLIP's reversible byte ↔ character table (openai simple_tokenizer `bytes_to_unicode`): every byte gets a
 * printable, non-whitespace character so that BPE works on strings. Printable Latin-1 bytes map to
 * themselves; the other 68 bytes map to U+0100 onwards in byte order.
 */

function printableBytes(): number[] {
  const bytes: number[] = [];
  const ranges: [number, number][] = [
    [0x21, 0x7e], // '!'..'~'
    [0xa1, 0xac], // '¡'..'¬'
    [0xae, 0xff], // '®'..'ÿ'
  ];
  for (const [from, to] of ranges) for (let b = from; b <= to; b++) bytes.push(b);
  return bytes;
}

function buildTables(): { alphabet: string[]; byteToChar: string[]; charToByte: Map<string, number> } {
  const order = printableBytes();
  const chars = order.map((b) => String.fromCharCode(b));
  const seen = new Set(order);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (seen.has(b)) continue;
    order.push(b);
    chars.push(String.fromCharCode(256 + extra));
    extra += 1;
  }
  const byteToChar: string[] = new Array(256);
  const charToByte = new Map<string, number>();
  order.forEach((b, i) => {
    byteToChar[b] = chars[i]!;
    charToByte.set(chars[i]!, b);
  });
  return { alphabet: chars, byteToChar, charToByte };
}

const tables = buildTables();

/** The 256 byte characters in vocabulary order (ids 0..255; ids 256..511 are the same with `</w>`). */
export const BYTE_ALPHABET: readonly string[] = tables.alphabet;
/** byte value → its character. */
export const BYTE_TO_CHAR: readonly string[] = tables.byteToChar;
/** character → byte value. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = tables.charToByte;

const utf8 = new TextEncoder();
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

/** UTF-8 bytes of `token` written with the byte characters (identity for printable ASCII). */
export function toByteChars(token: string): string {
  if (PRINTABLE_ASCII.test(token)) return token;
  let out = "";
  for (const byte of utf8.encode(token)) out += BYTE_TO_CHAR[byte];
  return out;
}
