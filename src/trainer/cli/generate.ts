// `rlab generate`: seeded, reproducible Countdown problems as JSON lines.
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { IntRange, Operator } from '../../core/spec/config';
import { OPERATORS } from '../../core/countdown/expression';
import { generateProblems } from '../../core/countdown/generator';
import { parseInteger, parseNumber } from './batch';

interface GenerateOptions {
  numbers: IntRange;
  values: IntRange;
  target: IntRange;
  count: number;
  seed: number;
  split: 'train' | 'test';
  testSize: number;
  operators: Operator[];
  heldOut: number;
}

/** `7` or `1..99`. */
function parseRange(text: string): IntRange {
  const m = /^\s*(-?\d+)\s*(?:\.\.\s*(-?\d+)\s*)?$/.exec(text);
  if (!m) throw new InvalidArgumentError(`'${text}' is not a number or a range like 1..99.`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min > max) throw new InvalidArgumentError(`range '${text}' is empty: write the smaller bound first.`);
  return { min, max };
}

function parseOperators(text: string): Operator[] {
  const ops = [...new Set(text.replace(/\s|,/g, ''))];
  const bad = ops.filter((o) => !(OPERATORS as readonly string[]).includes(o));
  if (ops.length === 0 || bad.length > 0) throw new InvalidArgumentError(`'${text}' must list operators among + - * /, like '+-*/'.`);
  return ops as Operator[];
}

function parseCount(text: string): number {
  const n = parseInteger(text);
  if (n < 0) throw new InvalidArgumentError(`'${text}' must not be negative.`);
  return n;
}

export function register(program: Command): void {
  program
    .command('generate')
    .description('Generate distinct solvable problems as {"numbers":[...],"target":N} lines')
    .addOption(new Option('--numbers <n|a..b>', 'numbers per problem').argParser(parseRange).default({ min: 3, max: 3 }, '3'))
    .addOption(new Option('--values <a..b>', 'range of each number').argParser(parseRange).default({ min: 1, max: 99 }, '1..99'))
    .addOption(new Option('--target <a..b>', 'range of targets').argParser(parseRange).default({ min: 10, max: 100 }, '10..100'))
    .addOption(new Option('--count <n>', 'problems to write').argParser(parseCount).default(1000))
    .addOption(new Option('--seed <n>', 'seed; the same seed gives the same problems everywhere').argParser(parseInteger).default(0))
    .addOption(new Option('--split <split>', 'train, or the frozen test split').choices(['train', 'test']).default('train'))
    .addOption(
      new Option('--test-size <n>', 'size of the frozen test split that train problems never repeat').argParser(parseCount).default(500),
    )
    .addOption(new Option('--operators <ops>', 'operators solutions may use').argParser(parseOperators).default([...OPERATORS], "'+-*/'"))
    .addOption(new Option('--held-out <share>', 'share of targets kept out of train (0..1)').argParser(parseNumber).default(0))
    .action((options: GenerateOptions, command: Command) => {
      const test = options.split === 'test' ? options.count : options.testSize;
      let set;
      try {
        set = generateProblems({
          numbers: options.numbers,
          values: options.values,
          target: options.target,
          operators: options.operators,
          train: options.split === 'train' ? options.count : 0,
          test,
          seed: options.seed,
          heldOutTargets: options.heldOut,
        });
      } catch (err) {
        command.error(`rlab generate: ${(err as Error).message}`);
      }
      const problems = options.split === 'train' ? set.train : set.test;
      process.stdout.write(problems.map((p) => `${JSON.stringify(p)}\n`).join(''));
    });
}
