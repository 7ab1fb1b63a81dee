// Semantic tokens: block names, keys, enumerated values, numbers, strings and
// operators, coloured by what the schema says they are rather than by shape.
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver';
import { SemanticTokensBuilder } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findBlock, findKey, findSetting } from '../core/spec/schema';
import type { Entry, Item, Token } from '../core/spec/syntax';
import { treeOf } from './analysis';

const TYPES = ['namespace', 'property', 'enumMember', 'number', 'string', 'operator', 'comment'] as const;
type TokenType = (typeof TYPES)[number];

export const SEMANTIC_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [] };

export function semanticTokens(document: TextDocument): SemanticTokens {
  const spec = treeOf(document);
  const marks: { token: Token; type: TokenType }[] = [];
  const visit = (node: Item | Entry, blockName: string | null): void => {
    if (node.kind === 'block') {
      if (findBlock(node.name.text)) marks.push({ token: node.name, type: 'namespace' });
      for (const e of node.entries) visit(e, node.name.text);
      return;
    }
    if (node.kind === 'problem') {
      for (const t of [...node.numbers, ...(node.target ? [node.target] : [])]) marks.push({ token: t, type: 'number' });
      if (node.arrow) marks.push({ token: node.arrow, type: 'operator' });
      return;
    }
    const block = blockName === null ? undefined : findBlock(blockName);
    const spec = blockName === null ? findSetting(node.key.text) : block && findKey(block, node.key.text);
    if (spec) marks.push({ token: node.key, type: 'property' });
    for (const v of node.values) {
      if (v.kind === 'number' || v.kind === 'range') marks.push({ token: v, type: 'number' });
      else if (v.kind === 'string') marks.push({ token: v, type: 'string' });
      else if (v.kind === 'symbol') marks.push({ token: v, type: 'operator' });
      else if (v.kind === 'word' && spec?.type.choices?.some((c) => c.value === v.text)) marks.push({ token: v, type: 'enumMember' });
    }
  };
  for (const item of spec.items) visit(item, null);
  for (const c of spec.comments) marks.push({ token: c, type: 'comment' });
  marks.sort((a, b) => a.token.start - b.token.start);
  const builder = new SemanticTokensBuilder();
  for (const { token, type } of marks) {
    const index = TYPES.indexOf(type);
    // Semantic tokens are single-line: a `"""` string is sent line by line.
    const lines = token.text.split(/\r\n|\r|\n/);
    lines.forEach((text, i) => {
      const line = token.range.start.line + i;
      const character = i === 0 ? token.range.start.character : 0;
      if (text.length) builder.push(line, character, text.length, index, 0);
    });
  }
  return builder.build();
}
