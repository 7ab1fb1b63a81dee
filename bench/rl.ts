// Learning benchmark for RL (`npm run bench:rl`): the product's own default
// experiment, examples/quickstart.countdown, measured as an experiment. One base
// model (the quickstart's pretraining), then RL arms from that same base — the
// quickstart's recipe (`default`), Dr. GRPO, and the settings bench:rl used
// before this recipe (`control`) — each with several RL seeds, evaluated on 200
// held-out problems during training and on the whole frozen test split at the
// end (greedy accuracy and pass@k). Writes bench/results/rl.json and rl.svg.
//
//   npm run bench:rl -- [--base RUN] [--arms default,dr-grpo,control] [--seeds 2]
//                       [--steps N] [--minutes M] [--parallel 2] [--final-limit 500] [--k 8] [--eval-every 20]
//
// The budget is a number of RL steps (`--steps`, default the quickstart's), so
// the figures do not depend on what else the machine runs (results are
// bit-identical at any thread count); each run records its wall time, which is
// only meaningful on a quiet machine. `--minutes` stops each run on time instead.
// `--parallel 2` runs two RL runs side by side with one thread each.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { EvalRecord, EvalScore, StepRecord } from '../src/core/protocol/records';
import { parseJsonl } from '../src/core/run/jsonl';
import { runFile } from '../src/core/run/layout';
import { readRunInfo } from '../src/core/run/run-info';
import { resolveSpec } from '../src/core/spec/resolve';
import { selectBackend } from '../src/trainer/backend';
import { bestCheckpoint, latestCheckpoint, listCheckpoints } from '../src/trainer/checkpoint/store';
import { loadPolicy } from '../src/trainer/checkpoint/policy';
import { taskData } from '../src/trainer/data/task';
import { RunControl } from '../src/trainer/engine/control';
import { runTraining } from '../src/trainer/engine/run';
import { silentSink, type TrainerSink } from '../src/trainer/engine/sink';
import { evaluate } from '../src/trainer/eval';
import { chartSvg, type Panel, type Series } from './plot';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
// Benchmark runs are ordinary run directories, so the extension's runs view shows them too.
const RUNS = path.join(ROOT, '.rlab', 'runs');
const SPEC = path.join(ROOT, 'examples', 'quickstart.countdown');
/** The issue's target: the default recipe lifts greedy held-out accuracy by this much on average, pass@k not below the base's. */
const TARGET_LIFT = 0.15;
/** Held-out problems of the evaluations during RL (a standard error of about 3 points). */
const CURVE_PROBLEMS = 200;

/** How an arm differs from the quickstart: keys of its rl block and reward block replaced. */
interface Arm {
  describe: string;
  rl: Record<string, string>;
  reward?: Record<string, string>;
}

const ARMS: Record<string, Arm> = {
  default: { describe: 'the quickstart’s rl block as it is (the schema’s defaults)', rl: {} },
  'dr-grpo': { describe: 'the default recipe with Dr. GRPO (no std division, constant-normalised loss)', rl: { algorithm: 'dr-grpo' } },
  control: {
    describe: 'the settings bench:rl ran before this recipe: lr 3e-4 without warm-up, no KL, 8 prompts × 8, two updates per step, 0.1 format reward',
    rl: {
      algorithm: 'grpo',
      prompts: '8',
      group: '8',
      'mini-batch': '32',
      lr: '3e-4',
      warmup: '0',
      kl: '0',
      'dynamic-sampling': 'false',
      'mask-truncated': 'false',
      'reward-scaling': 'group',
      'loss-agg': 'token-mean',
    },
    reward: { format: '0.1' },
  },
};

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    arms: { type: 'string', default: 'default,dr-grpo,control' },
    seeds: { type: 'string', default: '2' },
    steps: { type: 'string' },
    minutes: { type: 'string' },
    parallel: { type: 'string', default: '2' },
    'final-limit': { type: 'string', default: '500' },
    k: { type: 'string', default: '8' },
    // With pass@8 an evaluation samples nine completions a problem: half as often as the quickstart evaluates.
    'eval-every': { type: 'string', default: '20' },
    worker: { type: 'string' },
  },
});

