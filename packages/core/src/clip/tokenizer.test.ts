import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isVlpromptError } from "../errors.js";
import {
  BpeTokenizer,
  bpeTokenizerFromMergesText,
  loadBpeTokenizer,
  loadHfTokenizer,
  loadTokenizerJson,
  type BpeVocabulary,
  type Tokenizer,
  WordTokenizer,
} from "./tokenizer.js";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const fixtures = join(repoRoot, "packages/core/fixtures/goldens");

/** The BPE file is never committed: VLPROMPT_CLIP_VOCAB, else ../shared/goldens beside the repository. */
function findVocab(): string | undefined {
  const candidates = [process.env.VLPROMPT_CLIP_VOCAB, join(repoRoot, "../shared/goldens/bpe_simple_vocab_16e6.txt.gz")];
  return candidates.find((path): path is string => !!path && existsSync(path));
}
const vocabPath = findVocab();
if (!vocabPath) {
  console.warn(
    "SKIPPED: CLIP BPE golden tests — bpe_simple_vocab_16e6.txt.gz not found in ../shared/goldens and VLPROMPT_CLIP_VOCAB is unset",
  );
}

interface GoldenItem {
  text: string;
  encode: number[];
  decode_of_encode: string;
  needed_truncate: boolean;
}
const golden = JSON.parse(readFileSync(join(fixtures, "tokenizer.json"), "utf8")) as {
  items: GoldenItem[];
  sot: number;
  eot: number;
  vocab_size: number;
  ids_of: Record<string, number[]>;
};

/** Minimal safetensors reader: u64 LE header length, JSON header, then the data. */
function readGoldenTokens(): { shape: number[]; data: Int32Array } {
  const bytes = readFileSync(join(fixtures, "tokenizer.safetensors"));
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8"));
  const entry = header["output.tokens"] as { dtype: string; shape: number[]; data_offsets: [number, number] };
  expect(entry.dtype).toBe("I32");
  const [start, end] = entry.data_offsets;
  const data = bytes.subarray(8 + headerLength + start, 8 + headerLength + end);
  return { shape: entry.shape, data: new Int32Array(new Uint8Array(data).buffer) };
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return isVlpromptError(error) ? error.code : `not coded: ${String(error)}`;
  }
  return undefined;
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: isVlpromptError(error) ? error.code : undefined, message: (error as Error).message };
  }
  throw new Error("expected a rejection");
}

