// Where a position sits in a spec: which block, and whether the cursor is on a
// key, on a value of a key, or on a problem line. Completion and hover ask this.
import type { BlockSpec, KeySpec } from '../core/spec/schema';
import { findBlock, findKey, findSetting } from '../core/spec/schema';
import type { Block, Position, Setting, SpecDocument, Token } from '../core/spec/syntax';
import { blockHolds, rangeContains } from '../core/spec/syntax';

export interface CursorContext {
  /** The block the cursor is in (its braces), if any. */
  block: Block | null;
  blockSpec: BlockSpec | undefined;
  /** The tokens of the cursor's line before the cursor (comments excluded). */
  before: Token[];
  /** The token under the cursor, if any. */
  token: Token | null;
  /** The setting of this line, if the line is one. */
  setting: Setting | null;
  keySpec: KeySpec | undefined;
  /** The cursor is in a comment or inside a string, where nothing completes. */
  inText: boolean;
}

export function contextAt(document: SpecDocument, pos: Position): CursorContext {
  let block: Block | null = null;
  for (const item of document.items) {
    if (item.kind === 'block' && blockHolds(item, pos)) block = item;
  }
  const before: Token[] = [];
  let token: Token | null = null;
  let inText = false;
  for (const t of lineTokens(document, pos.line)) {
    const startsBefore = t.line < pos.line || t.character < pos.character;
    if (t.kind === 'comment' && t.line === pos.line && startsBefore) inText = true;
    if (t.kind === 'string' && startsBefore && (t.endLine > pos.line || t.endCharacter > pos.character || t.unterminated)) inText = true;
    if (t.kind === 'comment' || t.kind === 'newline') continue;
    if (t.range.end.line === pos.line && t.range.end.character <= pos.character && t.range.start.line === pos.line) before.push(t);
    if (rangeContains(t.range, pos)) token = t;
  }
  // `model { preset |`: what counts is the part of the line after the block opens.
  const opened = before.map((t) => t.kind).lastIndexOf('lbrace');
  if (opened >= 0) before.splice(0, opened + 1);
  const entries = block ? block.entries : document.items;
  let setting: Setting | null = null;
  for (const e of entries) {
    if (e.kind === 'setting' && rangeContains({ start: e.key.range.start, end: { line: e.range.end.line, character: Number.MAX_SAFE_INTEGER } }, pos)) setting = e;
  }
  const blockSpec = block ? findBlock(block.name.text) : undefined;
  const keySpec = setting ? (block ? (blockSpec ? findKey(blockSpec, setting.key.text) : undefined) : findSetting(setting.key.text)) : undefined;
  return { block, blockSpec, before, token, setting, keySpec, inText };
}

/** Tokens starting on a line, found by binary search over the document's tokens. */
function lineTokens(document: SpecDocument, line: number): Token[] {
  const tokens = document.tokens;
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.range.end.line < line) lo = mid + 1;
    else hi = mid;
  }
  const out: Token[] = [];
  for (let i = lo; i < tokens.length && tokens[i]!.range.start.line <= line; i++) out.push(tokens[i]!);
  return out;
}
