// Source positions, tokens and the parse tree of a `.countdown` file. Positions
// are LSP-compatible (zero-based line, UTF-16 character) so the language server
// passes them through unchanged.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type TokenKind =
  | 'word' // task, max-tokens, dr-grpo
  | 'number' // 3, 1e-4, 0.2, 10%
  | 'range' // 1..99
  | 'symbol' // + - * /
  | 'arrow' // ->
  | 'string' // "..." or """..."""
  | 'lbrace'
  | 'rbrace'
  | 'comment'
  | 'newline'
  | 'invalid'; // a character the language has no use for

/**
 * One token. Positions are stored as plain numbers and `range` is built on
 * demand, and so are the text and (on one line) the end position: a 5,000-line spec has tens of thousands of
 * tokens, and every object or string kept per token is copied by the garbage
 * collector while the tree is being built.
 */
export class Token {
  // Set on string tokens only; `declare` keeps them off every other token.
  /** Decoded content of a string token. */
  declare value?: string;
  /** A string whose closing quote is missing. */
  declare unterminated?: boolean;
  /** A `"""` string. */
  declare multiline?: boolean;

  constructor(
    readonly kind: TokenKind,
    /** The whole source the token was read from; `text` slices it on demand. */
    private readonly source: string,
    /** Offsets into the source text, end exclusive. */
    readonly start: number,
    readonly end: number,
    readonly line: number,
    readonly character: number,
    endLine: number,
    endCharacter: number,
  ) {
    if (endLine !== line || endCharacter !== character + end - start) this.spanEnd = { line: endLine, character: endCharacter };
  }

  /** Where a token that spans lines (a `"""` string) ends; any other ends `end - start` characters on. */
  private declare spanEnd?: Position;

  get endLine(): number {
    return this.spanEnd ? this.spanEnd.line : this.line;
  }

  get endCharacter(): number {
    return this.spanEnd ? this.spanEnd.character : this.character + this.end - this.start;
  }

  /** The exact source text, sliced when asked: most tokens are never read as text. */
  get text(): string {
    return this.source.slice(this.start, this.end);
  }

  /** Whether the text ends with `suffix`, without slicing it. */
  endsWith(suffix: string): boolean {
    return this.end - this.start >= suffix.length && this.source.startsWith(suffix, this.end - suffix.length);
  }

  get range(): Range {
    return { start: { line: this.line, character: this.character }, end: { line: this.endLine, character: this.endCharacter } };
  }
}

/** `key value...` on one line; the values are the rest of the line. */
export interface Setting {
  kind: 'setting';
  key: Token;
  values: Token[];
  range: Range;
}

/** `44 19 35 -> 98` inside `problems { }`. */
export interface ProblemLine {
  kind: 'problem';
  numbers: Token[];
  arrow: Token | null;
  target: Token | null;
  /** Tokens after the target that do not belong to the line. */
  extra: Token[];
  range: Range;
}

export interface Block {
  kind: 'block';
  name: Token;
  open: Token;
  /** null when the file ends (or another block starts) before the `}`. */
  close: Token | null;
  entries: Entry[];
  range: Range;
}

export type Entry = Setting | ProblemLine | Block;
export type Item = Setting | Block;

export interface SpecDocument {
  text: string;
  items: Item[];
  tokens: Token[];
  comments: Token[];
}

export function rangeContains(range: Range, pos: Position): boolean {
  if (pos.line < range.start.line || pos.line > range.end.line) return false;
  if (pos.line === range.start.line && pos.character < range.start.character) return false;
  if (pos.line === range.end.line && pos.character > range.end.character) return false;
  return true;
}

/** From the start of one token to the end of another, without building their ranges. */
export function tokenSpan(first: Token, last: Token): Range {
  return { start: { line: first.line, character: first.character }, end: { line: last.endLine, character: last.endCharacter } };
}

/** Whether `pos` is between a block's braces (after its `{`, up to its `}`; to the end when it has none). */
export function blockHolds(block: Block, pos: Position): boolean {
  const start = block.open.range.end;
  const after = pos.line > start.line || (pos.line === start.line && pos.character >= start.character);
  const end = block.close?.range.start;
  const beforeEnd = !end || pos.line < end.line || (pos.line === end.line && pos.character <= end.character);
  return after && beforeEnd;
}
