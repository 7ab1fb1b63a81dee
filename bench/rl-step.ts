// `npm run bench:rl-step`: one GRPO step of the RL recipe issue 12 names
// (tiny, rotary positions, context 512; 32 prompts × 8 completions of up to 400
// tokens; KL to a reference in the loss; one update per step), timed in parts —
// rollout (KV-cache sampling), reference log-probs, policy update (forward,
// backward, AdamW), and an evaluation of N problems (greedy plus k samples each)
// — against PyTorch peers doing the same step (bench/peer/gpt_peer.py --rl-step).
//
// Both sides get the same work: the same problems' prompts and the same
// completion lengths, drawn from a seeded distribution shaped like a real base
// model's rollouts (correct answers ~80 tokens, wrong ones ~140, a few
// truncated at the limit); a row stops when it reaches its length (`rowLimits`),
// so an untrained model does exactly the decoding a trained one would.
//
// Peers: Debian's python3-torch (1.13, OpenBLAS) and PyTorch 2.x from PyPI in
// the project's .venv (`scripts/setup.sh --bench`), each where it imports. Each side runs
// in its own process; each figure is the fastest of --repeats runs, since other
// work on a shared machine only ever slows a run down. JSON goes to
// bench/results/rl-step.json.
//
// Options: --prompts 32 --group 8 --max-tokens 400 --eval-problems 100
//          --eval-samples 4 --repeats 2 --preset tiny --no-peer --peers debian,pypi
//          --threads N (both sides; default: the engine's own choice, peers on every core)
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateProblems } from '../src/core/countdown/generator';
import type { Problem } from '../src/core/countdown/problem';
import { renderPrompt } from '../src/core/countdown/prompts';
import type { ModelPreset, ResolvedConfig } from '../src/core/spec/config';
import { resolveSpec } from '../src/core/spec/resolve';
import { presetShape } from '../src/core/spec/schema';
import type { BackendInfo } from '../src/core/protocol/records';
import { selectBackend } from '../src/trainer/backend';
import { evalRowsPerCall, sampleInCalls } from '../src/trainer/eval';
import { fusedKernelsInPlace } from '../src/trainer/model/fused';
import { Gpt } from '../src/trainer/model/gpt';
import { kernelClock, resetKernelClock } from '../src/trainer/model/kernel-clock';
import { sample, type SampleOptions } from '../src/trainer/model/sampler';
import { Tokenizer } from '../src/trainer/model/tokenizer';
import { AdamW } from '../src/trainer/optim/adamw';
import { outcomeAdvantages } from '../src/trainer/rl/advantages';
import { completionLogProbs } from '../src/trainer/rl/forward';
import { optimise, type TrainSample } from '../src/trainer/rl/update';
import { Rng } from '../src/trainer/rng';
import { TRAINING_FLOPS_PER_FORWARD, forwardFlops } from './flops';
import { PEER_HELP, type Peer, findPeers, peerThreads } from './peer/peers';

const root = resolve(__dirname, '..');

/** Everything one side needs to do the step: the same on both sides. */
export interface StepJob {
  preset: ModelPreset;
  layers: number;
  width: number;
  heads: number;
  context: number;
  vocab: number;
  prompts: number[][];
  group: number;
  maxTokens: number;
  /** Completion length of each rollout row (prompt i's rows are i*group .. i*group+group-1). */
  lengths: number[];
  /** Reward of each rollout row, for the advantages. */
  rewards: number[];
  /** Micro-batch token budget of the reference pass and the update (rl/forward.ts). */
  microTokens: number;
  evalPrompts: number[][];
  evalSamples: number;
  /** Rows per sampler call of the evaluation (eval.ts's memory bound). */
  evalRowsPerCall: number;
  /** Greedy completion length per eval problem, then each sampled row's, problem by problem. */
  evalGreedyLengths: number[];
  evalSampledLengths: number[];
  repeats: number;
  seed: number;
}

export interface StepTimes {
  /** Seconds per part, fastest of the repeats. */
  rollout: number;
  reference: number;
  update: number;
  eval: number;
}

