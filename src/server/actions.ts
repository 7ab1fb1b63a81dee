// Quick fixes (from the fixes the validator attaches to its diagnostics) and
// the code lenses that hand a spec to the extension's commands.
import type { CodeAction, CodeLens, Range } from 'vscode-languageserver';
import { CodeActionKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { COMMANDS } from '../core/protocol/commands';
import { toLspDiagnostic } from './diagnostics';
import { analysisOf } from './analysis';
import { environmentDiagnostics } from './environment';

/** The extension's commands the lenses run; each takes `[documentUri]`. */
export const LENS_COMMANDS = {
  train: COMMANDS.startTraining,
  check: COMMANDS.checkSpec,
  solve: COMMANDS.solveProblems,
} as const;

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

export function codeActions(document: TextDocument, range: Range): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of analysisOf(document).diagnostics) {
    if (!d.fixes?.length || !overlaps(d.range, range)) continue;
    for (const fix of d.fixes) {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [toLspDiagnostic(d)],
        isPreferred: fix.preferred ?? false,
        edit: { changes: { [document.uri]: fix.edits } },
      });
    }
  }
  return actions;
}

export function codeLenses(document: TextDocument): CodeLens[] {
  const analysis = analysisOf(document);
  const top: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const args = [document.uri];
  const blocked = analysis.hasErrors || environmentDiagnostics(analysis).length > 0;
  const lenses: CodeLens[] = [
    { range: top, command: { title: blocked ? '$(play) Train (fix the errors first)' : '$(play) Train', command: LENS_COMMANDS.train, arguments: args } },
    { range: top, command: { title: '$(check) Check', command: LENS_COMMANDS.check, arguments: args } },
  ];
  const problems = analysis.blocks.get('problems');
  if (problems && analysis.problems.length) {
    const n = analysis.problems.length;
    lenses.push({
      range: problems.name.range,
      command: { title: `$(symbol-numeric) Solve all problems (${n})`, command: LENS_COMMANDS.solve, arguments: args },
    });
  }
  return lenses;
}
