/**
 * CLIP's byte-level BPE tokenizer (openai/CLIP simple_tokenizer + clip.tokenize), built from a vocabulary
 * (token → id) and a ranked merge list. The loaders in bpe-load.ts read the three file formats.
 */
import type { Tokenizer } from "./tokenizer.js";
import { BYTE_ALPHABET, CHAR_TO_BYTE, toByteChars } from "./bpe-bytes.js";
import { cleanForClip, WHITESPACE_CLASS } from "./bpe-clean.js";
import { asTextList, contextRows } from "./bpe-context.js";
import { tokenizerErrors } from "./tokenizer-errors.js";

export const SOT_TEXT = "<|startoftext|>";
export const EOT_TEXT = "<|endoftext|>";
export const END_OF_WORD = "</w>";
/** Context length of the released CLIP models (clip.tokenize's default). */
export const CLIP_CONTEXT_LENGTH = 77;

/** openai's split pattern (compiled with regex.IGNORECASE upstream); `\s` spelled as Unicode White_Space. */
const WORD_PATTERN = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^${WHITESPACE_CLASS}\\p{L}\\p{N}]+`,
  "giu",
);

const MAX_CACHED_WORDS = 200_000;

export interface BpeVocabulary {
  /** Token string (byte characters, `</w>` on word ends) → id. */
  readonly vocab: ReadonlyMap<string, number>;
  /** Merges in rank order (rank = index; a repeated pair keeps its last rank, as upstream). */
  readonly merges: readonly (readonly [string, string])[];
  /** Where the vocabulary came from (a path), for error messages. */
  readonly source: string;
}

function checkVocabulary({ vocab, merges, source }: BpeVocabulary): void {
  const bad = (why: string) => tokenizerErrors.make("VLP_TOKENIZER_FORMAT", `${source}: ${why}`);
  const seenIds = new Map<number, string>();
  for (const [token, id] of vocab) {
    if (!Number.isInteger(id) || id < 0) throw bad(`token ${JSON.stringify(token)} has id ${String(id)}, not an integer >= 0`);
    const other = seenIds.get(id);
    if (other !== undefined) throw bad(`tokens ${JSON.stringify(other)} and ${JSON.stringify(token)} share id ${id}`);
    seenIds.set(id, token);
  }
  for (const byteChar of BYTE_ALPHABET) {
    for (const token of [byteChar, byteChar + END_OF_WORD]) {
      if (!vocab.has(token)) throw bad(`the vocabulary lacks the byte token ${JSON.stringify(token)}`);
    }
  }
  for (const special of [SOT_TEXT, EOT_TEXT]) {
    if (!vocab.has(special)) throw bad(`the vocabulary lacks the special token ${special}`);
  }
  merges.forEach(([first, second], rank) => {
    if (!first || !second || /\s/.test(first + second)) throw bad(`merge ${rank} (${JSON.stringify([first, second])}) is malformed`);
    if (!vocab.has(first + second)) throw bad(`merge ${rank} (${first} ${second}) makes a token that is not in the vocabulary`);
  });
}

export class BpeTokenizer implements Tokenizer {
  readonly sotToken: number;
  readonly eotToken: number;
  /** One more than the largest id (49408 for CLIP). */
  readonly vocabSize: number;
  readonly source: string;
  private readonly encoder: ReadonlyMap<string, number>;
  private readonly decoder: Map<number, string>;
  private readonly merges: readonly (readonly [string, string])[];
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  /** Validates the vocabulary; every problem is a VLP_TOKENIZER_FORMAT error naming `source`. */
  constructor(vocabulary: BpeVocabulary) {
    checkVocabulary(vocabulary);
    this.source = vocabulary.source;
    this.encoder = new Map(vocabulary.vocab);
    this.decoder = new Map([...this.encoder].map(([token, id]) => [id, token]));
    this.merges = [...vocabulary.merges];
    this.merges.forEach(([first, second], rank) => this.ranks.set(`${first} ${second}`, rank));
    this.sotToken = this.encoder.get(SOT_TEXT)!;
    this.eotToken = this.encoder.get(EOT_TEXT)!;
    let largestId = 0;
    for (const id of this.decoder.keys()) largestId = Math.max(largestId, id);
    this.vocabSize = largestId + 1;
    this.seedCache();
  }

  /** SimpleTokenizer.encode: cleaned, lower-cased text → BPE ids, without SOT/EOT. */
  encode(text: string): number[] {
    const [checked] = asTextList([text]);
    const ids: number[] = [];
    for (const match of cleanForClip(checked!).matchAll(WORD_PATTERN)) {
      for (const id of this.wordIds(match[0])) ids.push(id);
    }
    return ids;
  }

  /** SimpleTokenizer.decode: ids → text, `</w>` becomes a space, invalid UTF-8 becomes U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    let chars = "";
    for (let i = 0; i < ids.length; i++) {
      const token = this.decoder.get(ids[i]!);
      if (token === undefined) {
        throw tokenizerErrors.make("VLP_TOKENIZER_ID", `id ${String(ids[i])} (position ${i}) is not in the vocabulary of ${this.source}`);
      }
      chars += token;
    }
    const bytes: number[] = [];
    for (const ch of chars) {
      const byte = CHAR_TO_BYTE.get(ch);
      if (byte === undefined) {
        throw tokenizerErrors.make("VLP_TOKENIZER_FORMAT", `${this.source}: a token holds ${JSON.stringify(ch)}, not a byte character`);
      }
      bytes.push(byte);
    }
    return new TextDecoder().decode(new Uint8Array(bytes)).replaceAll(END_OF_WORD, " ");
  }

  /** clip.tokenize: one zero-padded row [contextLength] per text, SOT first and EOT after the text. */
  tokenize(texts: string | readonly string[], contextLength = CLIP_CONTEXT_LENGTH, truncate = false): number[][] {
    return contextRows(this, texts, contextLength, truncate);
  }

  /** The vocabulary and ranked merges (e.g. to save them as Hugging Face vocab.json + merges.txt). */
  toVocabulary(): BpeVocabulary {
    return { vocab: new Map(this.encoder), merges: this.merges.map(([a, b]) => [a, b] as const), source: this.source };
  }

  /** The BPE pieces of one word (already split and lower-cased), e.g. "photo" → ["photo</w>"]. */
  pieces(word: string): string[] {
    return this.wordIds(word).map((id) => this.decoder.get(id)!);
  }

  private seedCache(): void {
    this.cache.set(SOT_TEXT, [this.sotToken]);
    this.cache.set(EOT_TEXT, [this.eotToken]);
  }

  private wordIds(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const ids = this.bpe(toByteChars(word)).map((piece) => this.encoder.get(piece)!);
    if (this.cache.size >= MAX_CACHED_WORDS) {
      this.cache.clear();
      this.seedCache();
    }
    this.cache.set(word, ids);
    return ids;
  }

  /** Upstream `bpe`: repeatedly merge every occurrence of the lowest-ranked adjacent pair. */
  private bpe(byteChars: string): string[] {
    let word = byteChars.split("");
    word[word.length - 1] += END_OF_WORD;
    while (word.length > 1) {
      const best = this.lowestRankedPair(word);
      if (best === undefined) break;
      word = mergePair(word, best[0], best[1]);
    }
    return word;
  }

  private lowestRankedPair(word: readonly string[]): [string, string] | undefined {
    let bestRank = Infinity;
    let bestIndex = -1;
    for (let i = 0; i + 1 < word.length; i++) {
      const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        bestIndex = i;
      }
    }
    return bestIndex < 0 ? undefined : [word[bestIndex]!, word[bestIndex + 1]!];
  }
}

/** Merge non-overlapping occurrences of (first, second), scanning left to right. */
function mergePair(word: readonly string[], first: string, second: string): string[] {
  const merged: string[] = [];
  let i = 0;
  while (i < word.length) {
    if (word[i] === first && i + 1 < word.length && word[i + 1] === second) {
      merged.push(first + second);
      i += 2;
    } else {
      merged.push(word[i]!);
      i += 1;
    }
  }
  return merged;
}