describe.skipIf(!vocabPath)("CLIP BPE tokenizer on the golden strings (real vocabulary)", () => {
  let tokenizer: BpeTokenizer;
  let workDir: string;
  beforeAll(async () => {
    tokenizer = await loadBpeTokenizer(vocabPath!);
    workDir = await mkdtemp(join(tmpdir(), "vlp-tokenizer-"));
  });
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("has CLIP's special ids and vocabulary size", () => {
    expect([tokenizer.sotToken, tokenizer.eotToken, tokenizer.vocabSize]).toEqual([golden.sot, golden.eot, golden.vocab_size]);
    for (const [text, ids] of Object.entries(golden.ids_of)) expect(tokenizer.encode(text)).toEqual(ids);
  });

  it("encodes and decodes every golden string exactly as openai's SimpleTokenizer", () => {
    for (const item of golden.items) {
      expect(tokenizer.encode(item.text), item.text).toEqual(item.encode);
      expect(tokenizer.decode(item.encode), item.text).toBe(item.decode_of_encode);
    }
  });

  it("tokenize gives clip.tokenize's rows (context 77), truncating only where upstream needed truncate=True", () => {
    const { shape, data } = readGoldenTokens();
    expect(shape).toEqual([golden.items.length, 77]);
    golden.items.forEach((item, row) => {
      const expected = Array.from(data.subarray(row * 77, (row + 1) * 77));
      expect(tokenizer.tokenize(item.text, 77, item.needed_truncate)[0], item.text).toEqual(expected);
    });
    const batch = tokenizer.tokenize(golden.items.map((item) => item.text), 77, true);
    expect(batch.flat()).toEqual(Array.from(data));
  });

  it("refuses a text that does not fit without truncate, naming the text and its length", () => {
    const long = golden.items.find((item) => item.needed_truncate)!;
    expect(() => tokenizer.tokenize(["a dog", long.text])).toThrowError(/VLP_TOKENIZER_TOO_LONG.*a photo of a very.*89 tokens.*77/s);
    expect(codeOf(() => tokenizer.tokenize(long.text))).toBe("VLP_TOKENIZER_TOO_LONG");
  });

  it("vocab.json + merges.txt and tokenizer.json (both merge spellings) give identical ids", async () => {
    const { vocab, merges } = tokenizer.toVocabulary();
    const vocabObject = Object.fromEntries(vocab);
    const mergeLines = merges.map(([a, b]) => `${a} ${b}`);
    const paths = { vocab: join(workDir, "vocab.json"), merges: join(workDir, "merges.txt"), json: join(workDir, "tokenizer.json"), pairs: join(workDir, "tokenizer-pairs.json") };
    const model = (spelledMerges: readonly unknown[]) => ({ model: { type: "BPE", vocab: vocabObject, merges: spelledMerges, end_of_word_suffix: "</w>" } });
    await writeFile(paths.vocab, JSON.stringify(vocabObject));
    await writeFile(paths.merges, `#version: 0.2\n${mergeLines.join("\n")}\n`);
    await writeFile(paths.json, JSON.stringify(model(mergeLines)));
    await writeFile(paths.pairs, JSON.stringify(model(merges)));
    const loaded = [await loadHfTokenizer(paths.vocab, paths.merges), await loadTokenizerJson(paths.json), await loadTokenizerJson(paths.pairs)];
    for (const other of loaded) {
      expect([other.sotToken, other.eotToken, other.vocabSize]).toEqual([golden.sot, golden.eot, golden.vocab_size]);
      for (const item of golden.items) {
        expect(other.encode(item.text), item.text).toEqual(item.encode);
        expect(other.tokenize(item.text, 77, true)).toEqual(tokenizer.tokenize(item.text, 77, true));
      }
    }
  });

  it("gives the same ids for a large batch of captions on repeated (cached) runs", () => {
    const nouns = ["dog", "cat", "golden retriever", "red car", "Café", "tall building", "naïve bird"];
    const captions = Array.from({ length: 10_000 }, (_, i) => `A photo of a ${nouns[i % nouns.length]}, number ${i % 97}.`);
    const first = tokenizer.tokenize(captions);
    const second = tokenizer.tokenize(captions);
    expect(second).toEqual(first);
    expect(first[0]).toEqual(tokenizer.tokenize("a photo of a dog, number 0.")[0]);
    expect(first.every((row) => row[0] === golden.sot && row.includes(golden.eot))).toBe(true);
  });
});

/** A tiny merges file in openai's format: header, then ranked merges building "photo</w>" and "aa". */
const TINY_MERGES = ["#version: test", "p h", "o t", "ph ot", "phot o</w>", "a a", "d o", "do g</w>"];
function tinyTokenizer(): BpeTokenizer {
  return bpeTokenizerFromMergesText(TINY_MERGES.join("\n"), "<tiny>", TINY_MERGES.length - 1);
}

