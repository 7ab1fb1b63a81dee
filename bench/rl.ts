// Learning benchmark for RL (`npm run bench:rl`): from the pretraining
// benchmark's base model, RL on its Countdown task for a fixed time budget per
// algorithm, then base versus RL on the frozen test split (greedy accuracy,
// format rate, mean response length; sampled pass@k). Before any RL it measures
// the base model's pass@k with k = group size: RL can only amplify what the base
// sometimes does. Writes bench/results/rl.json and bench/results/rl.svg.
//
//   npm run bench:rl -- [--minutes 40] [--base RUN_DIR] [--algorithms grpo,dr-grpo]
//                       [--parallel] [--eval-limit 0] [--pretrain-minutes 20]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { EvalRecord, EvalScore, StepRecord } from '../src/core/protocol/records';
import { parseJsonl } from '../src/core/run/jsonl';
import { runFile } from '../src/core/run/layout';
import type { Algorithm } from '../src/core/spec/config';
import { selectBackend } from '../src/trainer/backend';
import { latestCheckpoint, listCheckpoints } from '../src/trainer/checkpoint/store';
import { loadPolicy } from '../src/trainer/checkpoint/policy';
import { taskData } from '../src/trainer/data/task';
import { RunControl } from '../src/trainer/engine/control';
import { runTraining } from '../src/trainer/engine/run';
import { silentSink, type TrainerSink } from '../src/trainer/engine/sink';
import { evaluate } from '../src/trainer/eval';
import { readRunInfo } from '../src/core/run/run-info';
import { chartSvg, type Panel } from './plot';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
// Benchmark runs are ordinary run directories, so the extension's runs view shows them too.
const RUNS = path.join(ROOT, '.rlab', 'runs');
const TARGET_LIFT = 0.15;

/** The RL settings the benchmark runs (max-tokens comes from the base spec, which fits its context). */
function rlBlock(algorithm: Algorithm, maxTokens: number): string {
  return `
rl {
  algorithm    ${algorithm}
  steps        1000000   # the time budget ends the run
  prompts      8
  group        8
  mini-batch   32        # two updates per rollout batch: the forward/backward costs the same
  lr           3e-4
  kl           0         # TRL's default: no reference model to run, more steps in the budget
  temperature  1.0
  max-tokens   ${maxTokens}
}

eval {
  every    10
  samples  1
  limit    50
}
`;
}
const GROUP = 8;

