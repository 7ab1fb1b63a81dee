// How far a run has come: the step of its phase out of how many, how long it
// has run, and about how long the phase and the whole run have left (the recent
// pace, the evaluations still to come, and later phases estimated from what this
// one measured). One reading for the CLI, the status bar, the dashboard header
// and the progress notification.
import type { EvalRecord, Phase, RunInfo, StepRecord } from '../protocol/records';

export interface RunProgress {
  phase: Phase;
  /** Steps of `phase` done. */
  step: number;
  /** Steps `phase` runs in all. */
  total: number;
  /** Share of all the run's steps done (every phase it runs), 0..1. */
  share: number;
  elapsedMs: number;
  /** Time `phase` has left at the pace of its recent steps; null until that pace is known. */
  etaMs: number | null;
  /** Time the whole run has left (this phase, its evaluations, and the phases after it, estimated); null until known. */
  runEtaMs: number | null;
}

/** Steps whose spacing sets the pace: recent enough to follow a change (RL steps grow with the completions). */
const PACE_WINDOW = 10;
/**
 * An RL step's cost against the tokens it samples: the samples, then the
 * reference pass and the update over the same tokens, which cost about 1.5 of a
 * pretraining pass (a forward alone is a third of one).
 */
const RL_TRAIN_PASSES = 1.5;

const PHASES_OF: Record<RunInfo['stage'], Phase[]> = { pretrain: ['pretrain'], rl: ['rl'], all: ['pretrain', 'rl'] };

/** How long each evaluation took: from the step before it to its last record, by phase and step. */
function evaluationTimes(steps: readonly StepRecord[], evals: readonly EvalRecord[], startedAt: number): Array<{ eval: EvalRecord; ms: number }> {
  const last = new Map<string, EvalRecord>();
  for (const e of evals) last.set(`${e.phase}:${e.step}`, e);
  return [...last.values()].map((e) => {
    const before = steps.filter((s) => s.time <= e.time).at(-1)?.time ?? startedAt;
    return { eval: evals.find((x) => x.phase === e.phase && x.step === e.step && x.split === 'test') ?? e, ms: Math.max(0, e.time - before) };
  });
}

/** Evaluations a phase makes after step `step`: every `every` steps and at its last (and RL's before its first, when not yet done). */
function evaluationsLeft(phase: Phase, step: number, total: number, every: number): number {
  let count = 0;
  for (let s = step + 1; s <= total; s++) if (s % every === 0 || s === total) count++;
  return count + (phase === 'rl' && step === 0 && total > 0 ? 1 : 0);
}

export function runProgress(info: RunInfo, steps: readonly StepRecord[], now: number, evals: readonly EvalRecord[] = []): RunProgress {
  const { config } = info;
  const phases = PHASES_OF[info.stage] ?? PHASES_OF.all;
  const totals: Record<Phase, number> = { pretrain: config.pretrain.steps, rl: config.rl.steps };
  const every: Record<Phase, number> = { pretrain: config.pretrain.evalEvery, rl: config.rl.evalEvery };
  const last = steps.at(-1);
  const phase = last?.phase ?? phases[0]!;
  const step = last?.step ?? 0;
  const total = totals[phase];
  const started = Date.parse(info.startedAt);
  const timed = evaluationTimes(steps, evals, Number.isNaN(started) ? 0 : started);
  // The pace of steps alone: gaps with an evaluation in them are left out (evaluations are counted apart).
  const recent = steps.slice(-PACE_WINDOW).filter((s) => s.phase === phase);
  const gaps = recent.slice(1).flatMap((s, i) => (evals.some((e) => e.time > recent[i]!.time && e.time <= s.time) ? [] : [s.time - recent[i]!.time]));
  const pace = gaps.length > 0 ? gaps.reduce((a, b) => a + b, 0) / gaps.length : null;
  const evalMs = timed.length > 0 ? timed.reduce((a, t) => a + t.ms, 0) / timed.length : null;
  const etaMs = pace !== null && pace > 0 ? Math.max(0, total - step) * pace : null;

  let runEtaMs: number | null = null;
  if (etaMs !== null && (evalMs !== null || evaluationsLeft(phase, step, total, every[phase]) === 0)) {
    runEtaMs = etaMs + evaluationsLeft(phase, step, total, every[phase]) * (evalMs ?? 0);
    for (const next of phases.slice(phases.indexOf(phase) + 1)) {
      const stepMs = next === 'rl' ? rlStepEstimate(info, steps, timed) : null;
      if (stepMs === null || evalMs === null) {
        runEtaMs = null;
        break;
      }
      runEtaMs += totals[next] * stepMs + evaluationsLeft(next, 0, totals[next], every[next]) * evalMs;
    }
  }
  const all = phases.reduce((n, p) => n + totals[p], 0);
  const before = phases.slice(0, phases.indexOf(phase)).reduce((n, p) => n + totals[p], 0);
  const ended = info.endedAt ? Date.parse(info.endedAt) : now;
  return {
    phase,
    step,
    total,
    share: all > 0 ? Math.min(1, (before + step) / all) : 1,
    elapsedMs: Number.isNaN(started) ? 0 : Math.max(0, ended - started),
    etaMs,
    runEtaMs: info.endedAt ? 0 : runEtaMs,
  };
}

/**
 * An RL step's time before RL has run one, from what pretraining measured: the
 * tokens a step samples (prompts × group completions as long as the last
 * evaluation's) at the sampling rate of its evaluations, and the same tokens
 * trained at its training rate.
 */
function rlStepEstimate(info: RunInfo, steps: readonly StepRecord[], timed: ReadonlyArray<{ eval: EvalRecord; ms: number }>): number | null {
  const latest = timed.at(-1);
  const training = steps.filter((s) => s.tokensPerSec !== undefined).at(-1)?.tokensPerSec;
  if (!latest || latest.ms <= 0 || !training) return null;
  const { score, k } = latest.eval;
  const sampledPerMs = (score.n * (1 + k) * score.lengthMean) / latest.ms;
  const { prompts, groupSize } = info.config.rl;
  const tokens = prompts * groupSize * score.lengthMean;
  return tokens / sampledPerMs + (RL_TRAIN_PASSES * tokens) / (training / 1000);
}

/** `pretrain 24/40 · 12 s elapsed · ~10 min left` (the whole run's time left when it is known, else the phase's). */
export function describeProgress(p: RunProgress): string {
  const eta = p.runEtaMs ?? p.etaMs;
  const left = eta === null || p.share >= 1 ? '' : ` · ~${formatDuration(eta)} left`;
  return `${p.phase === 'rl' ? 'RL' : 'pretrain'} ${p.step}/${p.total} · ${formatDuration(p.elapsedMs)} elapsed${left}`;
}

/** `8 s`, `2 min 05 s`, `1 h 03 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}