describe("BPE mechanics on a tiny merge table (no vocabulary file needed)", () => {
  const tokenizer = tinyTokenizer();
  const mergeId = (rank: number) => 512 + rank;

  it("derives the vocabulary like openai: bytes, bytes</w>, merges, SOT, EOT", () => {
    expect([tokenizer.sotToken, tokenizer.eotToken, tokenizer.vocabSize]).toEqual([519, 520, 521]);
    expect(tokenizer.encode("photo")).toEqual([mergeId(3)]);
    expect(tokenizer.encode("  PHOTO dog ")).toEqual([mergeId(3), mergeId(6)]);
    expect(tokenizer.pieces("pho")).toEqual(["ph", "o</w>"]);
  });

  it("merges the lowest-ranked pair everywhere, left to right without overlap", () => {
    expect(tokenizer.pieces("aaa")).toEqual(["aa", "a</w>"]);
    expect(tokenizer.pieces("aaaa")).toEqual(["aa", "a", "a</w>"]);
    expect(tokenizer.pieces("photophoto")).toEqual(["phot", "o", "photo</w>"]);
  });

  it("splits words, numbers and punctuation like openai's pattern", () => {
    const pieces = (text: string) => tokenizer.decode(tokenizer.encode(text));
    expect(pieces("it's 2024!!")).toBe("it 's 2 0 2 4 !! ");
    expect(pieces("<|startoftext|>dog<|endoftext|>")).toBe("<|startoftext|>dog <|endoftext|>");
  });

  it("pads with zeros, and truncates keeping EOT last", () => {
    expect(tokenizer.tokenize(["dog", "photo dog"], 5)).toEqual([
      [519, mergeId(6), 520, 0, 0],
      [519, mergeId(3), mergeId(6), 520, 0],
    ]);
    expect(tokenizer.tokenize("photo dog photo", 3, true)).toEqual([[519, mergeId(3), 520]]);
    expect(tokenizer.tokenize("", 2)).toEqual([[519, 520]]);
  });

  it("turns bad arguments into coded errors", () => {
    expect(codeOf(() => tokenizer.tokenize("photo dog", 3))).toBe("VLP_TOKENIZER_TOO_LONG");
    expect(codeOf(() => tokenizer.tokenize("dog", 1))).toBe("VLP_TOKENIZER_CONTEXT");
    expect(codeOf(() => tokenizer.tokenize("dog", 7.5))).toBe("VLP_TOKENIZER_CONTEXT");
    expect(codeOf(() => tokenizer.tokenize([42 as unknown as string]))).toBe("VLP_TOKENIZER_INPUT");
    expect(codeOf(() => tokenizer.encode(undefined as unknown as string))).toBe("VLP_TOKENIZER_INPUT");
    expect(codeOf(() => tokenizer.decode([521]))).toBe("VLP_TOKENIZER_ID");
    expect(codeOf(() => tokenizer.decode([-1]))).toBe("VLP_TOKENIZER_ID");
  });

  it("decodes bytes back to UTF-8, replacing broken sequences", () => {
    expect(tokenizer.decode(tokenizer.encode("Café 🐶"))).toBe("café 🐶 ");
    const [firstByteOfE] = tokenizer.encode("é");
    expect(tokenizer.decode([firstByteOfE!])).toBe("\ufffd");
  });
});

