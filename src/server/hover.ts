// Hover: the schema's words for blocks, keys and values; on a problem line,
// whether it can be solved and one solution from the core solver.
import type { Hover, Position } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { blockMarkdown, keyMarkdown, valueMarkdown } from '../core/spec/describe';
import { findBlock } from '../core/spec/schema';
import { solveProblem } from '../core/spec/solve-cache';
import { rangeContains } from '../core/spec/syntax';
import { analysisOf } from './analysis';
import { contextAt } from './context';

export function doHover(document: TextDocument, position: Position): Hover | null {
  const analysis = analysisOf(document);
  const located = analysis.problems.find((p) => rangeContains(p.line.range, position));
  if (located) {
    const { problem } = located;
    const { operators } = analysis.config.task;
    const solution = solveProblem(problem, operators);
    const title = `**${problem.numbers.join(' ')} -> ${problem.target}**`;
    const value = solution.solvable
      ? `${title}: solvable\n\n\`\`\`\n${solution.solutions[0]} = ${problem.target}\n\`\`\``
      : `${title}: **not solvable**: no expression with ${operators.join(' ')} using each number once makes ${problem.target}`;
    return { contents: { kind: MarkupKind.Markdown, value }, range: located.line.range };
  }
  const ctx = contextAt(analysis.document, position);
  const token = ctx.token;
  if (!token || token.kind === 'comment') return null;
  const md = (value: string) => ({ contents: { kind: MarkupKind.Markdown, value }, range: token.range });

  for (const item of analysis.document.items) {
    if (item.kind === 'block' && item.name === token) {
      const spec = findBlock(token.text);
      return spec ? md(blockMarkdown(spec)) : null;
    }
  }
  if (!ctx.setting || !ctx.keySpec) return null;
  if (token === ctx.setting.key) return md(keyMarkdown(ctx.keySpec, ctx.blockSpec));
  const valueDoc = valueMarkdown(ctx.keySpec, token.text);
  return valueDoc ? md(valueDoc) : md(keyMarkdown(ctx.keySpec, ctx.blockSpec));
}
