// `rlab solve`: is a problem solvable, and how.
import { type Command, Option } from 'commander';
import { type Problem, toProblem } from '../../core/countdown/problem';
import { solve } from '../../core/countdown/solver';
import { BadLine, parseInteger, runBatch } from './batch';

interface SolveOptions {
  target?: number;
  all?: boolean;
  json?: boolean;
  jsonl?: string;
}

function checked(value: unknown): Problem {
  const problem = toProblem(value);
  if (typeof problem === 'string') throw new BadLine(problem);
  return problem;
}

export function register(program: Command): void {
  program
    .command('solve')
    .description('Solve a Countdown problem, or a JSON-lines batch of them')
    .argument('[numbers...]', 'the numbers (1 to 6 non-negative integers)')
    .addOption(new Option('-t, --target <n>', 'the target').argParser(parseInteger))
    .option('-a, --all', 'list every distinct solution, not just one')
    .option('--json', 'print one JSON object instead of text')
    .option('--jsonl <file>', 'read {"numbers":[...],"target":N} lines from a file or - (stdin); write one JSON line each')
    .addHelpText('after', '\nExamples:\n  rlab solve 44 19 35 --target 98 --all\n  echo \'{"numbers":[44,19,35],"target":98}\' | rlab solve --jsonl -')
    .action(async (numbers: string[], options: SolveOptions, command: Command) => {
      if (options.jsonl !== undefined) {
        if (numbers.length > 0 || options.target !== undefined)
          command.error('rlab solve: give either numbers with --target, or --jsonl, not both');
        await runBatch(options.jsonl, (value) => {
          const problem = checked(value);
          return { ...problem, ...solve(problem, { all: options.all }) };
        });
        return;
      }
      if (options.target === undefined) command.error('rlab solve: --target <n> is required (or use --jsonl)');
      const parsed = numbers.map((n) => (/^(0|[1-9]\d*)$/.test(n) ? Number(n) : NaN));
      const problem = toProblem({ numbers: parsed, target: options.target });
      if (typeof problem === 'string') command.error(`rlab solve: ${problem.replaceAll('"', '')}`);
      const result = solve(problem, { all: options.all });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...problem, ...result })}\n`);
      } else if (!result.solvable) {
        process.stdout.write(`${problem.numbers.join(' ')} -> ${problem.target}: not solvable\n`);
      } else {
        const count = options.all ? ` (${result.solutions.length} distinct solution${result.solutions.length === 1 ? '' : 's'})` : '';
        process.stdout.write(`${problem.numbers.join(' ')} -> ${problem.target}: solvable${count}\n`);
        for (const s of result.solutions) process.stdout.write(`${s}\n`);
      }
    });
}