const log = (msg: string) => console.log(`[bench:rl ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const points = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

/** A block's body lines with some keys replaced (or added), comments and order kept. */
function withKeys(body: string, keys: Record<string, string>): string {
  const lines = body.split('\n');
  for (const [key, value] of Object.entries(keys)) {
    const at = lines.findIndex((l) => l.trim().split(/\s+/)[0] === key);
    const line = `  ${key.padEnd(16)} ${value}`;
    if (at >= 0) lines[at] = line;
    else lines.push(line);
  }
  return lines.join('\n');
}

/** The spec text with `block`'s body passed through `edit` (the block added when the spec has none). */
function editBlock(spec: string, block: string, edit: (body: string) => string): string {
  const pattern = new RegExp(`^${block}\\s*\\{\\n([\\s\\S]*?)\\n\\}`, 'm');
  const match = spec.match(pattern);
  if (!match) return `${spec.trimEnd()}\n\n${block} {\n${edit('')}\n}\n`;
  return spec.replace(pattern, `${block} {\n${edit(match[1]!)}\n}`);
}

function armSpec(arm: string, seed: number, steps: number, k: number, curveEvery: number): string {
  const spec = ARMS[arm];
  if (!spec) throw new Error(`unknown arm "${arm}": use ${Object.keys(ARMS).join(', ')}`);
  let text = fs.readFileSync(SPEC, 'utf8').replace(/^name\s+"[^"]*"/m, `name "bench-rl-${arm}-s${seed}"`);
  text = editBlock(text, 'rl', (body) => withKeys(body, { ...spec.rl, steps: String(steps), seed: String(seed), 'eval-every': String(curveEvery) }));
  if (spec.reward) text = editBlock(text, 'reward', (body) => withKeys(body, spec.reward!));
  text = editBlock(text, 'eval', (body) => withKeys(body, { samples: String(k), limit: String(CURVE_PROBLEMS) }));
  const { config, diagnostics } = resolveSpec(text);
  if (!config) throw new Error(`arm ${arm}: the spec does not resolve:\n${diagnostics.map((d) => d.message).join('\n')}\n${text}`);
  return text;
}

interface Score {
  n: number;
  accuracy: number;
  passK: number;
  k: number;
  formatRate: number;
  lengthMean: number;
}

const toScore = (s: EvalScore, k: number): Score => ({ n: s.n, accuracy: s.pass1, passK: s.passK, k, formatRate: s.formatRate, lengthMean: s.lengthMean });

/** Greedy accuracy, format rate and length, and sampled pass@k, of a checkpoint on the first `limit` frozen test problems. */
async function evaluateCheckpoint(checkpoint: string, limit: number, k: number): Promise<Score> {
  const { model, tokenizer, checkpoint: saved } = loadPolicy(checkpoint);
  const { config } = saved.config;
  try {
    const test = taskData(config).test;
    const { record } = await evaluate(model, tokenizer, limit > 0 ? test.slice(0, limit) : test, {
      phase: 'rl',
      step: 0,
      split: 'test',
      prompt: config.prompt,
      reward: config.reward,
      samples: k,
      temperature: 1,
      maxNewTokens: config.rl.maxTokens,
      seed: 12345,
    });
    return toScore(record.score, k);
  } finally {
    model.dispose();
  }
}

/** Runs the engine; with `minutes`, asks it to stop (checkpoint, then exit) once they have passed. */
async function train(launch: Parameters<typeof runTraining>[0], minutes: number | null, sink: TrainerSink): Promise<void> {
  const control = new RunControl();
  const timer = minutes === null ? null : setTimeout(() => void control.requestStop().catch(() => {}), minutes * 60_000);
  try {
    if ((await runTraining(launch, sink, control)) === 'failed') throw new Error(`training failed: ${readRunInfo(launch.runDir).error}`);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The base model: `--base`, or the quickstart's pretraining, run once into .rlab/runs/bench-rl-base and reused while its spec is unchanged. */
async function baseRun(): Promise<string> {
  if (args.base) return path.resolve(args.base);
  const dir = path.join(RUNS, 'bench-rl-base');
  const text = fs.readFileSync(SPEC, 'utf8');
  const reusable = fs.existsSync(runFile(dir, 'spec')) && fs.readFileSync(runFile(dir, 'spec'), 'utf8') === text && readRunInfo(dir).status === 'done';
  if (reusable) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(RUNS, { recursive: true });
  log(`pretraining the quickstart's base model into ${path.relative(ROOT, dir)}`);
  await train({ spec: SPEC, runDir: dir, resume: false, stage: 'pretrain', device: null, from: null }, null, {
    ...silentSink,
    eval: (r) => log(`base pretrain step ${r.step}: greedy ${pct(r.score.pass1)}`),
  });
  return dir;
}

