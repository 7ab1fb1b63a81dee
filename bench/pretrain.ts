// Learning benchmark for base-model pretraining (`npm run bench:pretrain`):
// pretrain a model preset (`tiny` unless `--preset` says otherwise) on 3-number Countdown search traces for a fixed
// time budget, then evaluate the base model on the whole frozen test split
// (greedy pass@1, sampled pass@k with k = the RL group size, format rate).
// Prints the curve; writes bench/results/pretrain.json (with the run
// directory and base checkpoint that `bench:rl` starts from) and pretrain.svg.
//
//   npm run bench:pretrain -- [--minutes 20] [--values 1..10] [--target 1..30]
//                             [--traces dfs] [--batch 4] [--lr 2e-3] [--k 8] [--final-limit 100] [--steps N] [--preset tiny] [--positions rotary]
//
// The number of steps is fixed before the run (the cosine schedule needs it):
// `--steps`, or from a calibration of the step time after a warm-up and of one
// evaluation (on a busy machine it underestimates what the budget allows). A
// run that overshoots the budget by 15% is stopped with a checkpoint.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { EvalRecord, StepRecord } from '../src/core/protocol/records';
import { parseJsonl } from '../src/core/run/jsonl';
import { runFile, runId } from '../src/core/run/layout';
import { resolveSpec } from '../src/core/spec/resolve';
import { selectBackend } from '../src/trainer/backend';
import { loadPolicy } from '../src/trainer/checkpoint/policy';
import { latestCheckpoint } from '../src/trainer/checkpoint/store';
import { PretrainStream } from '../src/trainer/data/pretrain-stream';
import { ShuffledStream } from '../src/trainer/data/shuffled-stream';
import { mixSeed } from '../src/trainer/rng';
import { taskData } from '../src/trainer/data/task';
import { RunControl } from '../src/trainer/engine/control';
import { runTraining } from '../src/trainer/engine/run';
import { silentSink } from '../src/trainer/engine/sink';
import { evaluate } from '../src/trainer/eval';
import { Gpt } from '../src/trainer/model/gpt';
import { Tokenizer } from '../src/trainer/model/tokenizer';
import { AdamW } from '../src/trainer/optim/adamw';
import { pretrainStep } from '../src/trainer/pretrain/stage';
import { chartSvg } from './plot';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const RUNS = path.join(ROOT, '.rlab', 'runs');
const TARGETS = { formatRate: 0.95, accuracy: 0.25 };
const EVALS = 8;

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '20' },
    values: { type: 'string', default: '1..10' },
    target: { type: 'string', default: '1..30' },
    traces: { type: 'string', default: 'dfs' },
    batch: { type: 'string', default: '4' },
    lr: { type: 'string', default: '2e-3' },
    k: { type: 'string', default: '8' },
    'final-limit': { type: 'string', default: '100' },
    steps: { type: 'string' },
    preset: { type: 'string', default: 'tiny' },
    positions: { type: 'string', default: 'rotary' },
  },
});
const minutes = Number(args.minutes);
const batch = Number(args.batch);
const k = Number(args.k);
const log = (msg: string): void => console.log(`[bench:pretrain ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function specText(steps: number, evalEvery: number): string {
  return `# bench:pretrain: ${args.preset} model, 3-number Countdown, values ${args.values}, targets ${args.target}
name "bench-pretrain"
task {
  numbers  3
  values   ${args.values}
  target   ${args.target}
  train    1500
  test     500
  seed     7
}
prompt compact
model {
  preset     ${args.preset}
  positions  ${args.positions}
}
pretrain {
  traces      ${args.traces}
  steps       ${steps}
  batch       ${batch}
  lr          ${args.lr}
  warmup      50
  eval-every  ${evalEvery}
}
rl {
  max-tokens  400
}
eval {
  samples  1
  limit    30
}
device auto
`;
}

/**
 * Seconds per optimizer step of this spec's model and data after a warm-up
 * (the first steps pay for compiling kernels and growing memories), and of one
 * of its evaluations, measured on a throwaway model. An untrained model writes
 * every completion to the token limit, so the evaluation figure is an upper bound.
 */
async function calibrate(text: string): Promise<{ step: number; evaluation: number }> {
  const { config } = resolveSpec(text);
  if (!config) throw new Error('the benchmark spec does not resolve');
  const tokenizer = new Tokenizer();
  const model = new Gpt(config.model, tokenizer.vocabSize, 1);
  const optimizer = new AdamW(model.variables);
  const data = taskData({ ...config, task: { ...config.task, train: 500, test: config.eval.limit } });
  const stream = new PretrainStream(new ShuffledStream(data.train, 1), config.prompt, config.pretrain, tokenizer, config.model.context, 1);
  const run = () => pretrainStep(model, optimizer, stream.next(batch), { pad: tokenizer.pad, microBatch: config.pretrain.microBatch, lr: 1e-4, gradClip: 1 });
  for (let i = 0; i < 5; i++) run();
  let started = performance.now();
  const timed = 20;
  for (let i = 0; i < timed; i++) run();
  const step = (performance.now() - started) / 1000 / timed;
  started = performance.now();
  await evaluate(model, tokenizer, data.test, {
    phase: 'pretrain', step: 0, split: 'test', prompt: config.prompt, reward: config.reward,
    samples: config.eval.samples, temperature: 1, maxNewTokens: config.rl.maxTokens, seed: 1,
  });
  const evaluation = (performance.now() - started) / 1000;
  optimizer.dispose();
  model.dispose();
  return { step, evaluation };
}

async function main(): Promise<void> {
  fs.mkdirSync(RESULTS, { recursive: true });
  const backend = await selectBackend('auto');
  log(`backend ${backend.name} (${backend.threads} thread(s), SIMD ${backend.simd}); budget ${minutes} min; values ${args.values}, targets ${args.target}, ${args.traces} traces, batch ${batch}, lr ${args.lr}`);
  let steps = Number(args.steps ?? 0);
  if (steps > 0) {
    log(`${steps} steps as asked`);
  } else {
    const seconds = await calibrate(specText(1, 1));
    // The evaluations before the first step, every evalEvery steps and after the last.
    const evaluations = (EVALS + 2) * seconds.evaluation;
    steps = Math.max(10, Math.floor((minutes * 60 - evaluations) / seconds.step));
    log(`calibration: ${seconds.step.toFixed(3)} s/step, at most ${seconds.evaluation.toFixed(1)} s per evaluation -> ${steps} steps`);
  }
  const evalEvery = Math.max(1, Math.ceil(steps / EVALS));

  const text = specText(steps, evalEvery);
  const specFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pretrain-')), 'bench-pretrain.countdown');
  fs.writeFileSync(specFile, text);
  const runDir = path.join(RUNS, runId('bench-pretrain', new Date()));
  const control = new RunControl();
  const deadline = setTimeout(() => {
    log('over budget: stopping with a checkpoint');
    void control.requestStop().catch(() => undefined);
  }, minutes * 60_000 * 1.15);
  const started = Date.now();
  const outcome = await runTraining({ spec: specFile, runDir, resume: false, stage: 'pretrain', device: null, from: null }, {
    ...silentSink,
    step: (r) => {
      if (r.step % 50 === 0) log(`step ${r.step}/${steps} loss ${r.loss?.toFixed(4)} ${Math.round(r.tokensPerSec ?? 0)} tok/s`);
    },
    eval: (r) => {
      if (r.split === 'test') log(`eval step ${r.step}: pass@1 ${pct(r.score.pass1)}, format ${pct(r.score.formatRate)}, held-out loss ${r.loss?.toFixed(4)}`);
    },
    failed: (p) => log(`FAILED: ${p.message}`),
  }, control);
  clearTimeout(deadline);
  fs.rmSync(path.dirname(specFile), { recursive: true, force: true });
  const trainSeconds = (Date.now() - started) / 1000;
  if (outcome === 'failed') throw new Error(`the pretraining run failed; see ${runFile(runDir, 'log')}`);

  const checkpoint = latestCheckpoint(runDir)!;
  const { model, tokenizer, checkpoint: saved } = loadPolicy(checkpoint);
  const config = saved.config.config;
  const all = taskData(config).test;
  const test = Number(args['final-limit']) > 0 ? all.slice(0, Number(args['final-limit'])) : all;
  log(`trained ${((trainSeconds / 60)).toFixed(1)} min (${outcome}); final evaluation of ${path.relative(ROOT, checkpoint)} on ${test.length} test problems, pass@${k}`);
  const evalStarted = Date.now();
  const { record: final } = await evaluate(model, tokenizer, test, {
    phase: 'pretrain',
    step: saved.state.step,
    split: 'test',
    prompt: config.prompt,
    reward: config.reward,
    samples: k,
    temperature: 1,
    maxNewTokens: config.rl.maxTokens,
    seed: mixSeed(config.task.seed, 4),
  });
  model.dispose();

  const steps_ = parseJsonl<StepRecord>(fs.readFileSync(runFile(runDir, 'metrics'), 'utf8')).records;
  const evals = parseJsonl<EvalRecord>(fs.readFileSync(runFile(runDir, 'eval'), 'utf8')).records.filter((r) => r.split === 'test');
  const tokensPerSec = steps_.reduce((s, r) => s + (r.tokensPerSec ?? 0), 0) / Math.max(1, steps_.length);
  const result = {
    benchmark: 'pretrain',
    date: new Date().toISOString(),
    task: { numbers: 3, values: args.values, target: args.target, train: config.task.train, test: all.length, finalEval: test.length, traces: args.traces, prompt: 'compact' },
    model: { params: saved.config.paramCount, ...config.model },
    backend,
    tfjs: tf.version_core,
    machine: { cpus: os.cpus().length, load: os.loadavg() },
    budgetMinutes: minutes,
    trainMinutes: trainSeconds / 60,
    steps: steps_.length,
    batch,
    lr: Number(args.lr),
    tokensPerSec,
    curve: steps_.map((r) => ({ step: r.step, loss: r.loss, lr: r.lr })),
    evals: evals.map((r) => ({ step: r.step, pass1: r.score.pass1, formatRate: r.score.formatRate, lengthMean: r.score.lengthMean, heldOutLoss: r.loss, n: r.score.n })),
    final: { step: final.step, n: final.score.n, accuracy: final.score.pass1, passK: final.score.passK, k, formatRate: final.score.formatRate, lengthMean: final.score.lengthMean, evalSeconds: (Date.now() - evalStarted) / 1000 },
    targets: TARGETS,
    met: final.score.formatRate >= TARGETS.formatRate && final.score.pass1 >= TARGETS.accuracy,
    runDir: path.relative(ROOT, runDir),
    checkpoint: path.relative(ROOT, checkpoint),
  };
  fs.writeFileSync(path.join(RESULTS, 'pretrain.json'), JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(
    path.join(RESULTS, 'pretrain.svg'),
    chartSvg([
      { title: 'Pretraining loss (completion tokens)', xLabel: 'step', yLabel: 'cross-entropy (nats)', series: [{ name: 'train', points: steps_.map((r) => [r.step, r.loss ?? NaN] as const) }, { name: 'held-out', points: evals.map((r) => [r.step, r.loss ?? NaN] as const), markers: true }] },
      { title: `Test split (${evals[0]?.score.n ?? 0} problems, greedy)`, xLabel: 'step', yLabel: 'share', yRange: [0, 1], series: [{ name: 'format rate', points: evals.map((r) => [r.step, r.score.formatRate] as const) }, { name: 'accuracy (pass@1)', points: evals.map((r) => [r.step, r.score.pass1] as const) }] },
    ]),
  );

  console.log('\nstep    loss     held-out  format   pass@1');
  for (const e of evals) {
    const loss = steps_.find((r) => r.step === e.step)?.loss ?? NaN;
    console.log(`${String(e.step).padStart(5)}  ${loss.toFixed(4)}  ${(e.loss ?? NaN).toFixed(4)}    ${pct(e.score.formatRate).padStart(6)}  ${pct(e.score.pass1).padStart(6)}`);
  }
  console.log(`\nfinal (${final.score.n} test problems): accuracy ${pct(final.score.pass1)}, pass@${k} ${pct(final.score.passK)}, format ${pct(final.score.formatRate)}, length ${final.score.lengthMean.toFixed(0)} tokens`);
  console.log(`targets: format >= ${pct(TARGETS.formatRate)}, accuracy >= ${pct(TARGETS.accuracy)}: ${result.met ? 'met' : 'NOT met'}`);
  console.log(`${steps_.length} steps in ${(trainSeconds / 60).toFixed(1)} of ${minutes} min, ${Math.round(tokensPerSec)} tokens/s on ${backend.name}; base checkpoint ${result.checkpoint}`);
  console.log(`results: bench/results/pretrain.json, bench/results/pretrain.svg`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
