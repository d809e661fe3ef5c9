/**
 * Text tokenizers for CLIP text encoders.
 *
 * `Tokenizer` is what the rest of vlprompt needs from one: ids for a text, and clip.tokenize-style context
 * rows (SOT, ids, EOT, zero padding). Two implementations:
 * - `BpeTokenizer` (bpe-tokenizer.ts): CLIP's byte-level BPE, token-for-token identical to openai/CLIP;
 *   load it with `loadBpeTokenizer` (openai .txt.gz), `loadHfTokenizer` (vocab.json + merges.txt) or
 *   `loadTokenizerJson` (tokenizer.json);
 * - `WordTokenizer` (below): a word-level vocabulary for small custom backbones and tests.
 * Text encoders pool at the EOT position found by argmax over the ids, so EOT must be the largest id.
 */
import { cleanForClip, WHITESPACE_CLASS } from "./bpe-clean.js";
import { asTextList, contextRows } from "./bpe-context.js";
import { CLIP_CONTEXT_LENGTH } from "./bpe-tokenizer.js";
import { tokenizerErrors } from "./tokenizer-errors.js";

export interface Tokenizer {
  /** Start-of-text id (first id of every row). */
  readonly sotToken: number;
  /** End-of-text id; the largest id, so argmax over a row finds it. */
  readonly eotToken: number;
  /** Number of embedding rows the text encoder needs (largest id + 1). */
  readonly vocabSize: number;
  /** Ids of a text, without SOT/EOT. */
  encode(text: string): number[];
  /** Text of ids (inverse of encode up to normalisation). */
  decode(ids: ArrayLike<number>): string;
  /**
   * One row of `contextLength` ids per text: SOT, ids, EOT, then zeros. A text that does not fit is a
   * VLP_TOKENIZER_TOO_LONG error, or with `truncate` keeps the first `contextLength` ids with EOT last.
   */
  tokenize(texts: string | readonly string[], contextLength?: number, truncate?: boolean): number[][];
}

export { BpeTokenizer, CLIP_CONTEXT_LENGTH, SOT_TEXT, EOT_TEXT, type BpeVocabulary } from "./bpe-tokenizer.js";
export {
  loadBpeTokenizer,
  loadHfTokenizer,
  loadTokenizerJson,
  bpeTokenizerFromMergesText,
  bpeTokenizerFromHf,
  bpeTokenizerFromTokenizerJson,
  CLIP_MERGE_COUNT,
} from "./bpe-load.js";
export { tokenizerErrors } from "./tokenizer-errors.js";

/** Words: runs of letters, marks and digits; every other non-space character stands alone. */
const WORD_SPLIT = new RegExp(`[\\p{L}\\p{M}\\p{N}]+|[^${WHITESPACE_CLASS}\\p{L}\\p{M}\\p{N}]`, "gu");

/** The word splitter of `WordTokenizer`: CLIP's text cleanup and lower-casing, then words and punctuation. */
export function splitWords(text: string): string[] {
  return cleanForClip(text).match(WORD_SPLIT) ?? [];
}

export interface WordVocabulary {
  /** word → id; words are matched lower-cased. */
  readonly words: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  readonly sotToken: number;
  readonly eotToken: number;
  /** Id for words not in the vocabulary. */
  readonly unkToken: number;
}

export const PAD_TEXT = "<pad>";
export const UNK_TEXT = "<unk>";

function vocabError(detail: string) {
  return tokenizerErrors.make("VLP_TOKENIZER_VOCAB", detail);
}

function checkId(name: string, id: number): void {
  if (!Number.isInteger(id) || id < 0) throw vocabError(`${name} has id ${String(id)}, not an integer >= 0`);
}

/** Word-level tokenizer: lower-cased words and single punctuation characters, unknown words → `unkToken`. */
export class WordTokenizer implements Tokenizer {
  readonly sotToken: number;
  readonly eotToken: number;
  readonly unkToken: number;
  readonly vocabSize: number;
  private readonly ids = new Map<string, number>();
  private readonly names = new Map<number, string>();

  /** Ids: 0 `<pad>`, 1 `<unk>`, 2.. the words in order (repeats dropped), then SOT, then EOT (the largest). */
  static fromWords(words: readonly string[]): WordTokenizer {
    const distinct = [...new Set(asTextList(words).map((word) => word.toLowerCase()))].filter((w) => w !== PAD_TEXT && w !== UNK_TEXT);
    const map = new Map<string, number>([[PAD_TEXT, 0], [UNK_TEXT, 1]]);
    distinct.forEach((word, i) => map.set(word, i + 2));
    return new WordTokenizer({ words: map, unkToken: 1, sotToken: distinct.length + 2, eotToken: distinct.length + 3 });
  }

  constructor(vocabulary: WordVocabulary) {
    const entries = vocabulary.words instanceof Map ? [...vocabulary.words] : Object.entries(vocabulary.words);
    const { sotToken, eotToken, unkToken } = vocabulary;
    for (const [name, id] of [["SOT", sotToken], ["EOT", eotToken], ["<unk>", unkToken]] as const) checkId(name, id);
    if (new Set([sotToken, eotToken, unkToken]).size !== 3) throw vocabError(`SOT ${sotToken}, EOT ${eotToken} and <unk> ${unkToken} must differ`);
    for (const [word, id] of entries) this.addWord(word, id, sotToken, eotToken);
    if (!this.names.has(unkToken)) this.names.set(unkToken, UNK_TEXT);
    this.names.set(sotToken, "<|startoftext|>");
    this.names.set(eotToken, "<|endoftext|>");
    let largest = 0;
    for (const id of this.names.keys()) largest = Math.max(largest, id);
    if (largest !== eotToken) throw vocabError(`EOT ${eotToken} must be the largest id (text encoders pool at argmax), but ${largest} is larger`);
    this.sotToken = sotToken;
    this.eotToken = eotToken;
    this.unkToken = unkToken;
    this.vocabSize = eotToken + 1;
  }

  private addWord(word: string, id: number, sotToken: number, eotToken: number): void {
    checkId(JSON.stringify(word), id);
    if (id === sotToken || id === eotToken) throw vocabError(`word ${JSON.stringify(word)} has the id of SOT/EOT (${id})`);
    const key = word.toLowerCase();
    const special = key === PAD_TEXT || key === UNK_TEXT;
    const pieces = special ? [key] : splitWords(word);
    if (pieces.length !== 1 || pieces[0] !== key) {
      throw vocabError(`${JSON.stringify(word)} is not a single word for the word splitter (it gives ${JSON.stringify(pieces)})`);
    }
    const known = this.ids.get(key);
    if (known !== undefined && known !== id) throw vocabError(`word ${JSON.stringify(key)} has two ids, ${known} and ${id}`);
    this.ids.set(key, id);
    if (!this.names.has(id)) this.names.set(id, key);
  }

  encode(text: string): number[] {
    const [checked] = asTextList([text]);
    return splitWords(checked!).map((word) => this.ids.get(word) ?? this.unkToken);
  }

  /** Words joined by single spaces; ids without a word (e.g. padding 0 when no word has it) are errors. */
  decode(ids: ArrayLike<number>): string {
    const words: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const name = this.names.get(ids[i]!);
      if (name === undefined) throw tokenizerErrors.make("VLP_TOKENIZER_ID", `id ${String(ids[i])} (position ${i}) has no word`);
      words.push(name);
    }
    return words.join(" ");
  }

  tokenize(texts: string | readonly string[], contextLength = CLIP_CONTEXT_LENGTH, truncate = false): number[][] {
    return contextRows(this, texts, contextLength, truncate);
  }
}