describe("tokenizer files: malformed or missing files are coded errors naming the path", () => {
  let dir: string;
  let tiny: BpeVocabulary;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vlp-tokenizer-bad-"));
    tiny = tinyTokenizer().toVocabulary();
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  const vocabJson = (drop?: string) => JSON.stringify(Object.fromEntries([...tiny.vocab].filter(([token]) => token !== drop)));

  it("loads the tiny table from all three formats", async () => {
    const gz = await write("tiny.txt.gz", gzipSync(TINY_MERGES.join("\n")));
    const fromGz = await loadBpeTokenizer(gz, { mergeCount: TINY_MERGES.length - 1 });
    const hf = await loadHfTokenizer(await write("v.json", vocabJson()), await write("m.txt", TINY_MERGES.join("\r\n")));
    const json = await loadTokenizerJson(await write("t.json", JSON.stringify({ model: { type: "BPE", vocab: Object.fromEntries(tiny.vocab), merges: TINY_MERGES.slice(1) } })));
    for (const tokenizer of [fromGz, hf, json]) expect(tokenizer.tokenize("a photo of a dog", 8)).toEqual(tinyTokenizer().tokenize("a photo of a dog", 8));
  });

  it("openai .txt.gz: missing, not gzip, not UTF-8, too few merges, bad line", async () => {
    const missing = join(dir, "nope.txt.gz");
    expect(await rejection(loadBpeTokenizer(missing))).toMatchObject({ code: "VLP_TOKENIZER_FILE", message: expect.stringContaining(missing) });
    const plain = await write("plain.txt.gz", TINY_MERGES.join("\n"));
    expect(await rejection(loadBpeTokenizer(plain))).toMatchObject({ code: "VLP_TOKENIZER_FILE", message: expect.stringContaining(plain) });
    const latin = await write("latin.txt.gz", gzipSync(Buffer.from([0x23, 0x0a, 0xe9, 0x20, 0x61])));
    expect((await rejection(loadBpeTokenizer(latin))).code).toBe("VLP_TOKENIZER_FILE");
    const short = await write("short.txt.gz", gzipSync(TINY_MERGES.join("\n")));
    expect(await rejection(loadBpeTokenizer(short))).toMatchObject({ code: "VLP_TOKENIZER_FORMAT", message: expect.stringMatching(/short\.txt\.gz.*7 merge lines.*48894/) });
    const broken = await write("broken.txt.gz", gzipSync(["#v", "p h", "o t x", "ph ot"].join("\n")));
    expect(await rejection(loadBpeTokenizer(broken, { mergeCount: 3 }))).toMatchObject({ code: "VLP_TOKENIZER_FORMAT", message: expect.stringContaining("line 3") });
  });

  it("vocab.json + merges.txt: missing file, bad JSON, missing tokens, unknown merge results", async () => {
    const merges = await write("merges.txt", TINY_MERGES.join("\n"));
    const good = await write("vocab.json", vocabJson());
    const missing = join(dir, "missing.json");
    expect(await rejection(loadHfTokenizer(missing, merges))).toMatchObject({ code: "VLP_TOKENIZER_FILE", message: expect.stringContaining(missing) });
    const notJson = await write("notjson.json", "{ not json");
    expect(await rejection(loadHfTokenizer(notJson, merges))).toMatchObject({ code: "VLP_TOKENIZER_FORMAT", message: expect.stringContaining(notJson) });
    const arrayJson = await write("array.json", "[1, 2]");
    expect((await rejection(loadHfTokenizer(arrayJson, merges))).code).toBe("VLP_TOKENIZER_FORMAT");
    const noEot = await write("noeot.json", vocabJson("<|endoftext|>"));
    expect(await rejection(loadHfTokenizer(noEot, merges))).toMatchObject({ code: "VLP_TOKENIZER_FORMAT", message: expect.stringContaining("<|endoftext|>") });
    const noByte = await write("nobyte.json", vocabJson("a</w>"));
    expect((await rejection(loadHfTokenizer(noByte, merges))).code).toBe("VLP_TOKENIZER_FORMAT");
    const extraMerge = await write("extra.txt", `${TINY_MERGES.join("\n")}\nx y`);
    expect(await rejection(loadHfTokenizer(good, extraMerge))).toMatchObject({ code: "VLP_TOKENIZER_FORMAT", message: expect.stringContaining("x y") });
    const sharedId = await write("shared.json", JSON.stringify({ ...Object.fromEntries(tiny.vocab), extra: 0 }));
    expect((await rejection(loadHfTokenizer(sharedId, merges))).code).toBe("VLP_TOKENIZER_FORMAT");
  });

  it("tokenizer.json: missing file, no model, wrong model type, bad merges, other word-end suffix", async () => {
    const vocab = Object.fromEntries(tiny.vocab);
    const cases: [string, unknown][] = [
      ["nomodel.json", { version: "1.0" }],
      ["wordpiece.json", { model: { type: "WordPiece", vocab, merges: [] } }],
      ["nomerges.json", { model: { type: "BPE", vocab } }],
      ["badmerge.json", { model: { type: "BPE", vocab, merges: [["p"]] } }],
      ["suffix.json", { model: { type: "BPE", vocab, merges: [], end_of_word_suffix: "@@" } }],
    ];
    for (const [name, content] of cases) {
      const path = await write(name, JSON.stringify(content));
      expect(await rejection(loadTokenizerJson(path)), name).toMatchObject({ code: "VLP_TOKENIZER_FORMAT", message: expect.stringContaining(path) });
    }
    expect((await rejection(loadTokenizerJson(join(dir, "absent.json")))).code).toBe("VLP_TOKENIZER_FILE");
    const withAdded = await write("added.json", JSON.stringify({
      model: { type: "BPE", vocab: JSON.parse(vocabJson("<|startoftext|>")), merges: TINY_MERGES.slice(1) },
      added_tokens: [{ id: 519, content: "<|startoftext|>" }],
    }));
    expect((await loadTokenizerJson(withAdded)).sotToken).toBe(519);
  });
});

