// Document formatting: the core formatter, as one whole-document edit (none
// when the text is already canonical or has syntax errors).
import type { FormattingOptions, TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { formatSpec } from '../core/spec/format';

export function doFormat(document: TextDocument, options: FormattingOptions): TextEdit[] {
  const text = document.getText();
  const indent = options.insertSpaces ? ' '.repeat(options.tabSize) : '\t';
  const formatted = formatSpec(text, { indent });
  if (formatted === null || formatted === text) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: document.positionAt(text.length) }, newText: formatted }];
}
