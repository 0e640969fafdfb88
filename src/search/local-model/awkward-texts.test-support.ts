// Texts that have tripped tokenizers before: accents, symbols outside the vocabulary, astral characters, runs of
// spaces, tabs and newlines, a long repeat. Shared by the encoder's tests (sentence-encoder, prebuilt-encoder).

/** Awkward texts, without the empty string (which only a batch with other texts may hold). */
export const AWKWARD_TEXTS: readonly string[] = [
  " ",
  "cannot sign in after password reset",
  "héllo wörld ☃ 𝔘nicode ½ ﬁle",
  "double  spaces   and\ttabs\nnewlines",
  "ЮНИКОД 日本語のテキスト 🙂🙂",
  "x".repeat(300),
];