describe("WordTokenizer", () => {
  it("lower-cases, splits punctuation, maps unknown words to <unk>, ends with the largest id", () => {
    const words = WordTokenizer.fromWords(["a", "Photo", "of", "dog", ".", "photo"]);
    expect([words.sotToken, words.eotToken, words.unkToken, words.vocabSize]).toEqual([7, 8, 1, 9]);
    expect(words.encode("A PHOTO of a dog.")).toEqual([2, 3, 4, 2, 5, 6]);
    expect(words.encode("a photo of a zebra!")).toEqual([2, 3, 4, 2, 1, 1]);
    expect(words.tokenize(["a dog.", "dog"], 6)).toEqual([[7, 2, 5, 6, 8, 0], [7, 5, 8, 0, 0, 0]]);
    expect(words.tokenize("a photo of a dog", 4, true)).toEqual([[7, 2, 3, 8]]);
    expect(words.decode(words.tokenize("a cat", 5)[0]!)).toBe("<|startoftext|> a <unk> <|endoftext|> <pad>");
    const asInterface: Tokenizer = words;
    expect(asInterface.encode("")).toEqual([]);
  });

  it("reproduces the tiny-vocab prompt rows of the golden fixtures (SOT 510, EOT 511, names t1..t500)", () => {
    const vocab = new Map<string, number>([["a", 320], ["photo", 502], ["of", 503], ["x", 343], [".", 269]]);
    for (let id = 1; id <= 500; id++) vocab.set(`t${id}`, id);
    const words = new WordTokenizer({ words: vocab, sotToken: 510, eotToken: 511, unkToken: 501 });
    const layouts: [string, (name: string) => string][] = [
      ["vpt_shallow", (name) => `a photo of a ${name}.`],
      ["coop", (name) => `X X X X ${name}.`],
      ["maple", (name) => `X X ${name}.`],
    ];
    for (const [fixture, template] of layouts) {
      const json = JSON.parse(readFileSync(join(fixtures, `${fixture}.json`), "utf8"));
      const texts = (json.class_names as string[]).map(template);
      expect(words.tokenize(texts, 16), fixture).toEqual(json.prompt_token_layout.rows);
    }
  });

  it("rejects vocabularies it cannot serve", () => {
    const make = (words: Record<string, number>, sotToken = 10, eotToken = 11, unkToken = 1) => () =>
      new WordTokenizer({ words, sotToken, eotToken, unkToken });
    expect(codeOf(make({ dog: 2 }))).toBeUndefined();
    expect(codeOf(make({ dog: 12 }))).toBe("VLP_TOKENIZER_VOCAB"); // EOT not the largest id
    expect(codeOf(make({ "golden retriever": 2 }))).toBe("VLP_TOKENIZER_VOCAB");
    expect(codeOf(make({ dog: 2, DOG: 3 }))).toBe("VLP_TOKENIZER_VOCAB");
    expect(codeOf(make({ dog: -1 }))).toBe("VLP_TOKENIZER_VOCAB");
    expect(codeOf(make({ dog: 10 }))).toBe("VLP_TOKENIZER_VOCAB");
    expect(codeOf(make({ dog: 2 }, 10, 10))).toBe("VLP_TOKENIZER_VOCAB");
    expect(codeOf(() => WordTokenizer.fromWords(["dog"]).decode([99]))).toBe("VLP_TOKENIZER_ID");
    expect(codeOf(() => WordTokenizer.fromWords(["dog"]).tokenize("dog dog dog", 3))).toBe("VLP_TOKENIZER_TOO_LONG");
  });
});
