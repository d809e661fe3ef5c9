/**
 * Loading the CLIP BPE vocabulary from its three common file formats:
 * - openai's `bpe_simple_vocab_16e6.txt.gz` (merges only; the vocabulary is derived as upstream does);
 * - Hugging Face `vocab.json` + `merges.txt`;
 * - Hugging Face `tokenizer.json` (`model.vocab` + `model.merges`).
 * Every problem is a coded error naming the file; nothing here can hang on a bad file.
 */
import { readFile } from "node:fs/promises";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { BYTE_ALPHABET } from "./bpe-bytes.js";
import { BpeTokenizer, END_OF_WORD, EOT_TEXT, SOT_TEXT } from "./bpe-tokenizer.js";
import { tokenizerErrors } from "./tokenizer-errors.js";

/** Merges openai's tokenizer reads from the file: lines 1 .. 49152-256-2 (line 0 is a version header). */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;
/** A decompressed vocabulary larger than this is refused (the real one is about 1.6 MB). */
const MAX_TEXT_BYTES = 256 * 1024 * 1024;

type Merge = readonly [string, string];
const gunzipAsync = promisify(gunzip);

function formatError(source: string, why: string) {
  return tokenizerErrors.make("VLP_TOKENIZER_FORMAT", `${source}: ${why}`);
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw tokenizerErrors.make("VLP_TOKENIZER_FILE", `cannot read tokenizer file ${path} (${code})`, { cause });
  }
}

function utf8Text(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw tokenizerErrors.make("VLP_TOKENIZER_FILE", `tokenizer file ${path} is not UTF-8 text`, { cause });
  }
}

async function readText(path: string): Promise<string> {
  return utf8Text(await readBytes(path), path);
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw formatError(path, `not valid JSON (${(cause as Error).message})`);
  }
}

/** `where` names the place for the error message, e.g. "line 3". */
function parseMergeLine(line: string, where: string, source: string): Merge {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw formatError(source, `${where} (${JSON.stringify(line.slice(0, 80))}) is not a merge "a b"`);
  }
  return [parts[0], parts[1]];
}

/** The first `count` lines of `text` (the real file has far more lines than openai reads). */
function firstLines(text: string, count: number): string[] {
  const lines: string[] = [];
  let start = 0;
  while (lines.length < count && start <= text.length) {
    const end = text.indexOf("\n", start);
    lines.push(text.slice(start, end === -1 ? text.length : end));
    if (end === -1) break;
    start = end + 1;
  }
  return lines;
}

/** openai's derivation: 256 byte tokens, the same with `</w>`, one token per merge, SOT, EOT. */
export function bpeTokenizerFromMergesText(text: string, source = "<merges>", mergeCount = CLIP_MERGE_COUNT): BpeTokenizer {
  const lines = firstLines(text, mergeCount + 1);
  if (lines.length - 1 < mergeCount) {
    throw formatError(source, `has ${Math.max(0, lines.length - 1)} merge lines after the header, expected at least ${mergeCount}`);
  }
  const merges = lines.slice(1).map((line, i) => parseMergeLine(line, `line ${i + 2}`, source));
  const tokens = [...BYTE_ALPHABET, ...BYTE_ALPHABET.map((ch) => ch + END_OF_WORD), ...merges.map(([a, b]) => a + b)];
  tokens.push(SOT_TEXT, EOT_TEXT);
  const vocab = new Map<string, number>();
  tokens.forEach((token, id) => vocab.set(token, id)); // a repeated token keeps its last id, as upstream's dict
  return new BpeTokenizer({ vocab, merges, source });
}

/** Read openai's `bpe_simple_vocab_16e6.txt.gz` (or any gzip file in its format). */
export async function loadBpeTokenizer(path: string, options: { mergeCount?: number } = {}): Promise<BpeTokenizer> {
  const compressed = await readBytes(path);
  let bytes: Buffer;
  try {
    bytes = await gunzipAsync(compressed, { maxOutputLength: MAX_TEXT_BYTES });
  } catch (cause) {
    throw tokenizerErrors.make("VLP_TOKENIZER_FILE", `tokenizer file ${path} is not a readable gzip file (${(cause as Error).message})`, { cause });
  }
  return bpeTokenizerFromMergesText(utf8Text(bytes, path), path, options.mergeCount);
}