/** Where one part's wall time went: tfjs kernels by name, the engine's own kernels, and the rest. */
interface Breakdown {
  wallMs: number;
  entries: Array<{ name: string; ms: number; calls: number }>;
}

interface EngineResult {
  backend: BackendInfo;
  params: number;
  seconds: StepTimes;
  /** CPU seconds of this process in each part (all its threads). */
  cpuSeconds: StepTimes;
  /** One more run of each step part, profiled (tf.profile plus the engine's kernel clock). */
  breakdown: Record<'rollout' | 'reference' | 'update', Breakdown>;
  /** Whether the fused kernels ran over the WASM heap in place (fused.ts) rather than copying. */
  inPlace: boolean;
}

/**
 * Runs `work` once under tf.profile and the engine's kernel clock: each tfjs
 * kernel's wall time (its own, synchronous on WASM), each of the engine's
 * WebAssembly kernels' (copies included), and what is left — JavaScript, the
 * gradient tape, allocation. Profiling adds a little to the wall time itself.
 */
async function kernelBreakdown(work: () => Promise<unknown> | unknown): Promise<Breakdown> {
  resetKernelClock();
  const start = performance.now();
  const profile = await tf.profile(async () => void (await work()));
  const wallMs = performance.now() - start;
  const byName = new Map<string, { ms: number; calls: number }>();
  const add = (name: string, ms: number, calls: number) => {
    const account = byName.get(name) ?? { ms: 0, calls: 0 };
    account.ms += ms;
    account.calls += calls;
    byName.set(name, account);
  };
  // Only registered kernels: a customGrad op is profiled too, under its scope's name, and its time holds its inner kernels'.
  for (const k of profile.kernels) {
    if (tf.getKernel(k.name, tf.getBackend()) && typeof k.kernelTimeMs === 'number') add(`tfjs ${k.name}`, k.kernelTimeMs, 1);
  }
  for (const [name, account] of kernelClock()) add(`engine ${name}`, account.ms, account.calls);
  const accounted = [...byName.values()].reduce((sum, a) => sum + a.ms, 0);
  add('rest (JavaScript, tape, allocation)', Math.max(0, wallMs - accounted), 0);
  return { wallMs, entries: [...byName].map(([name, a]) => ({ name, ...a })).sort((a, b) => b.ms - a.ms) };
}

/** The RL block of the recipe, resolved by the spec language with every default filled in. */
function recipe(preset: ModelPreset, prompts: number, group: number, maxTokens: number, evalProblems = 1): ResolvedConfig {
  const text = `task {\n  train ${prompts}\n  test ${evalProblems}\n  seed 7\n}\nprompt compact\nmodel {\n  preset ${preset}\n  positions rotary\n}\n` +
    `rl {\n  prompts ${prompts}\n  group ${group}\n  max-tokens ${maxTokens}\n  kl 0.01\n  lr 3e-5\n}\n`;
  const { config, diagnostics } = resolveSpec(text);
  if (!config) throw new Error(`the bench's spec does not resolve: ${diagnostics.map((d) => d.message).join('; ')}`);
  return config;
}

/**
 * A completion length like a base model's rollouts on Countdown: correct
 * answers short (~80 tokens), wrong searches longer (~140), a few that run to the limit.
 */
function completionLength(rng: Rng, maxTokens: number): number {
  const roll = rng.int(0, 99);
  const spread = (mean: number, width: number) => mean + rng.int(-width, width);
  const length = roll < 40 ? spread(80, 15) : roll < 95 ? spread(140, 25) : maxTokens;
  return Math.max(8, Math.min(maxTokens, length));
}