interface Score {
  n: number;
  accuracy: number;
  passK: number;
  k: number;
  formatRate: number;
  lengthMean: number;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const log = (msg: string) => console.log(`[bench:rl ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** A run directory named somewhere in a pretraining benchmark result (any string value that is one). */
function runDirIn(value: unknown): string | null {
  if (typeof value === 'string') {
    for (const dir of [value, path.resolve(ROOT, value)]) if (fs.existsSync(path.join(dir, 'run.json'))) return dir;
    return null;
  }
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) {
      const found = runDirIn(v);
      if (found) return found;
    }
  }
  return null;
}

/** The newest pretraining benchmark's run that has a pretraining checkpoint. */
function findBase(): string | null {
  if (!fs.existsSync(RESULTS)) return null;
  const candidates = fs
    .readdirSync(RESULTS)
    .filter((f) => f.startsWith('pretrain') && f.endsWith('.json'))
    .map((f) => path.join(RESULTS, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  for (const file of candidates) {
    const dir = runDirIn(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (dir && listCheckpoints(dir, 'pretrain').length > 0) return dir;
  }
  return null;
}

/** Runs the engine on `launch` and asks it to stop (checkpoint, then exit) once `minutes` have passed. */
async function trainFor(launch: Parameters<typeof runTraining>[0], minutes: number, onStep: (r: StepRecord) => void): Promise<string> {
  const control = new RunControl();
  const timer = setTimeout(() => void control.requestStop().catch(() => {}), minutes * 60_000);
  const sink: TrainerSink = { ...silentSink, step: onStep, alert: (a) => log(`alert ${a.kind}: ${a.evidence}`) };
  try {
    const outcome = await runTraining(launch, sink, control);
    if (outcome === 'failed') throw new Error(`training failed: ${readRunInfo(launch.runDir).error}`);
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}

/** The task and base model pretrained when no pretraining benchmark result exists (3-number Countdown, `tiny`). */
const FALLBACK_BASE_SPEC = `name "bench-rl-base"
task {
  numbers    3
  values     1..99
  target     10..100
  train      20000
  test       500
  seed       7
}
prompt compact
model {
  preset  tiny
}
pretrain {
  traces       dfs
  steps        4000      # the time budget ends it first
  batch        32
  micro-batch  16
  lr           1e-3
  eval-every   500
}
rl {
  max-tokens   224
}
`;

async function pretrainBase(minutes: number): Promise<string> {
  const spec = path.join(ROOT, '.rlab', 'bench-rl-base.countdown');
  const runDir = path.join(RUNS, 'bench-rl-base');
  fs.mkdirSync(path.dirname(spec), { recursive: true });
  fs.writeFileSync(spec, FALLBACK_BASE_SPEC);
  fs.rmSync(runDir, { recursive: true, force: true });
  log(`no pretraining benchmark result found: pretraining a base for ${minutes} min into ${path.relative(ROOT, runDir)}`);
  await trainFor({ spec, runDir, resume: false, stage: 'pretrain', device: null, from: null }, minutes, (r) => {
    if (r.step % 50 === 0) log(`pretrain step ${r.step}: loss ${r.loss?.toFixed(3)}, ${r.tokensPerSec?.toFixed(0)} tokens/s`);
  });
  return runDir;
}

function toScore(score: EvalScore, k: number): Score {
  return { n: score.n, accuracy: score.pass1, passK: score.passK, k, formatRate: score.formatRate, lengthMean: score.lengthMean };
}

/** Greedy accuracy, format rate and length, and sampled pass@k, of a checkpoint on the frozen test split. */
async function evaluateCheckpoint(checkpoint: string, limit: number, k: number): Promise<Score> {
  const { model, tokenizer, checkpoint: saved } = loadPolicy(checkpoint);
  const { config } = saved.config;
  try {
    const test = taskData(config).test;
    const problems = limit > 0 ? test.slice(0, limit) : test;
    const { record } = await evaluate(model, tokenizer, problems, {
      phase: 'rl',
      step: 0,
      split: 'test',
      prompt: config.prompt,
      reward: config.reward,
      samples: k,
      temperature: 1,
      seed: 12345,
    });
    return toScore(record.score, k);
  } finally {
    model.dispose();
  }
}

interface WorkerResult {
  algorithm: Algorithm;
  runDir: string;
  minutes: number;
  steps: number;
  final: Score;
}

/** One algorithm's RL run from the base, then its final evaluation; the result goes to `<runDir>/bench.json`. */
async function worker(algorithm: Algorithm, base: string, minutes: number, evalLimit: number): Promise<void> {
  await selectBackend('auto');
  const baseInfo = readRunInfo(base);
  const runDir = path.join(RUNS, `bench-rl-${algorithm}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(RUNS, { recursive: true });
  const baseSpec = fs.readFileSync(runFile(base, 'spec'), 'utf8');
  const specText =
    baseSpec.replace(/^\s*(rl|eval)\s*\{[^}]*\}/gm, '').replace(/^\s*name\s+"[^"]*"/m, `name "bench-rl-${algorithm}"`) +
    rlBlock(algorithm, baseInfo.config.rl.maxTokens);
  const spec = path.join(ROOT, '.rlab', `bench-rl-${algorithm}.countdown`);
  fs.writeFileSync(spec, specText);
  const started = Date.now();
  let steps = 0;
  await trainFor({ spec, runDir, resume: false, stage: 'rl', device: null, from: base }, minutes, (r) => {
    steps = r.step;
    if (r.step % 5 === 0) {
      log(`${algorithm} step ${r.step}: reward ${r.rewardMean?.toFixed(3)}, accuracy ${pct(r.accuracy ?? 0)}, format ${pct(r.formatRate ?? 0)}, length ${r.lengthMean?.toFixed(0)}${r.kl === undefined ? '' : `, kl ${r.kl.toFixed(4)}`}, ${((r.stepMs ?? 0) / 1000).toFixed(1)} s/step`);
    }
  });
  const trainedMinutes = (Date.now() - started) / 60_000;
  const checkpoint = latestCheckpoint(runDir);
  if (!checkpoint) throw new Error(`${algorithm}: the run wrote no checkpoint`);
  log(`${algorithm}: ${steps} steps in ${trainedMinutes.toFixed(1)} min; evaluating ${path.basename(checkpoint)}`);
  const final = await evaluateCheckpoint(checkpoint, evalLimit, GROUP);
  const result: WorkerResult = { algorithm, runDir, minutes: trainedMinutes, steps, final };
  fs.writeFileSync(path.join(runDir, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
}

function runWorker(algorithm: Algorithm, base: string, minutes: number, evalLimit: number): Promise<void> {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', algorithm, '--base', base, '--minutes', String(minutes), '--eval-limit', String(evalLimit)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: ROOT });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${algorithm} worker exited with ${code}`))));
  });
}

