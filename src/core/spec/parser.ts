// The parser: tokens in, a tree of blocks, settings and problem lines out,
// with syntax diagnostics. It never throws. Blocks do not nest, so a
// `name {` inside a block means that block lost its `}`: the parser reports
// the unclosed block and carries on at the top level, so one slip does not
// hide the rest of the file.
import type { SpecDiagnostic } from './diagnostic';
import { tokenReader } from './lexer';
import type { Block, Entry, Item, Position, ProblemLine, Setting, SpecDocument } from './syntax';
import { Token, blockHolds, tokenSpan } from './syntax';

export interface ParseResult {
  document: SpecDocument;
  diagnostics: SpecDiagnostic[];
}

/** The `extra` of every well-formed problem line: one shared empty array, never written to. */
const NO_TOKENS: Token[] = Object.freeze([]) as unknown as Token[];

export function parse(text: string): ParseResult {
  return parseUntil(text, null);
}

/**
 * The tree as far as the block that holds `pos`: every item before it, that
 * block whole, and every token through the cursor's line. Later items cannot
 * hold the cursor, so what a cursor context reads is the same as in the full
 * tree. Outside any block the whole file is parsed, since the top level needs
 * every item. Completion asks this on each keystroke of a long spec.
 */
export function parseThrough(text: string, pos: Position): SpecDocument {
  return parseUntil(text, pos).document;
}

