// Character-level tokenizer over printable ASCII and newline, plus the special
// tokens the Countdown format needs. Each special's literal text always encodes
// to its single token, so decode(encode(text)) === text for every valid text.

const SPECIAL_TEXTS = ['<think>', '</think>', '<answer>', '</answer>'] as const;

/** Ids 0 and 1 are control tokens that have no text: padding and end of sequence. */
const PAD_ID = 0;
const END_ID = 1;
const FIRST_SPECIAL_ID = 2;
const FIRST_CHAR_ID = FIRST_SPECIAL_ID + SPECIAL_TEXTS.length;

/** Printable ASCII (space .. tilde) and newline, in code-point order. */
const CHARACTERS = ['\n', ...Array.from({ length: 127 - 32 }, (_, i) => String.fromCharCode(32 + i))];

export class TokenizerError extends Error {}

export class Tokenizer {
  readonly pad = PAD_ID;
  readonly end = END_ID;
  readonly thinkOpen = FIRST_SPECIAL_ID;
  readonly thinkClose = FIRST_SPECIAL_ID + 1;
  readonly answerOpen = FIRST_SPECIAL_ID + 2;
  readonly answerClose = FIRST_SPECIAL_ID + 3;
  readonly vocabSize = FIRST_CHAR_ID + CHARACTERS.length;

  private readonly charIds = new Map<string, number>(CHARACTERS.map((c, i) => [c, FIRST_CHAR_ID + i]));
  private readonly texts: string[] = ['', '', ...SPECIAL_TEXTS, ...CHARACTERS];

  encode(text: string): number[] {
    const ids: number[] = [];
    let i = 0;
    while (i < text.length) {
      const special = text[i] === '<' ? SPECIAL_TEXTS.findIndex((s) => text.startsWith(s, i)) : -1;
      if (special >= 0) {
        ids.push(FIRST_SPECIAL_ID + special);
        i += SPECIAL_TEXTS[special]!.length;
        continue;
      }
      const id = this.charIds.get(text[i]!);
      if (id === undefined) {
        const char = String.fromCodePoint(text.codePointAt(i)!);
        const code = `U+${text.codePointAt(i)!.toString(16).toUpperCase().padStart(4, '0')}`;
        throw new TokenizerError(
          `cannot encode character ${JSON.stringify(char)} (${code}) at position ${i}: ` +
            'the tokenizer knows printable ASCII and newline only; remove or replace it',
        );
      }
      ids.push(id);
      i += 1;
    }
    return ids;
  }

  /** Text of the ids; `pad` and `end` have no text and decode to nothing. */
  decode(ids: readonly number[]): string {
    let text = '';
    for (const id of ids) {
      const piece = this.texts[id];
      if (piece === undefined || !Number.isInteger(id)) {
        throw new TokenizerError(`cannot decode token id ${id}: ids run from 0 to ${this.vocabSize - 1}`);
      }
      text += piece;
    }
    return text;
  }

  /** Printable name of one token, for traces and debugging (`<pad>`, `<end>`, `a`). */
  tokenName(id: number): string {
    if (id === PAD_ID) return '<pad>';
    if (id === END_ID) return '<end>';
    return this.decode([id]);
  }
}
