// What "Check" and "Solve all problems" (the spec's code lenses) report, from
// the same analysis the language server and the trainer use.
import { analyzeSpec } from '../../core/spec/analyze';
import { solveProblem } from '../../core/spec/solve-cache';

/** `1 error`, `2 warnings`. */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export interface CheckReport {
  errors: number;
  warnings: number;
  /** One sentence for a notification. */
  summary: string;
}

export function checkReport(label: string, text: string): CheckReport {
  const analysis = analyzeSpec(text);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  const warnings = analysis.diagnostics.filter((d) => d.severity === 'warning').length;
  if (errors.length > 0) {
    const first = errors[0]!;
    return {
      errors: errors.length,
      warnings,
      summary: `${label}: ${count(errors.length, 'error')}, ${count(warnings, 'warning')}. First, line ${first.range.start.line + 1}: ${first.message}`,
    };
  }
  const c = analysis.config;
  const numbers = c.task.numbers.min === c.task.numbers.max ? `${c.task.numbers.min}` : `${c.task.numbers.min}..${c.task.numbers.max}`;
  return {
    errors: 0,
    warnings,
    summary:
      `${label}: ready to train${warnings ? ` (${count(warnings, 'warning')})` : ''}. ` +
      `${c.task.train} train / ${c.task.test} test problems with ${numbers} numbers; model ${c.model.preset} ` +
      `(${c.model.layers} layers, width ${c.model.width}); ${c.pretrain.steps} pretraining steps, ${c.rl.steps} ${c.rl.algorithm} steps; device ${c.device}.`,
  };
}

/** A text report: every problem line of the spec with a solution or the fact that it has none. */
export function solutionsReport(label: string, text: string): string {
  const analysis = analyzeSpec(text);
  const operators = analysis.config.task.operators;
  const lines = [`# Solutions for the problems in ${label} (operators ${operators.join(' ')})`, ''];
  if (analysis.problems.length === 0) lines.push('The spec has no `problems` block with problem lines.');
  for (const { problem, line } of analysis.problems) {
    const { solvable, solutions } = solveProblem(problem, operators);
    const where = `line ${line.numbers[0] ? line.numbers[0].range.start.line + 1 : '?'}`;
    lines.push(`${problem.numbers.join(' ')} -> ${problem.target}    ${solvable ? `= ${solutions[0]}` : 'cannot be solved'}    (${where})`);
  }
  return lines.join('\n') + '\n';
}