function makeJob(args: ReturnType<typeof options>): StepJob {
  const preset = args.preset as ModelPreset;
  const config = recipe(preset, args.prompts, args.group, args.maxTokens, args.evalProblems);
  const { rl } = config;
  const tokenizer = new Tokenizer();
  const { train, test } = generateProblems(config.task);
  const encode = (p: Problem) => tokenizer.encode(renderPrompt(config.prompt, p));
  const rng = Rng.seeded(11);
  const rows = args.prompts * args.group;
  const lengths = Array.from({ length: rows }, () => completionLength(rng, rl.maxTokens));
  const rewards = lengths.map((n) => (n < 110 ? 1 : n < rl.maxTokens ? 0.1 : 0));
  return {
    preset,
    ...presetShape(preset),
    context: config.model.context,
    vocab: tokenizer.vocabSize,
    prompts: train.map(encode),
    group: rl.groupSize,
    maxTokens: rl.maxTokens,
    lengths,
    rewards,
    microTokens: 4096,
    evalPrompts: test.map(encode),
    evalSamples: args.evalSamples,
    evalRowsPerCall: evalRowsPerCall(config.model),
    evalGreedyLengths: test.map(() => completionLength(rng, rl.maxTokens)),
    evalSampledLengths: test.flatMap(() => Array.from({ length: args.evalSamples }, () => completionLength(rng, rl.maxTokens))),
    repeats: args.repeats,
    seed: 5,
  };
}

/** Wall seconds of the fastest of `repeats` runs, and the CPU seconds this process spent in it (steadier on a busy machine). */
async function best(repeats: number, work: () => Promise<unknown> | unknown): Promise<{ wall: number; cpu: number }> {
  let fastest = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    await work();
    const used = process.cpuUsage(cpu);
    const wall = (performance.now() - start) / 1000;
    if (wall < fastest.wall) fastest = { wall, cpu: (used.user + used.system) / 1e6 };
  }
  return fastest;
}

/** The engine's side, in this process. */
async function engineStep(job: StepJob): Promise<EngineResult> {
  const backend = await selectBackend('wasm');
  const { rl } = recipe(job.preset, job.prompts.length, job.group, job.maxTokens);
  if (rl.algorithm === 'ppo') throw new Error('bench:rl-step runs a group algorithm');
  const algorithm = rl.algorithm;
  const tokenizer = new Tokenizer();
  const config = { preset: job.preset, layers: job.layers, width: job.width, heads: job.heads, context: job.context, positions: 'rotary' as const, valueHead: false };
  const policy = new Gpt(config, job.vocab, 1);
  const reference = new Gpt(config, job.vocab, 1);
  const optimizer = new AdamW(policy.variables, { weightDecay: 0 });
  const rows = job.prompts.flatMap((p) => Array<number[]>(job.group).fill(p));
  const sampling = (rowLimits: number[], seed: number, greedy = false): SampleOptions =>
    ({ maxNewTokens: job.maxTokens, temperature: rl.temperature, topK: 0, topP: 1, greedy, seed, stopTokens: [], rowLimits });

  const rollout = async (limits: number[]) => {
    const drawn = await sample(policy, rows, sampling(limits, job.seed));
    return rows.map((prompt, r) => ({ prompt, completion: drawn.tokens[r]!, logProbs: drawn.logProbs[r]! }));
  };
  const advantages = outcomeAdvantages(algorithm, job.rewards, rl.groupSize, rl.rewardScaling);
  const trainSamples = (samples: Awaited<ReturnType<typeof rollout>>, ref: number[][]): TrainSample[] =>
    samples.map((s, i) => ({
      prompt: s.prompt, completion: s.completion, oldLogProbs: s.logProbs, refLogProbs: ref[i]!,
      advantages: s.completion.map(() => advantages[i]!), returns: null, masked: false,
    }));
  const update = (samples: TrainSample[]) => optimise(policy, optimizer, samples, { rl, lr: rl.lr, pad: tokenizer.pad, rng: Rng.seeded(3) });
  // What `evaluate` samples: every problem greedily, then each `evalSamples` times, in calls as large as memory allows.
  const evaluation = async () => {
    const perCall = job.evalRowsPerCall;
    await sampleInCalls(policy, job.evalPrompts, sampling(job.evalGreedyLengths, job.seed, true), perCall);
    const sampledRows = job.evalPrompts.flatMap((p) => Array<number[]>(job.evalSamples).fill(p));
    await sampleInCalls(policy, sampledRows, sampling(job.evalSampledLengths, job.seed), perCall);
  };

  // Warm-up at small sizes: kernels compiled, weights packed, memories grown.
  const warm = await rollout(job.lengths.map((n) => Math.min(n, 16)));
  update(trainSamples(warm, completionLogProbs(reference, warm, tokenizer.pad, rl.temperature)));

  let samples = warm;
  let ref: number[][] = [];
  const parts = {
    rollout: await best(job.repeats, async () => void (samples = await rollout(job.lengths))),
    reference: await best(job.repeats, () => void (ref = completionLogProbs(reference, samples, tokenizer.pad, rl.temperature))),
    update: await best(job.repeats, () => update(trainSamples(samples, ref))),
    eval: await best(job.repeats, evaluation),
  };
  const breakdown = {
    rollout: await kernelBreakdown(() => rollout(job.lengths)),
    reference: await kernelBreakdown(() => completionLogProbs(reference, samples, tokenizer.pad, rl.temperature)),
    update: await kernelBreakdown(() => update(trainSamples(samples, ref))),
  };
  const pick = (which: 'wall' | 'cpu'): StepTimes =>
    ({ rollout: parts.rollout[which], reference: parts.reference[which], update: parts.update[which], eval: parts.eval[which] });
  const made = samples.map((s) => s.completion.length);
  if (made.some((n, i) => n !== job.lengths[i])) throw new Error('the rollout did not make the completion lengths it was given');
  return { backend, params: policy.paramCount(), seconds: pick('wall'), cpuSeconds: pick('cpu'), breakdown, inPlace: fusedKernelsInPlace() };
}

