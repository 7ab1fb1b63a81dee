// One analysis per document version, shared by every feature: a keystroke
// parses and validates once however many requests follow it.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type SpecAnalysis, analyzeSpec } from '../core/spec/analyze';

const cache = new WeakMap<TextDocument, { version: number; analysis: SpecAnalysis }>();

export function analysisOf(document: TextDocument): SpecAnalysis {
  const hit = cache.get(document);
  if (hit && hit.version === document.version) return hit.analysis;
  const analysis = analyzeSpec(document.getText());
  cache.set(document, { version: document.version, analysis });
  return analysis;
}