interface WorkerResult {
  arm: string;
  seed: number;
  runDir: string;
  steps: number;
  /** Wall minutes of the whole run (RL steps and the evaluations during it). */
  minutes: number;
  /** Minutes of the RL steps alone (their stepMs): the RL budget. */
  rlMinutes: number;
  final: Score;
}

function workerPaths(arm: string, seed: number) {
  const name = `bench-rl-${arm}-s${seed}`;
  return { name, runDir: path.join(RUNS, name), spec: path.join(ROOT, '.rlab', `${name}.countdown`) };
}

/** One arm and seed: RL from the base, then the final checkpoint on the whole test split; the result goes to `<runDir>/bench.json`. */
async function worker(job: string, base: string, steps: number, minutes: number | null, finalLimit: number, k: number): Promise<void> {
  const [arm, seedText] = job.split(':');
  const seed = Number(seedText);
  await selectBackend('auto');
  const { name, runDir, spec } = workerPaths(arm!, seed);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(spec), { recursive: true });
  fs.writeFileSync(spec, armSpec(arm!, seed, steps, k, Number(args['eval-every'])));
  const started = Date.now();
  let done = 0;
  let stepMs = 0;
  await train({ spec, runDir, resume: false, stage: 'rl', device: null, from: base }, minutes, {
    ...silentSink,
    step: (r) => {
      done = r.step;
      stepMs += r.stepMs ?? 0;
    },
    eval: (r) => r.split === 'test' && log(`${name} step ${r.step}: greedy ${pct(r.score.pass1)}, pass@${r.k} ${pct(r.score.passK)}`),
    alert: (a) => log(`${name} alert ${a.kind}: ${a.evidence}`),
  });
  const trained = (Date.now() - started) / 60_000;
  const checkpoint = latestCheckpoint(runDir);
  if (!checkpoint) throw new Error(`${name}: the run wrote no checkpoint`);
  log(`${name}: ${done} steps in ${trained.toFixed(1)} min; evaluating ${path.basename(checkpoint)} on ${finalLimit || 'all'} test problems`);
  const final = await evaluateCheckpoint(checkpoint, finalLimit, k);
  const result: WorkerResult = { arm: arm!, seed, runDir, steps: done, minutes: trained, rlMinutes: stepMs / 60_000, final };
  fs.writeFileSync(path.join(runDir, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
}

/** A worker process; side by side, each gets one thread (`threads`), else the backend picks. */
function runWorker(job: string, base: string, threads: number | null): Promise<void> {
  const forward = ['steps', 'minutes', 'final-limit', 'k', 'eval-every'].flatMap((o) => (args[o as keyof typeof args] === undefined ? [] : [`--${o}`, String(args[o as keyof typeof args])]));
  const argv = ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', job, '--base', base, ...forward];
  return new Promise((resolve, reject) => {
    const env = threads === null ? process.env : { ...process.env, RLAB_WASM_THREADS: String(threads) };
    const child = spawn(process.execPath, argv, { stdio: 'inherit', cwd: ROOT, env });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${job} exited with ${code}`))));
  });
}

/** Runs `jobs` with at most `parallel` at once. */
async function pool(jobs: string[], parallel: number, run: (job: string) => Promise<void>): Promise<void> {
  const queue = [...jobs];
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) await run(job);
  }));
}

function curves(runDir: string) {
  const read = <T>(file: 'metrics' | 'eval') => parseJsonl<T>(fs.readFileSync(runFile(runDir, file), 'utf8')).records;
  const steps = read<StepRecord>('metrics').filter((r) => r.phase === 'rl');
  const evals = read<EvalRecord>('eval').filter((r) => r.phase === 'rl' && r.split === 'test');
  const pick = ['accuracy', 'signalGroups', 'promptsDrawn', 'lengthMean', 'lengthCorrect', 'lengthWrong', 'searchRate', 'truncatedRate', 'entropy', 'kl', 'stepKl', 'lr', 'stepMs'] as const;
  return {
    steps: steps.map((r) => ({ step: r.step, ...Object.fromEntries(pick.filter((key) => r[key] !== undefined).map((key) => [key, r[key]])) }) as { step: number } & Partial<Record<(typeof pick)[number], number>>),
    evals: evals.map((r) => ({ step: r.step, pass1: r.score.pass1, passK: r.score.passK, k: r.k, lengthMean: r.score.lengthMean, n: r.score.n })),
  };
}

/** Moving average, so noisy per-step curves read as trends. */
function smooth(points: Array<[number, number]>, window = 5): Array<[number, number]> {
  return points.map(([x], i) => {
    const part = points.slice(Math.max(0, i - window + 1), i + 1);
    return [x, part.reduce((s, p) => s + p[1], 0) / part.length];
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

async function main(): Promise<void> {
  const k = Number(args.k);
  const finalLimit = Number(args['final-limit']);
  const minutes = args.minutes === undefined ? null : Number(args.minutes);
  const quickstart = resolveSpec(fs.readFileSync(SPEC, 'utf8')).config;
  if (!quickstart) throw new Error(`${SPEC} does not resolve: run \`rlab check ${SPEC}\``);
  const steps = args.steps === undefined ? (minutes === null ? quickstart.rl.steps : 1_000_000) : Number(args.steps);
  if (!(steps > 0)) throw new Error(`--steps must be a positive number, not "${args.steps}"`);
  if (args.worker) {
    if (!args.base) throw new Error('--worker needs --base');
    return worker(args.worker, args.base, steps, minutes, finalLimit, k);
  }
  const arms = args.arms.split(',').map((a) => a.trim());
  for (const arm of arms) if (!ARMS[arm]) throw new Error(`unknown arm "${arm}": use ${Object.keys(ARMS).join(', ')}`);
  const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);
  const parallel = Math.max(1, Number(args.parallel));

  const base = await baseRun();
  const baseCheckpoint = listCheckpoints(base, 'pretrain').at(-1);
  if (!baseCheckpoint) throw new Error(`${base} has no pretraining checkpoint (checkpoints/step-NNNNNN): pass --base a pretrained run`);
  await selectBackend('auto');
  const baseScore = await evaluateCheckpoint(baseCheckpoint, finalLimit, k);
  log(`base ${path.relative(ROOT, baseCheckpoint)} on ${baseScore.n} test problems: greedy ${pct(baseScore.accuracy)}, pass@${k} ${pct(baseScore.passK)}, format ${pct(baseScore.formatRate)}, length ${baseScore.lengthMean.toFixed(0)}`);

  const jobs = arms.flatMap((arm) => seeds.map((seed) => `${arm}:${seed}`));
  const started = Date.now();
  await pool(jobs, parallel, (job) => runWorker(job, base, parallel > 1 ? 1 : null));
  const runs = jobs.map((job) => {
    const [arm, seed] = job.split(':');
    const result = JSON.parse(fs.readFileSync(path.join(workerPaths(arm!, Number(seed)).runDir, 'bench.json'), 'utf8')) as WorkerResult;
    const best = bestCheckpoint(result.runDir);
    return { ...result, runDir: path.relative(ROOT, result.runDir), best: best ? path.basename(best) : null, lift: result.final.accuracy - baseScore.accuracy, curves: curves(result.runDir) };
  });
  const summary = arms.map((arm) => {
    const own = runs.filter((r) => r.arm === arm);
    const lifts = own.map((r) => r.lift);
    const passK = own.map((r) => r.final.passK);
    return {
      arm,
      describe: ARMS[arm]!.describe,
      seeds: own.length,
      liftMean: mean(lifts),
      liftSd: sd(lifts),
      liftMin: Math.min(...lifts),
      liftMax: Math.max(...lifts),
      accuracyMean: mean(own.map((r) => r.final.accuracy)),
      passKMean: mean(passK),
      minutesMean: mean(own.map((r) => r.minutes)),
      rlMinutesMean: mean(own.map((r) => r.rlMinutes)),
      stepsMean: mean(own.map((r) => r.steps)),
    };
  });
  const recipe = summary.find((s) => s.arm === 'default');
  const verdict = recipe
    ? { arm: 'default', liftMean: recipe.liftMean, passKMean: recipe.passKMean, basePassK: baseScore.passK, met: recipe.liftMean >= TARGET_LIFT && recipe.passKMean >= baseScore.passK }
    : null;
  const report = {
    benchmark: 'rl',
    date: new Date().toISOString(),
    spec: path.relative(ROOT, SPEC),
    task: quickstart.task,
    model: quickstart.model,
    base: { run: path.relative(ROOT, base), checkpoint: path.relative(ROOT, baseCheckpoint), score: baseScore },
    settings: { steps, minutes, seeds, parallel, finalLimit, k, curveProblems: CURVE_PROBLEMS, curveEvery: Number(args['eval-every']), wallMinutes: (Date.now() - started) / 60_000 },
    arms: Object.fromEntries(arms.map((a) => [a, ARMS[a]])),
    targetLift: TARGET_LIFT,
    verdict,
    summary,
    runs,
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'rl.json'), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(RESULTS, 'rl.svg'), chartSvg(panels(runs, baseScore)));

  console.log(`\nRL learning benchmark: base ${pct(baseScore.accuracy)} greedy, pass@${k} ${pct(baseScore.passK)} on ${baseScore.n} frozen test problems; ${steps >= 1_000_000 ? `${minutes} min` : `${steps} steps`} of RL per run`);
  console.log(`| arm      | seeds | lift, mean ± sd (min..max) | greedy | pass@${k} | steps | RL min | with evals |`);
  console.log('|----------|-------|-----------------------------|--------|--------|-------|--------|------------|');
  for (const s of summary) {
    console.log(`| ${s.arm.padEnd(8)} | ${String(s.seeds).padStart(5)} | ${`${points(s.liftMean)} ± ${(100 * s.liftSd).toFixed(1)} (${points(s.liftMin)}..${points(s.liftMax)})`.padEnd(27)} | ${pct(s.accuracyMean).padStart(6)} | ${pct(s.passKMean).padStart(6)} | ${s.stepsMean.toFixed(0).padStart(5)} | ${s.rlMinutesMean.toFixed(1).padStart(6)} | ${s.minutesMean.toFixed(1).padStart(10)} |`);
  }
  if (verdict) console.log(`target (default arm: mean lift ≥ +${100 * TARGET_LIFT} points, pass@${k} not below the base's): ${verdict.met ? 'met' : 'NOT met'}`);
  console.log(`results: ${path.relative(ROOT, path.join(RESULTS, 'rl.json'))}, plot: ${path.relative(ROOT, path.join(RESULTS, 'rl.svg'))}`);
}

