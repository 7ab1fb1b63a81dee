// One parse and one analysis per document version, shared by every feature: a
// keystroke parses and validates once however many requests follow it.
// Completion needs only the tree, so it does not wait for validation.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type SpecAnalysis, analyzeSpec } from '../core/spec/analyze';
import { parse } from '../core/spec/parser';
import type { SpecDocument } from '../core/spec/syntax';

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
