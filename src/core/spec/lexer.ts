// The lexer: text in, tokens with exact ranges out. It never throws; a
// character the language has no use for becomes an `invalid` token that the
// parser reports, and an unclosed string runs to the end of its line (or of
// the file for `"""`) and is flagged.
import type { TokenKind } from './syntax';
import { Token } from './syntax';

const CH_NL = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_TAB = 9;
const CH_HASH = 35;
const CH_QUOTE = 34;
const CH_BACKSLASH = 92;
const CH_DOT = 46;
const CH_MINUS = 45;
const CH_PERCENT = 37;

/** A line that opens a block, like `rl {`, found after an unclosed `"""`. */
const BLOCK_HEADER = /\n[A-Za-z_][A-Za-z0-9_-]*[ \t]*\{/;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === CH_MINUS;
}

export function lex(text: string): Token[] {
  const next = tokenReader(text);
  const tokens: Token[] = [];
  for (let t = next(); t; t = next()) tokens.push(t);
  return tokens;
}

/**
 * The tokens one at a time, `undefined` at the end: a reader that stops early
 * (completion needs only the tokens up to the cursor's block) lexes no further.
 */
export function tokenReader(text: string): () => Token | undefined {
  let token: Token | undefined;
  let i = 0;
  let line = 0;
  let lineStart = 0;
  const n = text.length;

  const skipDigits = (): void => {
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  };
  /** Makes the token read: from `start` (at `startLine`:`startCharacter`) to the current offset. */
  const emit = (kind: TokenKind, start: number, startLine: number, startCharacter: number): Token => {
    token = new Token(kind, text, start, i, startLine, startCharacter, line, i - lineStart);
    return token;
  };

  const lexNumber = (start: number, startLine: number, startCharacter: number): void => {
    skipDigits();
    if (text.charCodeAt(i) === CH_DOT && text.charCodeAt(i + 1) === CH_DOT) {
      i += 2;
      skipDigits();
      emit('range', start, startLine, startCharacter);
      return;
    }
    if (text.charCodeAt(i) === CH_DOT && isDigit(text.charCodeAt(i + 1))) {
      i++;
      skipDigits();
    }
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      const sign = text.charCodeAt(i + 1);
      const off = sign === 43 || sign === CH_MINUS ? 2 : 1;
      if (isDigit(text.charCodeAt(i + off))) {
        i += off;
        skipDigits();
      }
    }
    if (text.charCodeAt(i) === CH_PERCENT) i++;
    // `12abc` is one malformed token, not a number followed by a word.
    while (i < n && (isWordStart(text.charCodeAt(i)) || isDigit(text.charCodeAt(i)))) i++;
    emit('number', start, startLine, startCharacter);
  };

  return (): Token | undefined => {
    token = undefined;
    while (i < n && !token) lexOne();
    return token;
  };

  /** Reads one token, or one space or tab. */
  function lexOne(): void {
    const c = text.charCodeAt(i);
    const start = i;
    const startLine = line;
    const startCharacter = i - lineStart;
    if (c === CH_SPACE || c === CH_TAB) {
      i++;
    } else if (c === CH_NL || c === CH_CR) {
      i += c === CH_CR && text.charCodeAt(i + 1) === CH_NL ? 2 : 1;
      emit('newline', start, startLine, startCharacter);
      line++;
      lineStart = i;
    } else if (c === CH_HASH) {
      while (i < n && text.charCodeAt(i) !== CH_NL && text.charCodeAt(i) !== CH_CR) i++;
      emit('comment', start, startLine, startCharacter);
    } else if (c === CH_QUOTE) {
      if (text.startsWith('"""', i)) {
        const close = text.indexOf('"""', i + 3);
        // Unclosed: the string stops before the next block header at the start of a line,
        // so the rest of the file is still read (the missing `"""` is reported).
        const header = close < 0 ? BLOCK_HEADER.exec(text.slice(i + 3)) : null;
        const bodyEnd = close >= 0 ? close : header ? i + 3 + header.index : n;
        const stop = close >= 0 ? close + 3 : bodyEnd;
        const body = text.slice(i + 3, bodyEnd);
        // Advance line bookkeeping across the string's own newlines.
        for (let k = i; k < stop; k++) {
          const d = text.charCodeAt(k);
          if (d === CH_NL || (d === CH_CR && text.charCodeAt(k + 1) !== CH_NL)) {
            line++;
            lineStart = k + 1;
          }
        }
        i = stop;
        const str = emit('string', start, startLine, startCharacter);
        str.value = dedent(body);
        str.multiline = true;
        str.unterminated = close < 0;
      } else {
        i++;
        let value = '';
        let closed = false;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === CH_NL || d === CH_CR) break;
          if (d === CH_QUOTE) {
            i++;
            closed = true;
            break;
          }
          if (d === CH_BACKSLASH && i + 1 < n) {
            const e = text[i + 1];
            value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
            i += 2;
            continue;
          }
          value += text[i];
          i++;
        }
        const str = emit('string', start, startLine, startCharacter);
        str.value = value;
        str.unterminated = !closed;
      }
    } else if (c === 123 || c === 125) {
      i++;
      emit(c === 123 ? 'lbrace' : 'rbrace', start, startLine, startCharacter);
    } else if (c === CH_MINUS && text.charCodeAt(i + 1) === 62) {
      i += 2;
      emit('arrow', start, startLine, startCharacter);
    } else if (isDigit(c)) {
      lexNumber(start, startLine, startCharacter);
    } else if (isWordStart(c)) {
      while (i < n && isWordPart(text.charCodeAt(i))) i++;
      emit('word', start, startLine, startCharacter);
    } else if (c === 43 || c === CH_MINUS || c === 42 || c === 47) {
      i++;
      emit('symbol', start, startLine, startCharacter);
    } else {
      // One whole code point, so a surrogate pair is not split.
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
      emit('invalid', start, startLine, startCharacter);
    }
  }
}

/** Drops the line break after `"""`, the indentation before the closing `"""`, and the common indentation. */
function dedent(body: string): string {
  let lines = body.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 1 && lines[0]!.trim() === '') lines = lines.slice(1);
  if (lines.length > 1 && lines[lines.length - 1]!.trim() === '') lines = lines.slice(0, -1);
  let indent = Infinity;
  for (const l of lines) {
    if (l.trim() === '') continue;
    indent = Math.min(indent, l.length - l.trimStart().length);
  }
  if (!Number.isFinite(indent) || indent === 0) return lines.join('\n');
  return lines.map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n');
}
