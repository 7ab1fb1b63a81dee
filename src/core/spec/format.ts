// The canonical layout of a `.countdown` file: one entry per line, block
// bodies indented, values of a block aligned two columns past its longest
// key, trailing comments of a block aligned, one blank line at most between
// entries. It only moves whitespace (strings, including `"""` ones, are kept
// byte for byte), and a file with syntax errors is left alone, because there
// the tree may not say what the author meant.
import { parse } from './parser';
import type { Block, Entry, Item, Token } from './syntax';

export interface FormatOptions {
  /** One level of indentation. */
  indent: string;
}

/** The formatted text, or null when the file has syntax errors. */
export function formatSpec(text: string, options: FormatOptions = { indent: '  ' }): string | null {
  const { document, diagnostics } = parse(text);
  if (diagnostics.length) return null;
  const comments = document.comments;
  let next = 0; // the first comment not yet printed
  const out: string[] = [];
  let lastLine = -1; // the last source line printed
  let afterOpen = false; // nothing printed yet in the current block

  const gap = (line: number): void => {
    if (lastLine >= 0 && line > lastLine + 1 && !afterOpen && out.length) out.push('');
  };
  const commentsBefore = (line: number, indent: string): void => {
    while (next < comments.length && comments[next]!.range.start.line < line) {
      const c = comments[next++]!;
      gap(c.range.start.line);
      out.push(indent + c.text.trimEnd());
      lastLine = c.range.end.line;
      afterOpen = false;
    }
  };
  const trailing = (line: number): Token | null => {
    const c = comments[next];
    if (c && c.range.start.line === line) {
      next++;
      return c;
    }
    return null;
  };
  const values = (tokens: Token[]): string => tokens.map((t) => t.text).join(' ');
  const lineOf = (entry: Entry | Item): string => {
    if (entry.kind === 'problem') {
      return [values(entry.numbers), entry.arrow?.text, entry.target?.text, ...entry.extra.map((t) => t.text)].filter(Boolean).join(' ');
    }
    if (entry.kind === 'setting') return entry.values.length ? `${entry.key.text} ${values(entry.values)}` : entry.key.text;
    return entry.name.text;
  };

  const printBlock = (block: Block): void => {
    const indent = options.indent;
    commentsBefore(block.name.range.start.line, '');
    gap(block.name.range.start.line);
    const headerComment = block.entries.length && block.entries[0]!.range.start.line === block.open.range.start.line ? null : trailing(block.open.range.start.line);
    const closeLine = block.close!.range.start.line;
    const hasInnerComments = next < comments.length && comments[next]!.range.start.line < closeLine;
    if (!block.entries.length && !hasInnerComments && !headerComment) {
      out.push(`${block.name.text} { }${suffix(trailing(closeLine))}`);
      lastLine = closeLine;
      return;
    }
    out.push(`${block.name.text} {${suffix(headerComment)}`);
    lastLine = block.open.range.start.line;
    afterOpen = true;
    const width = Math.max(0, ...block.entries.map((e) => (e.kind === 'setting' ? e.key.text.length : 0)));
    const rows: { entry: Entry; text: string; comment: Token | null }[] = [];
    // First pass: texts and comments in order, so alignment sees the whole block.
    const pending: (string | { row: number })[] = [];
    for (const entry of block.entries) {
      const before: string[] = [];
      while (next < comments.length && comments[next]!.range.start.line < entry.range.start.line) {
        const c = comments[next++]!;
        if (c.range.start.line > lastLine + 1 && !afterOpen) before.push('');
        before.push(indent + c.text.trimEnd());
        lastLine = c.range.end.line;
        afterOpen = false;
      }
      if (entry.range.start.line > lastLine + 1 && !afterOpen && !before.length) before.push('');
      pending.push(...before);
      const text =
        entry.kind === 'setting' && entry.values.length ? `${entry.key.text.padEnd(width)}  ${values(entry.values)}` : lineOf(entry);
      rows.push({ entry, text, comment: trailing(entry.range.end.line) });
      pending.push({ row: rows.length - 1 });
      lastLine = entry.range.end.line;
      afterOpen = false;
    }
    const commented = rows.filter((r) => r.comment && !r.text.includes('\n'));
    const commentColumn = Math.max(0, ...commented.map((r) => r.text.length)) + 2;
    for (const p of pending) {
      if (typeof p === 'string') {
        out.push(p);
        continue;
      }
      const r = rows[p.row]!;
      const body = indent + r.text;
      if (!r.comment) out.push(body);
      else if (r.text.includes('\n')) out.push(`${body}  ${r.comment.text.trimEnd()}`);
      else out.push(`${indent}${r.text.padEnd(commentColumn)}${r.comment.text.trimEnd()}`);
    }
    // Comments between the last entry and the `}` stay inside the block.
    while (next < comments.length && comments[next]!.range.start.line < closeLine) {
      const c = comments[next++]!;
      if (c.range.start.line > lastLine + 1 && !afterOpen) out.push('');
      out.push(indent + c.text.trimEnd());
      lastLine = c.range.end.line;
      afterOpen = false;
    }
    out.push(`}${suffix(trailing(closeLine))}`);
    lastLine = closeLine;
    afterOpen = false;
  };

  for (const item of document.items) {
    if (item.kind === 'block') {
      printBlock(item);
      continue;
    }
    commentsBefore(item.range.start.line, '');
    gap(item.range.start.line);
    out.push(`${lineOf(item)}${suffix(trailing(item.range.end.line))}`);
    lastLine = item.range.end.line;
    afterOpen = false;
  }
  commentsBefore(Number.MAX_SAFE_INTEGER, '');
  return out.length ? `${out.join('\n')}\n` : '';
}

function suffix(comment: Token | null): string {
  return comment ? `  ${comment.text.trimEnd()}` : '';
}
