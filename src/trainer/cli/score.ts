// `rlab score`: the verifier's verdict and reward for model responses.
import { type Command, Option } from 'commander';
import { toProblem } from '../../core/countdown/problem';
import { DEFAULT_REWARD, scoreAnswer } from '../../core/countdown/verifier';
import { BadLine, parseNumber, runBatch } from './batch';

interface ScoreOptions {
  jsonl: string;
  format: number;
  correct: number;
}

export function register(program: Command): void {
  program
    .command('score')
    .description('Score responses: reads {"numbers":[...],"target":N,"response":"..."} lines, writes {"score","verdict",...} lines')
    .requiredOption('--jsonl <file>', 'input file, or - for stdin')
    .addOption(new Option('--format <x>', 'reward for a well-tagged wrong answer').argParser(parseNumber).default(DEFAULT_REWARD.format))
    .addOption(new Option('--correct <x>', 'reward for a correct answer').argParser(parseNumber).default(DEFAULT_REWARD.correct))
    .action(async (options: ScoreOptions) => {
      const reward = { format: options.format, correct: options.correct };
      await runBatch(options.jsonl, (value) => {
        const problem = toProblem(value);
        if (typeof problem === 'string') throw new BadLine(problem);
        const { response } = value as { response?: unknown };
        if (typeof response !== 'string') throw new BadLine('"response" must be a string');
        return scoreAnswer(response, problem, reward);
      });
    });
}
