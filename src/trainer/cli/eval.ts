// `rlab eval`: evaluate a checkpoint (or a run's latest) on the frozen test
// split or the spec's fixed problems, and print the scores. The run folder is
// left as it is, unless `--record` adds the evaluation to its eval.jsonl.
import * as path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { EvalRecord } from '../../core/protocol/records';
import { RunWriter } from '../run/writer';

interface EvalOptions {
  split: 'test' | 'problems';
  samples?: number;
  limit?: number;
  temperature?: number;
  device?: string;
  json?: boolean;
  record?: boolean;
}

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

function real(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('Evaluate a checkpoint or a run\'s latest checkpoint: greedy pass@1, sampled pass@k, format rate')
    .argument('<target>', 'a run directory or a checkpoint folder')
    .addOption(new Option('--split <split>', 'which problems').choices(['test', 'problems']).default('test'))
    .addOption(new Option('--samples <k>', 'k of pass@k (default: the spec\'s eval samples)').argParser(count))
    .addOption(new Option('--limit <n>', 'test problems to evaluate, 0 for the whole split (default: the spec\'s eval limit)').argParser(count))
    .addOption(new Option('--temperature <t>', 'sampling temperature of pass@k (default: the spec\'s)').argParser(real))
    .option('--device <device>', 'auto, gpu, cpu, wasm or js (default: the spec\'s)')
    .option('--json', 'print the evaluation record as one JSON line')
    .option('--record', 'also append it to the run\'s eval.jsonl (marked "requested"), so it shows among the run\'s evaluations')
    .addHelpText('after', '\nExamples:\n  rlab eval .rlab/runs/countdown-3-20260101-120000\n  rlab eval runs/base/checkpoints/step-003000 --limit 0 --samples 8')
    .action(async (target: string, options: EvalOptions) => {
      const [{ selectBackend }, { checkpointDir, loadPolicy }, { readCheckpointConfig }, { evaluate }, { evalProblems, taskData }, { mixSeed }] = await Promise.all([
        import('../backend'),
        import('../checkpoint/policy'),
        import('../checkpoint/store'),
        import('../eval'),
        import('../data/task'),
        import('../rng'),
      ]);
      const dir = checkpointDir(target);
      // Checked before the model loads: a checkpoint outside a run folder has no evaluations to join.
      const writer = options.record ? openRunOf(dir) : null;
      const { config } = readCheckpointConfig(dir);
      const backend = await selectBackend((options.device ?? config.device) as Parameters<typeof selectBackend>[0]);
      const { model, tokenizer, checkpoint } = loadPolicy(dir);
      try {
        const data = taskData(config);
        const problems = options.split === 'test' ? evalProblems(data.test, options.limit ?? config.eval.limit) : data.problems;
        if (problems.length === 0) throw new Error(`the spec has no ${options.split === 'test' ? 'test problems' : 'fixed problems'} to evaluate`);
        const started = Date.now();
        const { record } = await evaluate(model, tokenizer, problems, {
          phase: checkpoint.state.phase,
          step: checkpoint.state.step,
          split: options.split,
          prompt: config.prompt,
          reward: config.reward,
          samples: options.samples ?? config.eval.samples,
          temperature: options.temperature ?? config.eval.temperature,
          maxNewTokens: config.rl.maxTokens,
          seed: mixSeed(config.task.seed, 3, checkpoint.state.step),
        });
        if (writer) writer.eval({ ...record, requested: true });
        if (options.json) process.stdout.write(`${JSON.stringify(record)}\n`);
        else process.stdout.write(describe(record, dir, backend.name, Date.now() - started));
      } finally {
        model.dispose();
      }
    });
}

/** The run a checkpoint folder belongs to (`<run>/checkpoints/<name>`), opened to add records. */
function openRunOf(checkpoint: string): RunWriter {
  const runDir = path.dirname(path.dirname(path.resolve(checkpoint)));
  try {
    return RunWriter.open(runDir);
  } catch (e) {
    throw new Error(`--record adds to a run's eval.jsonl, but ${checkpoint} is not in a run folder (${(e as Error).message})`);
  }
}

function describe(r: EvalRecord, dir: string, backend: string, ms: number): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1).padStart(5)}%`;
  const row = (label: string, s: EvalRecord['score']): string =>
    `${label.padEnd(10)} ${String(s.n).padStart(5)}  ${pct(s.pass1)}  ${pct(s.passK)}  ${pct(s.formatRate)}  ${s.lengthMean.toFixed(0).padStart(6)}\n`;
  let out = `${dir} (${r.phase} step ${r.step}), ${r.split} split, ${backend}, ${(ms / 1000).toFixed(1)} s\n`;
  out += `${'numbers'.padEnd(10)} ${'n'.padStart(5)}  ${'pass@1'.padStart(6)}  ${`pass@${r.k}`.padStart(6)}  ${'format'.padStart(6)}  ${'length'.padStart(6)}\n`;
  for (const [numbers, s] of Object.entries(r.byCount)) out += row(numbers, s);
  if (Object.keys(r.byCount).length > 1) out += row('all', r.score);
  return out;
}