type Run = { arm: string; seed: number; curves: ReturnType<typeof curves> };

function panels(runs: Run[], base: Score): Panel[] {
  const name = (r: Run) => `${r.arm} s${r.seed}`;
  const evalSeries = (pick: (e: Run['curves']['evals'][number]) => number): Series[] =>
    runs.map((r) => ({ name: name(r), points: r.curves.evals.map((e) => [e.step, pick(e)] as [number, number]) }));
  const stepSeries = (key: keyof Run['curves']['steps'][number], window = 5): Series[] =>
    runs.map((r) => ({ name: name(r), points: smooth(r.curves.steps.filter((s) => s[key] !== undefined).map((s) => [s.step, s[key]!] as [number, number]), window) }));
  const k = base.k;
  return [
    { title: `Held-out greedy accuracy (${CURVE_PROBLEMS} test problems; base ${pct(base.accuracy)})`, xLabel: 'RL step', yLabel: 'accuracy', series: evalSeries((e) => e.pass1), yRange: [0, 1] },
    { title: `Held-out pass@${k} (base ${pct(base.passK)})`, xLabel: 'RL step', yLabel: `pass@${k}`, series: evalSeries((e) => e.passK), yRange: [0, 1] },
    { title: 'Length of correct completions (tokens, moving average of 5)', xLabel: 'RL step', yLabel: 'tokens', series: stepSeries('lengthCorrect') },
    { title: 'Length of wrong completions (tokens, moving average of 5)', xLabel: 'RL step', yLabel: 'tokens', series: stepSeries('lengthWrong') },
    { title: 'Entropy (nats/token, moving average of 5)', xLabel: 'RL step', yLabel: 'nats', series: stepSeries('entropy') },
    { title: 'Policy movement per step, KL(old‖new) (nats/token)', xLabel: 'RL step', yLabel: 'nats', series: stepSeries('stepKl', 1) },
  ];
}

main().catch((e: unknown) => {
  console.error(`bench:rl failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
