import { defineErrors } from "../errors.js";

/** Coded errors of the text tokenizers (CLIP byte-level BPE and the word-level tokenizer). */
export const tokenizerErrors = defineErrors({
  VLP_TOKENIZER_TOO_LONG: {
    summary: "A text has more tokens (with SOT and EOT) than the context length.",
    fix: "Shorten the text, raise the context length, or tokenize with truncate = true (keeps the first tokens, EOT last).",
  },
  VLP_TOKENIZER_FILE: {
    summary: "A tokenizer file is missing, unreadable or not in the expected container (gzip, UTF-8 text).",
    fix:
      "Check the path. The CLIP BPE file is openai's bpe_simple_vocab_16e6.txt.gz; Hugging Face files are " +
      "vocab.json + merges.txt or tokenizer.json. Tests look in ../shared/goldens or VLPROMPT_CLIP_VOCAB.",
  },
  VLP_TOKENIZER_FORMAT: {
    summary: "A tokenizer file was read but its content is not a valid CLIP BPE vocabulary.",
    fix: "Use an unmodified CLIP tokenizer file (openai bpe_simple_vocab_16e6.txt.gz or a Hugging Face CLIP tokenizer).",
  },
  VLP_TOKENIZER_CONTEXT: {
    summary: "The context length is not an integer of at least 2 (room for SOT and EOT).",
    fix: "Pass the text encoder's context length (77 for the released CLIP models).",
  },
  VLP_TOKENIZER_INPUT: {
    summary: "A value given to the tokenizer is not a string (or an array of strings).",
    fix: "Pass text as a string or an array of strings.",
  },
  VLP_TOKENIZER_ID: {
    summary: "A token id to decode is not in the vocabulary.",
    fix: "Decode only ids produced by the same tokenizer (0 <= id < vocabSize).",
  },
  VLP_TOKENIZER_VOCAB: {
    summary: "A word-level vocabulary is invalid (bad ids, or words the word splitter can never produce).",
    fix: "Give single words (letters/digits, or one punctuation character), non-negative integer ids, and EOT as the largest id.",
  },
});