function options() {
  const { values } = parseArgs({
    options: {
      worker: { type: 'string' },
      preset: { type: 'string', default: 'tiny' },
      prompts: { type: 'string', default: '32' },
      group: { type: 'string', default: '8' },
      'max-tokens': { type: 'string', default: '400' },
      'eval-problems': { type: 'string', default: '100' },
      'eval-samples': { type: 'string', default: '4' },
      repeats: { type: 'string', default: '2' },
      threads: { type: 'string' },
      'no-peer': { type: 'boolean', default: false },
      peers: { type: 'string', default: 'debian,pypi' },
    },
  });
  return {
    worker: values.worker,
    preset: values.preset!,
    prompts: Number(values.prompts),
    group: Number(values.group),
    maxTokens: Number(values['max-tokens']),
    evalProblems: Number(values['eval-problems']),
    evalSamples: Number(values['eval-samples']),
    repeats: Number(values.repeats),
    threads: values.threads ? Number(values.threads) : null,
    peers: values['no-peer'] ? [] : values.peers!.split(',').filter(Boolean),
  };
}

/** Runs `engineStep` in a fresh process (its own WASM heap). */
function engine(jobFile: string, threads: number | null): EngineResult | { error: string } {
  const env = threads ? { ...process.env, RLAB_WASM_THREADS: String(threads) } : process.env;
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/rl-step.ts'), '--worker', jobFile], {
    encoding: 'utf8', cwd: root, timeout: 900_000, env,
  });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !line.startsWith('{')) {
    return { error: `exit ${run.status ?? run.signal}: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}` };
  }
  return JSON.parse(line);
}

interface PeerResult {
  torch: string;
  threads: string;
  seconds: StepTimes;
  cpuSeconds: StepTimes;
}

