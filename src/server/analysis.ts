// One parse and one analysis per document version, shared by every feature: a
// keystroke parses and validates once however many requests follow it.
// Completion needs only the tree, so it does not wait for validation, and
// only the part of it up to the cursor's block.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type SpecAnalysis, analyzeSpec } from '../core/spec/analyze';
import { parse, parseThrough } from '../core/spec/parser';
import type { Position, SpecDocument } from '../core/spec/syntax';

const analyses = new WeakMap<TextDocument, { version: number; analysis: SpecAnalysis }>();
const trees = new WeakMap<TextDocument, { version: number; tree: SpecDocument }>();

export function analysisOf(document: TextDocument): SpecAnalysis {
  const hit = analyses.get(document);
  if (hit && hit.version === document.version) return hit.analysis;
  const analysis = analyzeSpec(document.getText());
  analyses.set(document, { version: document.version, analysis });
  trees.set(document, { version: document.version, tree: analysis.document });
  return analysis;
}

export function treeOf(document: TextDocument): SpecDocument {
  const hit = trees.get(document);
  if (hit && hit.version === document.version) return hit.tree;
  const tree = parse(document.getText()).document;
  trees.set(document, { version: document.version, tree });
  return tree;
}

/**
 * Enough of the tree for the cursor context at `pos` (see parseThrough): the
 * whole tree when this version has one, else a parse that stops after the
 * cursor's block, so completion does not wait for the rest of a long file.
 */
export function treeAround(document: TextDocument, pos: Position): SpecDocument {
  const hit = trees.get(document);
  if (hit && hit.version === document.version) return hit.tree;
  return parseThrough(document.getText(), pos);
}