function curves(runDir: string) {
  const read = <T>(file: 'metrics' | 'eval') =>
    fs.existsSync(runFile(runDir, file)) ? parseJsonl<T>(fs.readFileSync(runFile(runDir, file), 'utf8')).records : [];
  const steps = read<StepRecord>('metrics').filter((r) => r.phase === 'rl');
  const evals = read<EvalRecord>('eval').filter((r) => r.phase === 'rl' && r.split === 'test');
  return {
    steps: steps.map((r) => ({
      step: r.step,
      rewardMean: r.rewardMean,
      accuracy: r.accuracy,
      formatRate: r.formatRate,
      lengthMean: r.lengthMean,
      truncatedRate: r.truncatedRate,
      kl: r.kl,
      entropy: r.entropy,
      zeroSignalGroups: r.zeroSignalGroups,
      stepMs: r.stepMs,
    })),
    evals: evals.map((r) => ({ step: r.step, pass1: r.score.pass1, formatRate: r.score.formatRate, lengthMean: r.score.lengthMean, n: r.score.n })),
  };
}

/** Moving average, so noisy per-step curves read as trends in the plot. */
function smooth(points: Array<[number, number]>, window = 5): Array<[number, number]> {
  return points.map(([x], i) => {
    const part = points.slice(Math.max(0, i - window + 1), i + 1);
    return [x, part.reduce((s, p) => s + p[1], 0) / part.length];
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '40' },
      base: { type: 'string' },
      algorithms: { type: 'string', default: 'grpo,dr-grpo' },
      parallel: { type: 'boolean', default: false },
      'eval-limit': { type: 'string', default: '0' },
      'pretrain-minutes': { type: 'string', default: '20' },
      worker: { type: 'string' },
    },
  });
  const minutes = Number(values.minutes);
  const evalLimit = Number(values['eval-limit']);
  if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, not "${values.minutes}"`);
  if (values.worker) {
    if (!values.base) throw new Error('--worker needs --base');
    return worker(values.worker as Algorithm, values.base, minutes, evalLimit);
  }
  const algorithms = values.algorithms.split(',').map((a) => a.trim()) as Algorithm[];
  fs.mkdirSync(RUNS, { recursive: true });

  const base = values.base ? path.resolve(values.base) : (findBase() ?? (await pretrainBase(Number(values['pretrain-minutes']))));
  const baseCheckpoint = listCheckpoints(base, 'pretrain').at(-1);
  if (!baseCheckpoint) throw new Error(`${base} has no pretraining checkpoint (checkpoints/step-NNNNNN): pass --base a pretrained run`);
  const baseConfig = readRunInfo(base).config;
  log(`base model ${path.relative(ROOT, baseCheckpoint)} (${baseConfig.model.preset}, task ${baseConfig.task.numbers.min}..${baseConfig.task.numbers.max} numbers of ${baseConfig.task.values.min}..${baseConfig.task.values.max}, targets ${baseConfig.task.target.min}..${baseConfig.task.target.max})`);

  await selectBackend('auto');
  const baseScore = await evaluateCheckpoint(baseCheckpoint, evalLimit, GROUP);
  log(`base on ${baseScore.n} test problems: accuracy ${pct(baseScore.accuracy)}, pass@${GROUP} ${pct(baseScore.passK)}, format ${pct(baseScore.formatRate)}, length ${baseScore.lengthMean.toFixed(1)}`);
  if (baseScore.passK < 0.05) log(`warning: the base solves under 5% of problems even with ${GROUP} samples; RL has little to amplify`);

  if (values.parallel) await Promise.all(algorithms.map((a) => runWorker(a, base, minutes, evalLimit)));
  else for (const a of algorithms) await runWorker(a, base, minutes, evalLimit);

  const runs = algorithms.map((a) => {
    const result = JSON.parse(fs.readFileSync(path.join(RUNS, `bench-rl-${a}`, 'bench.json'), 'utf8')) as WorkerResult;
    return { ...result, runDir: path.relative(ROOT, result.runDir), lift: result.final.accuracy - baseScore.accuracy, curves: curves(result.runDir) };
  });
  const report = {
    benchmark: 'rl',
    date: new Date().toISOString(),
    task: baseConfig.task,
    model: baseConfig.model,
    base: { run: path.relative(ROOT, base), checkpoint: path.relative(ROOT, baseCheckpoint), score: baseScore },
    settings: { minutesPerAlgorithm: minutes, parallel: values.parallel, group: GROUP, rl: rlBlock('grpo', baseConfig.rl.maxTokens).trim() },
    targetLift: TARGET_LIFT,
    runs,
  };
  fs.writeFileSync(path.join(RESULTS, 'rl.json'), JSON.stringify(report, null, 2) + '\n');

  const series = (pick: (s: (typeof runs)[number]['curves']['steps'][number]) => number | undefined) =>
    runs.map((r) => ({ name: r.algorithm, points: smooth(r.curves.steps.map((s) => [s.step, pick(s) ?? 0] as [number, number])) }));
  const panels: Panel[] = [
    {
      title: 'Held-out greedy accuracy (every 10 steps, 50 test problems)',
      xLabel: 'RL step',
      yLabel: 'accuracy',
      series: runs.map((r) => ({ name: r.algorithm, markers: true, points: r.curves.evals.map((e) => [e.step, e.pass1] as [number, number]) })),
      yRange: [0, 1],
    },
    { title: 'Training accuracy (sampled, moving average of 5)', xLabel: 'RL step', yLabel: 'accuracy', series: series((s) => s.accuracy), yRange: [0, 1] },
    { title: 'Training reward (moving average of 5)', xLabel: 'RL step', yLabel: 'reward', series: series((s) => s.rewardMean) },
    { title: 'Response length (tokens, moving average of 5)', xLabel: 'RL step', yLabel: 'tokens', series: series((s) => s.lengthMean) },
  ];
  fs.writeFileSync(path.join(RESULTS, 'rl.svg'), chartSvg(panels));

  const row = (name: string, s: Score, lift: string) =>
    `| ${name.padEnd(8)} | ${pct(s.accuracy).padStart(8)} | ${lift.padStart(7)} | ${pct(s.passK).padStart(8)} | ${pct(s.formatRate).padStart(7)} | ${s.lengthMean.toFixed(1).padStart(6)} |`;
  console.log(`\nRL learning benchmark: ${baseScore.n} frozen test problems, greedy decoding, ${minutes} min of RL per algorithm`);
  console.log(`| model    | accuracy |    lift | pass@${GROUP}   |  format | length |`);
  console.log('|----------|----------|---------|----------|---------|--------|');
  console.log(row('base', baseScore, '–'));
  for (const r of runs) console.log(row(r.algorithm, r.final, `${r.lift >= 0 ? '+' : ''}${(100 * r.lift).toFixed(1)}`));
  for (const r of runs) {
    console.log(`${r.algorithm}: ${r.steps} steps in ${r.minutes.toFixed(1)} min; lift ${(100 * r.lift).toFixed(1)} points (target +${100 * TARGET_LIFT}): ${r.lift >= TARGET_LIFT ? 'met' : 'NOT met'}`);
  }
  console.log(`results: ${path.relative(ROOT, path.join(RESULTS, 'rl.json'))}, plot: ${path.relative(ROOT, path.join(RESULTS, 'rl.svg'))}`);
}

main().catch((e: unknown) => {
  console.error(`bench:rl failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