function parseUntil(text: string, stop: Position | null): ParseResult {
  const read = tokenReader(text);
  const tokens: Token[] = [];
  const comments: Token[] = [];
  /** The tokens read so far without comments; `at(k)` reads on as far as k. */
  const code: Token[] = [];
  const lexical: SpecDiagnostic[] = [];
  const diagnostics: SpecDiagnostic[] = [];
  let i = 0;

  const error = (token: Token, message: string): void => {
    diagnostics.push({ range: token.range, severity: 'error', code: 'syntax', message });
  };

  const at = (k: number): Token | undefined => {
    while (code.length <= k) {
      const t = read();
      if (!t) return undefined;
      tokens.push(t);
      if (t.kind === 'comment') {
        comments.push(t);
        continue;
      }
      code.push(t);
      const message =
        t.kind === 'invalid'
          ? `unexpected character \`${t.text}\`; values are numbers, ranges like 1..99, words, + - * / or "strings"`
          : t.kind === 'string' && t.unterminated
            ? t.multiline
              ? 'this `"""` string is never closed; add `"""` after its last line'
              : 'this string is never closed; add `"` before the end of the line'
            : null;
      if (message) lexical.push({ range: t.range, severity: 'error', code: 'syntax', message });
    }
    return code[k];
  };

  const skipNewlines = (): void => {
    while (at(i)?.kind === 'newline') i++;
  };

  /** The tokens up to the end of the line, stopping before `}` or `{`. */
  const restOfLine = (): Token[] => {
    const out: Token[] = [];
    for (let t = at(i); t; t = at(++i)) {
      if (t.kind === 'newline' || t.kind === 'rbrace' || t.kind === 'lbrace') break;
      out.push(t);
    }
    return out;
  };

  const parseSetting = (key: Token): Setting => {
    const values = restOfLine();
    const last = values.length ? values[values.length - 1]! : key;
    return { kind: 'setting', key, values, range: tokenSpan(key, last) };
  };

  // One pass over the line without intermediate arrays: a problems block may hold thousands of lines.
  const parseProblem = (): ProblemLine => {
    const from = i;
    const first = code[i]!;
    let last = first;
    let numbersEnd = -1;
    let arrow: Token | null = null;
    let target: Token | null = null;
    let extra: Token[] = NO_TOKENS;
    for (let t = at(i); t; t = at(++i)) {
      if (t.kind === 'newline' || t.kind === 'rbrace' || t.kind === 'lbrace') break;
      last = t;
      if (arrow === null && t.kind === 'arrow') {
        arrow = t;
        numbersEnd = i;
      } else if (arrow === null) continue;
      else if (target === null) target = t;
      else if (extra === NO_TOKENS) extra = [t];
      else extra.push(t);
    }
    // Sliced at their exact length: a pushed-to array reserves room for 16 tokens.
    const numbers = code.slice(from, numbersEnd < 0 ? i : numbersEnd);
    return { kind: 'problem', numbers, arrow, target, extra, range: tokenSpan(first, last) };
  };

  const parseBlock = (name: Token, open: Token, nested: boolean): Block => {
    const entries: Entry[] = [];
    let close: Token | null = null;
    for (;;) {
      skipNewlines();
      const t = at(i);
      if (!t) {
        error(open, `block \`${name.text}\` is never closed; add \`}\` after its last line`);
        break;
      }
      if (t.kind === 'rbrace') {
        close = t;
        i++;
        break;
      }
      if (t.kind === 'word' && at(i + 1)?.kind === 'lbrace') {
        if (nested) {
          error(open, `block \`${name.text}\` is never closed; add \`}\` after its last line`);
          break;
        }
        // Blocks do not nest: the current one is missing its `}`.
        error(open, `block \`${name.text}\` is never closed; add \`}\` before \`${t.text} {\``);
        break;
      }
      if (t.kind === 'word') {
        i++;
        entries.push(parseSetting(t));
      } else if (t.kind === 'number' || t.kind === 'range') {
        entries.push(parseProblem());
      } else if (t.kind === 'lbrace') {
        error(t, 'unexpected `{`: a block starts with its name, like `rl {`');
        i++;
      } else {
        error(t, `expected a key at the start of the line, found \`${t.text}\``);
        restOfLine();
      }
    }
    const lastEntry = entries[entries.length - 1];
    const range = close || !lastEntry ? tokenSpan(name, close ?? open) : { start: tokenSpan(name, name).start, end: lastEntry.range.end };
    return { kind: 'block', name, open, close, entries, range };
  };

  const items: Item[] = [];
  for (;;) {
    skipNewlines();
    const t = at(i);
    if (!t || (stop && t.line > stop.line && holds(items, stop))) break;
    if (t.kind === 'word') {
      i++;
      if (at(i)?.kind === 'lbrace') {
        const open = code[i]!;
        i++;
        items.push(parseBlock(t, open, false));
      } else {
        const setting = parseSetting(t);
        items.push(setting);
        if (at(i)?.kind === 'lbrace') {
          // `task numbers {`: a block name followed by stray words.
          error(code[i]!, `a block is a name followed by \`{\`, like \`${t.text} {\``);
          const open = code[i]!;
          i++;
          items.push(parseBlock(t, open, false));
        }
      }
    } else if (t.kind === 'rbrace') {
      error(t, 'this `}` closes no block; remove it');
      i++;
    } else if (t.kind === 'lbrace') {
      error(t, 'unexpected `{`: a block starts with its name, like `task {`');
      i++;
      items.push(parseBlock(new Token('word', text, t.start, t.start, t.line, t.character, t.line, t.character), t, true));
    } else if (t.kind === 'number' || t.kind === 'range') {
      const line = parseProblem();
      diagnostics.push({
        range: line.range,
        severity: 'error',
        code: 'syntax',
        message: 'a problem line belongs inside `problems { }`',
      });
    } else {
      error(t, `expected a block or a setting at the start of the line, found \`${t.text}\``);
      restOfLine();
    }
  }

  // Lexical errors first, then by position (the sort is stable).
  diagnostics.unshift(...lexical);
  diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { document: { text, items, tokens, comments }, diagnostics };
}

/** Whether a block among `items` holds `pos`, between its braces. */
function holds(items: Item[], pos: Position): boolean {
  return items.some((item) => item.kind === 'block' && blockHolds(item, pos));
}
