// The outline (document symbols) and folding ranges.
import type { DocumentSymbol, FoldingRange } from 'vscode-languageserver';
import { FoldingRangeKind, SymbolKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Entry, Item } from '../core/spec/syntax';
import { treeOf } from './analysis';

export function documentSymbols(document: TextDocument): DocumentSymbol[] {
  return treeOf(document).items.filter((i) => i.kind === 'setting' || i.name.text !== '').map(symbolOf);
}

function symbolOf(node: Item | Entry): DocumentSymbol {
  if (node.kind === 'block') {
    return {
      name: node.name.text,
      kind: SymbolKind.Namespace,
      range: node.range,
      selectionRange: node.name.range,
      children: node.entries.map(symbolOf),
    };
  }
  if (node.kind === 'problem') {
    const text = [...node.numbers.map((t) => t.text), node.arrow?.text, node.target?.text].filter(Boolean).join(' ');
    return { name: text, kind: SymbolKind.Event, range: node.range, selectionRange: node.range };
  }
  const detail = node.values.map((t) => (t.multiline ? '"""…"""' : t.text)).join(' ');
  return { name: node.key.text, detail, kind: SymbolKind.Property, range: node.range, selectionRange: node.key.range };
}

export function foldingRanges(document: TextDocument): FoldingRange[] {
  const spec = treeOf(document);
  const ranges: FoldingRange[] = [];
  for (const item of spec.items) {
    if (item.kind !== 'block') continue;
    const end = item.close ? item.close.range.start.line - 1 : item.range.end.line;
    if (end > item.open.range.start.line) ranges.push({ startLine: item.open.range.start.line, endLine: end });
  }
  for (const t of spec.tokens) {
    if (t.kind === 'string' && t.range.end.line > t.range.start.line) ranges.push({ startLine: t.range.start.line, endLine: t.range.end.line });
  }
  // Runs of whole-line comments fold together.
  let runStart = -2;
  let runEnd = -2;
  const flush = (): void => {
    if (runEnd > runStart) ranges.push({ startLine: runStart, endLine: runEnd, kind: FoldingRangeKind.Comment });
  };
  for (const c of spec.comments) {
    const line = c.range.start.line;
    if (c.range.start.character !== lineIndent(spec.text, c.start)) continue;
    if (line === runEnd + 1) runEnd = line;
    else {
      flush();
      runStart = runEnd = line;
    }
  }
  flush();
  return ranges;
}

/** The column of the first non-blank character of the line holding `offset`. */
function lineIndent(text: string, offset: number): number {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  let i = start;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i - start;
}