function peer(p: Peer, jobFile: string, threads: number | null): PeerResult | { error: string } {
  const settings = peerThreads(p.name, threads ?? undefined);
  const run = spawnSync(p.python, [join(root, 'bench/peer/gpt_peer.py'), '--rl-step', jobFile, String(settings.torch)], {
    encoding: 'utf8', timeout: 900_000, env: settings.env,
  });
  if (run.status !== 0) return { error: run.stderr.trim().split('\n').slice(-2).join(' | ') };
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

/** What this bench reads of bench/results/trainer.json. */
interface TrainerJson {
  date: string;
  results: Array<{ preset: string; engine: { sampleCachedTokensPerSec?: number; trainTokensPerSec?: number } }>;
  matmul?: { size: number; engine: number; peers: Record<string, number> };
}

/** bench:trainer's engine figures for `preset` from bench/results/trainer.json, where it has them. */
function ownFigures(preset: string): { date: string; sample: number; train: number; matmul: TrainerJson['matmul'] | null } | null {
  try {
    const saved = JSON.parse(readFileSync(join(root, 'bench/results/trainer.json'), 'utf8')) as TrainerJson;
    const engine = saved.results.find((r) => r.preset === preset)?.engine;
    return engine?.sampleCachedTokensPerSec && engine.trainTokensPerSec
      ? { date: saved.date.slice(0, 10), sample: engine.sampleCachedTokensPerSec, train: engine.trainTokensPerSec, matmul: saved.matmul ?? null }
      : null;
  } catch {
    return null;
  }
}

const PARTS: Array<keyof StepTimes> = ['rollout', 'reference', 'update', 'eval'];
const stepSeconds = (s: StepTimes) => s.rollout + s.reference + s.update;

async function main(): Promise<void> {
  const args = options();
  if (args.worker) {
    const job = JSON.parse(readFileSync(args.worker, 'utf8')) as StepJob;
    console.log(JSON.stringify(await engineStep(job)));
    return;
  }
  const job = makeJob(args);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const jobFile = join(root, 'bench/results/rl-step-job.json');
  writeFileSync(jobFile, JSON.stringify(job));
  const completionTokens = job.lengths.reduce((a, b) => a + b, 0);
  const sequenceTokens = completionTokens + job.prompts.reduce((n, p) => n + p.length * job.group, 0);
  const evalTokens = [...job.evalGreedyLengths, ...job.evalSampledLengths].reduce((a, b) => a + b, 0);
  // Useful floating-point work of each part (flops.ts): whole sequences, prompt and completion.
  const shape = { layers: job.layers, width: job.width, vocab: job.vocab };
  const rolloutFlops = forwardFlops(shape, job.lengths.map((n, i) => job.prompts[Math.floor(i / job.group)]!.length + n));
  const flopsOf: Record<keyof StepTimes, number> = {
    rollout: rolloutFlops,
    reference: rolloutFlops,
    update: TRAINING_FLOPS_PER_FORWARD * rolloutFlops,
    eval: forwardFlops(shape, [
      ...job.evalGreedyLengths.map((n, i) => job.evalPrompts[i]!.length + n),
      ...job.evalSampledLengths.map((n, j) => job.evalPrompts[Math.floor(j / job.evalSamples)]!.length + n),
    ]),
  };
  console.log(`bench:rl-step  ${job.preset} (rotary, context ${job.context}); ${job.prompts.length} prompts x ${job.group}, ` +
    `completions ${Math.min(...job.lengths)}..${Math.max(...job.lengths)} tokens (mean ${(completionTokens / job.lengths.length).toFixed(0)}, limit ${job.maxTokens}); ` +
    `eval ${job.evalPrompts.length} problems x (greedy + ${job.evalSamples}); fastest of ${job.repeats}`);

  const ours = engine(jobFile, args.threads);
  if ('error' in ours) throw new Error(`engine failed: ${ours.error}`);
  const peers = findPeers(args.peers).map((p) => ({ name: p.name, result: peer(p, jobFile, args.threads) }));

  const fmt = (s: number) => s.toFixed(2).padStart(8);
  const gflops = (flops: number, s: number) => (flops / s / 1e9).toFixed(1);
  const perSecond = (tokens: number, s: number) => Math.round(tokens / s).toLocaleString('en-US').padStart(8);
  const tokensOf: Record<keyof StepTimes, number> = { rollout: completionTokens, reference: sequenceTokens, update: sequenceTokens, eval: evalTokens };
  const b = ours.backend;
  console.log(`engine: ${ours.params.toLocaleString('en-US')} parameters; backend ${b.name}, ${b.threads} thread(s)${b.fallback ? ` (${b.fallback})` : ''}; ` +
    `fused kernels ${ours.inPlace ? 'in place on the heap' : 'copying in and out'}`);
  // Ratios are the peer's seconds over the engine's (above 1: the engine is faster); CPU-second
  // ratios say the same on a busy machine when both sides run one thread (--threads 1).
  const header = ['part'.padEnd(10), 'engine s', '  tok/s', 'GFLOP/s', '   cpu s', ...peers.flatMap((p) => [`${p.name} s`.padStart(10), 'ratio'.padStart(7), 'cpu ratio'])];
  console.log(header.join(' '));
  const ratios: Record<string, Record<string, number>> = {};
  const row = (label: string, tokens: number, flops: number, pick: (s: StepTimes) => number) => {
    const ourSeconds = pick(ours.seconds);
    const cells = [label.padEnd(10), fmt(ourSeconds), perSecond(tokens, ourSeconds), gflops(flops, ourSeconds).padStart(7), fmt(pick(ours.cpuSeconds))];
    for (const p of peers) {
      if ('error' in p.result) {
        cells.push('failed'.padStart(10), ''.padStart(7), ''.padStart(9));
        continue;
      }
      const theirs = pick(p.result.seconds);
      (ratios[p.name] ??= {})[label] = Number((theirs / ourSeconds).toFixed(3));
      const cpu = pick(p.result.cpuSeconds) / pick(ours.cpuSeconds);
      cells.push(fmt(theirs).padStart(10), `${(theirs / ourSeconds).toFixed(2)}x`.padStart(7), `${cpu.toFixed(2)}x`.padStart(9));
    }
    console.log(cells.join(' '));
  };
  for (const part of PARTS) row(part, tokensOf[part], flopsOf[part], (s) => s[part]);
  row('step', completionTokens, flopsOf.rollout + flopsOf.reference + flopsOf.update, stepSeconds);
  for (const p of peers) {
    if ('error' in p.result) {
      console.log(`peer ${p.name} failed: ${p.result.error}`);
      continue;
    }
    const theirs = p.result.seconds;
    console.log(`peer ${p.name}: torch ${p.result.torch}, ${p.result.threads}; GFLOP/s ${PARTS.map((part) => `${part} ${gflops(flopsOf[part], theirs[part])}`).join(', ')}`);
  }
  if (peers.length === 0) console.log(`peers: none import torch (${PEER_HELP})`);
  const own = ownFigures(job.preset);
  if (own) {
    const share = (tokens: number, seconds: number, figure: number) => `${Math.round((100 * tokens) / seconds / figure)}%`;
    console.log(`useful tokens/s against bench:trainer's figures for ${job.preset} (${own.date}): rollout ${share(completionTokens, ours.seconds.rollout, own.sample)} ` +
      `of its KV sampling; update ${share(sequenceTokens, ours.seconds.update, own.train)} of its training (target: 70%)`);
  }
  if (own?.matmul) {
    console.log(`bench:trainer's matrix-product peak (${own.date}, ${own.matmul.size}² by ${own.matmul.size}²): engine ${own.matmul.engine.toFixed(1)} GFLOP/s` +
      Object.entries(own.matmul.peers).map(([name, g]) => `, ${name} ${g.toFixed(1)}`).join(''));
  }
  console.log('where the engine\'s time goes (one more run of each part, profiled):');
  for (const [part, { wallMs, entries }] of Object.entries(ours.breakdown)) {
    const shown = entries.filter((e) => e.ms >= 0.01 * wallMs);
    const cells = shown.map((e) => `${e.name} ${((100 * e.ms) / wallMs).toFixed(0)}% (${(e.ms / 1000).toFixed(2)} s${e.calls ? `, ${e.calls} calls` : ''})`);
    console.log(`  ${part} ${(wallMs / 1000).toFixed(2)} s: ${cells.join('; ')}`);
  }
  const out = join(root, 'bench/results/rl-step.json');
  writeFileSync(out, `${JSON.stringify({
    date: new Date().toISOString(),
    settings: { preset: job.preset, prompts: job.prompts.length, group: job.group, maxTokens: job.maxTokens, evalProblems: job.evalPrompts.length, evalSamples: job.evalSamples, repeats: job.repeats },
    tokens: { completion: completionTokens, sequence: sequenceTokens, eval: evalTokens },
    flops: flopsOf,
    engine: ours,
    peers: Object.fromEntries(peers.map((p) => [p.name, p.result])),
    ratios,
  }, null, 2)}\n`);
  console.log(`written to ${out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