function vocabFromObject(value: unknown, source: string, what: string): Map<string, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw formatError(source, `${what} is not a JSON object`);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(value)) {
    if (typeof id !== "number") throw formatError(source, `${what}: token ${JSON.stringify(token)} has a non-numeric id`);
    vocab.set(token, id);
  }
  return vocab;
}

/** Hugging Face merges.txt: an optional `#version` header, then one "a b" per line. */
export function parseHfMerges(text: string, source = "<merges.txt>"): Merge[] {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  const merges: Merge[] = [];
  lines.forEach((line, i) => {
    if ((i === 0 && line.startsWith("#version")) || line.trim() === "") return;
    merges.push(parseMergeLine(line, `line ${i + 1}`, source));
  });
  return merges;
}

/** Build from the text of a Hugging Face vocab.json and merges.txt. */
export function bpeTokenizerFromHf(vocabJson: string, mergesTxt: string, source = "<vocab.json + merges.txt>"): BpeTokenizer {
  const vocab = vocabFromObject(parseJson(vocabJson, source), source, "vocab.json");
  return new BpeTokenizer({ vocab, merges: parseHfMerges(mergesTxt, source), source });
}

/** Read a Hugging Face CLIP tokenizer saved as vocab.json + merges.txt. */
export async function loadHfTokenizer(vocabJsonPath: string, mergesTxtPath: string): Promise<BpeTokenizer> {
  const [vocabText, mergesText] = await Promise.all([readText(vocabJsonPath), readText(mergesTxtPath)]);
  const vocab = vocabFromObject(parseJson(vocabText, vocabJsonPath), vocabJsonPath, "vocab.json");
  return new BpeTokenizer({ vocab, merges: parseHfMerges(mergesText, mergesTxtPath), source: `${vocabJsonPath} + ${mergesTxtPath}` });
}

function mergeFromJson(entry: unknown, index: number, source: string): Merge {
  if (typeof entry === "string") return parseMergeLine(entry, `model.merges[${index}]`, source);
  if (Array.isArray(entry) && entry.length === 2 && entry.every((part) => typeof part === "string" && part !== "")) {
    return [entry[0] as string, entry[1] as string];
  }
  throw formatError(source, `model.merges[${index}] is neither "a b" nor ["a", "b"]`);
}

/** Build from the text of a Hugging Face tokenizer.json (a BPE model with `</w>` word ends). */
export function bpeTokenizerFromTokenizerJson(jsonText: string, source = "<tokenizer.json>"): BpeTokenizer {
  const root = parseJson(jsonText, source) as { model?: Record<string, unknown>; added_tokens?: unknown } | null;
  const model = root?.model;
  if (typeof model !== "object" || model === null) throw formatError(source, "has no `model` object");
  if (model.type !== undefined && model.type !== "BPE") throw formatError(source, `model.type is ${JSON.stringify(model.type)}, not "BPE"`);
  const suffix = model.end_of_word_suffix;
  if (suffix !== undefined && suffix !== null && suffix !== END_OF_WORD) {
    throw formatError(source, `model.end_of_word_suffix is ${JSON.stringify(suffix)}, CLIP uses "${END_OF_WORD}"`);
  }
  if (!Array.isArray(model.merges)) throw formatError(source, "model.merges is not an array");
  const vocab = vocabFromObject(model.vocab, source, "model.vocab");
  for (const added of Array.isArray(root?.added_tokens) ? root.added_tokens : []) {
    const { content, id } = (added ?? {}) as { content?: unknown; id?: unknown };
    if (typeof content === "string" && typeof id === "number" && !vocab.has(content)) vocab.set(content, id);
  }
  const merges = model.merges.map((entry, i) => mergeFromJson(entry, i, source));
  return new BpeTokenizer({ vocab, merges, source });
}

/** Read a Hugging Face tokenizer.json. */
export async function loadTokenizerJson(path: string): Promise<BpeTokenizer> {
  return bpeTokenizerFromTokenizerJson(await readText(path), path);
}
