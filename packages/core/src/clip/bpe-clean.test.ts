import { describe, expect, it } from "vitest";
import { basicClean, cleanForClip, pythonStrip, whitespaceClean } from "./bpe-clean.js";
import { fixMojibake, fixText } from "./bpe-ftfy.js";
import { ftfyUnescapeHtml, pythonHtmlUnescape } from "./bpe-html.js";
import { BYTE_ALPHABET, BYTE_TO_CHAR, CHAR_TO_BYTE, toByteChars } from "./bpe-bytes.js";

describe("bytes_to_unicode", () => {
  it("maps the 256 bytes to 256 distinct printable characters, printable Latin-1 to itself", () => {
    expect(new Set(BYTE_ALPHABET).size).toBe(256);
    expect(BYTE_ALPHABET[0]).toBe("!");
    expect(BYTE_ALPHABET[188]).toBe("\u0100"); // byte 0x00, the first byte outside the printable ranges
    expect(BYTE_TO_CHAR[0x20]).toBe("\u0120"); // space → Ġ
    expect(BYTE_TO_CHAR[0xe9]).toBe("é");
    for (let byte = 0; byte < 256; byte++) expect(CHAR_TO_BYTE.get(BYTE_TO_CHAR[byte]!)).toBe(byte);
    expect(toByteChars("dog")).toBe("dog");
    expect(toByteChars("é")).toBe("Ã©");
  });
});

// Expected values checked against Python 3's html.unescape.
describe("html.unescape (Python semantics)", () => {
  it.each([
    ["&amp;amp;", "&amp;"],
    ["&notit;", "¬it;"],
    ["&ampx", "&x"],
    ["&lt3", "<3"],
    ["&amp", "&"],
    ["&nbsp", "\u00a0"],
    ["&#x1F600;", "😀"],
    ["&#0;", "\ufffd"],
    ["&#1;x", "x"],
    ["&#128;", "€"],
    ["&#x110000;", "\ufffd"],
    ["&#xD800;", "\ufffd"],
    ["&#38;lt;", "&lt;"],
    ["&NotEqualTilde;", "≂̸"],
    ["&bogus;", "&bogus;"],
    ["a & b", "a & b"],
  ])("%j → %j", (input, expected) => {
    expect(pythonHtmlUnescape(input)).toBe(expected);
  });

  it("ftfy's fixer needs the semicolon and also reads upper-cased names", () => {
    expect(ftfyUnescapeHtml("&lt3 &lt;3 &EACUTE;COLE &#x2019;")).toBe("&lt3 <3 ÉCOLE \u2019");
  });
});

// Expected values are ftfy's documented behaviour (fix_text examples from its documentation).
describe("ftfy subset", () => {
  it.each([
    ["cafÃ©", "café"],
    ["l'humanitÃ©", "l'humanité"],
    ["uÌˆnicode", "ünicode"],
    ["âœ” No problems", "✔ No problems"],
    ["This â€” should be an em dash", "This — should be an em dash"],
    ["The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.", "The Mona Lisa doesn't have eyebrows."],
    ["ðŸ˜€ smile", "😀 smile"],
    ["Broken text&hellip; it&#x2019;s ﬂubberiﬁc!", "Broken text… it's flubberific!"],
    ["HTML entities &lt;3", "HTML entities <3"],
    ["<em>HTML entities &lt;3</em>", "<em>HTML entities &lt;3</em>"],
    ["\x01\x1b[36;44mI&#x92;m blue, da ba dee da ba doo&#133;\x1b[0m", "I'm blue, da ba dee da ba doo…"],
    ["\ufeffParty like\nit&rsquo;s 1999!", "Party like\nit's 1999!"],
    ["This text was never UTF-8 at all\x85", "This text was never UTF-8 at all…"],
    ["ＬＯＵＤ\u3000ＮＯＩＳＥＳ", "LOUD NOISES"],
    ["\u201cquoted\u201d \u2018x\u2019", "\"quoted\" 'x'"],
    ["line\r\nbreak\u2028here", "line\nbreak\nhere"],
    ["e\u0301", "é"],
  ])("%j → %j", (input, expected) => {
    expect(fixText(input)).toBe(expected);
  });

  it.each([
    "naïve café résumé Zoë",
    "not such a fan of Charlotte Brontë…",
    "AHÅ™, the new sofa from IKEA®",
    "Ελληνικά Кириллица العربية 中文",
    "emoji 🐶🐱 test 👍🏽",
    "plain ascii, nothing to do",
  ])("leaves legitimate text alone: %j", (text) => {
    expect(fixText(text)).toBe(text.normalize("NFC"));
  });

  it("re-decodes only when the whole line is valid UTF-8", () => {
    expect(fixMojibake("cafÃ© and café")).toBe("cafÃ© and café");
    expect(fixText("cafÃ©\ncafé")).toBe("café\ncafé");
  });

  it("stops unescaping entities once a line contains '<'", () => {
    expect(fixText("&lt;b&gt;\n<b>&amp;\n&amp;")).toBe("<b>\n<b>&amp;\n&amp;");
  });
});

describe("CLIP's basic_clean and whitespace_clean", () => {
  it("collapses Unicode whitespace like Python's regex \\s, strips like str.strip", () => {
    expect(whitespaceClean(" a \t\n b\u00a0\u2003c\u3000 ")).toBe("a b c");
    expect(whitespaceClean("a\u200bb")).toBe("a\u200bb"); // zero-width space is not whitespace
    expect(pythonStrip("\x1c x \x1f")).toBe("x");
  });

  it("unescapes HTML twice after ftfy, then lower-cases", () => {
    expect(basicClean("  HTML &amp;amp;lt; x  ")).toBe("HTML < x");
    expect(basicClean("<p>&amp;amp;amp;</p>")).toBe("<p>&amp;</p>");
    expect(cleanForClip("Multiple    SPACES\tand\nNEWLINES")).toBe("multiple spaces and newlines");
    expect(cleanForClip("ΣΟΦΟΣ")).toBe("σοφος");
  });
});
