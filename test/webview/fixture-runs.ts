// Realistic run snapshots for the webview tests, the screenshot and the
// benchmark: curves shaped like an R1-Zero Countdown run (accuracy rising in a
// sigmoid, length growing, entropy falling), seeded so every run is the same.
import type { AlertRecord, EvalRecord, RunInfo, StepRecord, TraceRecord } from '../../src/core/protocol/records';
import type { RunSnapshot } from '../../src/core/protocol/webview';
import type { Verdict } from '../../src/core/countdown/verdict';
import { resolveSpec } from '../../src/core/spec/resolve';

export interface FixtureOptions {
  id: string;
  /** Spec body after `name` and `task { }` (e.g. an `rl { }` block). */
  spec?: string;
  seed?: number;
  pretrainSteps: number;
  rlSteps: number;
  traces: number;
  evalEvery?: number;
  status?: RunInfo['status'];
  /** How fast this run learns (1 = the reference curve). */
  pace?: number;
  /** Also evaluate on the spec's fixed problems (one problem, k = 2). */
  problems?: boolean;
}

/** mulberry32: a tiny seeded generator, enough for plausible noise. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function fixtureRun(o: FixtureOptions): RunSnapshot {
  const rand = random(o.seed ?? 1);
  const noise = (scale: number) => (rand() - 0.5) * 2 * scale;
  const resolved = resolveSpec(`name "${o.id}"\ntask { }\n${o.spec ?? ''}\n`);
  if (!resolved.config) throw new Error(`fixture spec does not resolve: ${resolved.diagnostics.map((d) => d.message).join('; ')}`);
  // The run's steps end a few seconds ago, so a live run reads as one.
  const start = Date.now() - (o.pretrainSteps * 180 + o.rlSteps * 2400) - 5000;
  const pace = o.pace ?? 1;
  const steps: StepRecord[] = [];
  for (let s = 1; s <= o.pretrainSteps; s++) {
    const warm = Math.min(1, s / 100);
    steps.push({
      phase: 'pretrain',
      step: s,
      time: start + s * 180,
      loss: 2.9 * Math.exp(-s / (o.pretrainSteps / 4)) + 0.55 + noise(0.08),
      lr: 3e-4 * warm * (0.55 + 0.45 * Math.cos((Math.PI * s) / o.pretrainSteps)),
      gradNorm: 0.8 + 2 * Math.exp(-s / 200) + noise(0.2),
      tokensPerSec: 9200 + noise(600),
      stepMs: 180 + noise(20),
    });
  }
  const accuracyAt = (s: number) => clamp01(0.04 + 0.56 * sigmoid(((s / Math.max(1, o.rlSteps)) * pace - 0.45) * 9));
  for (let s = 1; s <= o.rlSteps; s++) {
    const accuracy = clamp01(accuracyAt(s) + noise(0.05));
    const formatRate = clamp01(0.35 + 0.63 * sigmoid((s / o.rlSteps) * 12 * pace - 2) + noise(0.03));
    const noAnswer = 1 - formatRate;
    const wrong = Math.max(0, formatRate - accuracy);
    const verdicts: Partial<Record<Verdict, number>> = {
      correct: accuracy,
      'wrong-value': wrong * 0.6,
      'wrong-numbers': wrong * 0.25,
      invalid: wrong * 0.1,
      unparsable: wrong * 0.05,
      'no-answer': noAnswer,
    };
    const progress = s / o.rlSteps;
    steps.push({
      phase: 'rl',
      step: s,
      time: start + o.pretrainSteps * 180 + s * 2400,
      verdicts,
      rewardMean: accuracy + wrong * 0.1,
      rewardStd: 0.2 + 0.25 * Math.sin(Math.PI * accuracy) + noise(0.03),
      accuracy,
      formatRate,
      lengthMean: 70 + 60 * progress + noise(6),
      lengthCorrect: 80 + 70 * progress + noise(8),
      lengthWrong: 64 + 40 * progress + noise(8),
      truncatedRate: clamp01(0.02 + noise(0.02)),
      kl: 0.002 + 0.05 * progress + Math.abs(noise(0.004)),
      entropy: 1.35 - 0.6 * progress + noise(0.04),
      clipFraction: clamp01(0.04 + 0.05 * Math.sin(progress * 7) ** 2 + noise(0.01)),
      zeroSignalGroups: clamp01(0.7 - 0.45 * sigmoid((progress - 0.3) * 8) + noise(0.05)),
      repetitionRate: clamp01(0.01 + Math.abs(noise(0.01))),
      multiAnswerRate: clamp01(0.02 + Math.abs(noise(0.02))),
      loss: -0.02 + noise(0.03),
      policyLoss: noise(0.03),
      gradNorm: 0.6 + noise(0.2),
      lr: 1e-4,
      tokensPerSec: 1650 + noise(150),
      stepMs: 2400 + noise(200),
      rolloutMs: 1500 + noise(150),
      trainMs: 850 + noise(80),
    });
  }
  const evals: EvalRecord[] = [];
  const every = o.evalEvery ?? Math.max(1, Math.floor(o.rlSteps / 10));
  for (let s = every; s <= o.rlSteps; s += every) {
    const pass1 = clamp01(accuracyAt(s) - 0.03 + noise(0.02));
    const score = { n: 200, pass1, passK: clamp01(pass1 + 0.18 * (1 - pass1)), formatRate: 0.97, lengthMean: 90 };
    evals.push({ phase: 'rl', step: s, time: start + s * 2400, split: 'test', k: 8, score, byCount: { '3': score } });
    if (o.problems) {
      const solved = { n: 1, pass1: s > o.rlSteps / 2 ? 1 : 0, passK: s > o.rlSteps / 3 ? 1 : 0, formatRate: 1, lengthMean: 80 };
      evals.push({ phase: 'rl', step: s, time: start + s * 2400, split: 'problems', k: 2, score: solved, byCount: { '3': solved } });
    }
  }
  const traces: TraceRecord[] = [];
  for (let i = 0; i < o.traces; i++) {
    const step = Math.max(1, Math.round(((i + 1) / o.traces) * o.rlSteps));
    traces.push(fixtureTrace(rand, step, accuracyAt(step)));
  }
  const alerts: AlertRecord[] =
    o.rlSteps > 100
      ? [{ phase: 'rl', step: Math.round(o.rlSteps * 0.8), time: start, kind: 'length-runaway', evidence: 'mean length grew 38% in 50 steps (96 → 132 tokens).', advice: 'Lower max-tokens or add a length penalty if answers stop closing.' }]
      : [];
  // A live run has steps to go; a finished one ran exactly these.
  const left = (o.status ?? 'running') === 'running' ? 100 : 0;
  const config = { ...resolved.config, pretrain: { ...resolved.config.pretrain, steps: o.pretrainSteps }, rl: { ...resolved.config.rl, steps: o.rlSteps + left } };
  const run: RunInfo = {
    id: o.id,
    name: o.id,
    status: o.status ?? 'running',
    pid: o.status === 'running' || o.status === undefined ? 4242 : null,
    seed: o.seed ?? 1,
    stage: 'all',
    backend: { name: 'wasm', threads: 2, simd: true },
    versions: { 'reasoning-lab': '0.1.0' },
    config,
    startedAt: new Date(start).toISOString(),
    endedAt: null,
    step: { pretrain: o.pretrainSteps, rl: o.rlSteps },
    error: null,
    parent: null,
  };
  return { run, label: o.id, steps, evals, traces, traceStart: 0, alerts };
}

/** One sampled completion, right with probability `accuracy`. */
export function fixtureTrace(rand: () => number, step: number, accuracy: number): TraceRecord {
  const pick = () => 2 + Math.floor(rand() * 60);
  const [a, b, c] = [pick(), pick(), pick()];
  const target = a + b - c > 0 ? a + b - c : a + b + c;
  const right = target === a + b - c ? `${a} + ${b} - ${c}` : `${a} + ${b} + ${c}`;
  const correct = rand() < accuracy;
  const thinking = `Let me try ${a} + ${b} = ${a + b}. Then ${a + b} - ${c} = ${a + b - c}${target === a + b - c ? ', which is the target' : `, not ${target}`}.`;
  const completion = correct ? `${thinking}</think>\n<answer>${right}</answer>` : `${thinking} Maybe ${a} * ${b}.</think>\n<answer>${a} * ${b} - ${c}</answer>`;
  return {
    phase: 'rl',
    step,
    split: 'train',
    numbers: [a, b, c],
    target,
    prompt: `${a} ${b} ${c} -> ${target}\n<think>`,
    completion,
    reward: correct ? 1 : 0.1,
    verdict: correct ? 'correct' : 'wrong-value',
    sample: Math.floor(rand() * 8),
    truncated: false,
  };
}
