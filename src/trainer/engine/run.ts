// The training engine: one entry, `runTraining`, for both front doors (the
// trainer process over IPC, and `rlab train`). It opens or creates the run
// directory, loads the backend and the model, runs the stages, and ends every
// run as done, stopped or failed: any error is written to run.json and
// trainer.log and sent as `failed`, never left as a silent hang.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { CheckpointRecord, EvalRecord, Phase } from '../../core/protocol/records';
import type { Problem } from '../../core/countdown/problem';
import type { TrainerLaunch } from '../../core/protocol/trainer';
import type { Device, ResolvedConfig } from '../../core/spec/config';
import { selectBackend } from '../backend';
import { describeBackend } from '../../core/protocol/describe-backend';
import { CHECKPOINT_FILES, latestCheckpoint, listCheckpoints, markBestCheckpoint, readCheckpoint, writeCheckpoint, type Checkpoint } from '../checkpoint/store';
import { assignArrays, toArrays, toTensor } from '../checkpoint/tensors';
import { PretrainStream } from '../data/pretrain-stream';
import { ShuffledStream } from '../data/shuffled-stream';
import type { Sequence } from '../data/batch';
import { AdamW } from '../optim/adamw';
import { evalProblems, taskData, type TaskData } from '../data/task';
import { evaluate } from '../eval';
import { Gpt } from '../model/gpt';
import { Tokenizer } from '../model/tokenizer';
import { meanCompletionLoss } from '../pretrain/loss';
import { Rng, mixSeed } from '../rng';
import { RunWriter } from '../run/writer';
import type { Stage, StageEnd, StageStart, TrainingContext } from './context';
import type { RunControl } from './control';
import { RunRecorder } from './recorder';
import { checkNotRunning, endRun, failRun, prepareNewRun, type RunOutcome } from './run-lifecycle';
import type { TrainerSink } from './sink';
import { STAGES } from './stages';
import { describeScore } from '../../core/protocol/describe-score';
import { bestEvaluation, bestScore, evaluationsSinceBest } from '../../core/run/best';
import { parseJsonl } from '../../core/run/jsonl';
import { runFile } from '../../core/run/layout';

/** Held-out search traces whose loss every evaluation reports. */
const HELD_OUT_SEQUENCES = 64;
/** Mixed into `rl.seed` for RL's generator, apart from the task streams that share the seed. */
const RL_SEED_STREAM = 4;
/** Mixed into a stage's seed for the order of its problems: RL's differs from pretraining's when both go through train. */
const PROBLEM_STREAM: Record<Phase, number> = { pretrain: 0, rl: 3 };
const DEVICES: readonly Device[] = ['auto', 'gpu', 'cpu', 'wasm', 'js'];

export async function runTraining(launch: TrainerLaunch, sink: TrainerSink, control: RunControl): Promise<RunOutcome> {
  let writer: RunWriter | null = null;
  let lastCheckpoint: CheckpointRecord | null = null;
  let model: Gpt | null = null;
  try {
    const opened = openRun(prepareNewRun(launch));
    writer = opened.writer;
    const { config, resumeFrom } = opened;
    const recorder = new RunRecorder(writer, sink);
    const backend = await selectBackend(deviceOf(launch.device ?? config.device));
    writer.update({ backend });
    sink.hello({
      run: writer.info,
      runDir: writer.dir,
      backend,
      resumedFrom: resumeFrom ? { phase: resumeFrom.state.phase, step: resumeFrom.state.step } : null,
    });
    recorder.log('info', `backend ${describeBackend(backend)}`);

    const tokenizer = new Tokenizer();
    const gpt = new Gpt(config.model, tokenizer.vocabSize, config.task.seed);
    model = gpt;
    recorder.log('info', `model ${config.model.preset}: ${config.model.layers} layers, width ${config.model.width}, ${config.model.heads} heads, context ${config.model.context}, ${gpt.paramCount().toLocaleString('en-US')} parameters`);
    if (resumeFrom) assignArrays(gpt.variables, resumeFrom.weights, `checkpoint ${resumeFrom.dir}`);
    let rng = resumeFrom ? Rng.fromState(resumeFrom.state.rng) : Rng.seeded(config.task.seed);
    const data = taskData(config);
    const pool = data.rl === data.train ? 'RL samples train' : `${data.rl.length} in the RL pool`;
    recorder.log('info', `task: ${data.train.length} train, ${data.test.length} test, ${pool}, ${data.problems.length} fixed problems`);
    const heldOutSeed = mixSeed(config.task.seed, 1);
    const heldOut =
      data.test.length > 0
        ? new PretrainStream(new ShuffledStream(data.test, heldOutSeed), config.prompt, config.pretrain, tokenizer, config.model.context, heldOutSeed).next(Math.min(HELD_OUT_SEQUENCES, data.test.length))
        : [];

    const runWriter = writer;
    const phases: Phase[] = launch.stage === 'all' ? ['pretrain', 'rl'] : [launch.stage];
    let end: StageEnd = 'done';
    for (const phase of phases) {
      if (resumeFrom && phase === 'pretrain' && resumeFrom.state.phase === 'rl') continue;
      // A stop that came as the previous stage ended: its last step was checkpointed, so stop before the next.
      if (control.stopRequested()) {
        end = 'stopped';
        break;
      }
      const start: StageStart =
        resumeFrom && resumeFrom.state.phase === phase
          ? { step: resumeFrom.state.step, optimizer: resumeFrom.optimizer, cursor: resumeFrom.state.cursor }
          : { step: 0, optimizer: null, cursor: {} };
      if (phase === 'rl' && start.step === 0) {
        prepareRlBase(launch.from ?? opened.baseFrom, runWriter, gpt, recorder, phases);
        // RL draws from its own seed, so two RL runs from one base differ only by `rl.seed`.
        rng = Rng.seeded(mixSeed(config.rl.seed, RL_SEED_STREAM));
      }
      end = await runStage(STAGES[phase], { phase, config, writer: runWriter, backend, tokenizer, model: gpt, rng, data, recorder, start, control, heldOut, onCheckpoint: (r) => (lastCheckpoint = r) });
      if (end === 'stopped') break;
    }

    return endRun(writer, sink, control, end === 'stopped' ? 'stopped' : 'done', lastCheckpoint);
  } catch (e) {
    return failRun(writer, sink, control, e, lastCheckpoint);
  } finally {
    model?.dispose();
  }
}

interface OpenedRun {
  writer: RunWriter;
  config: ResolvedConfig;
  resumeFrom: (Checkpoint & { dir: string }) | null;
  /** Where a run that starts over takes its RL base model from (its `parent`). */
  baseFrom: string | null;
}

function openRun(launch: TrainerLaunch): OpenedRun {
  const writer = RunWriter.open(launch.runDir);
  const { info } = writer;
  checkNotRunning(info, launch.runDir);
  const dir = latestCheckpoint(launch.runDir);
  const versions = { ...info.versions, node: process.version, '@tensorflow/tfjs-core': tf.version_core };
  if (dir === null) {
    // A new run's folder, or a run killed before its first checkpoint: it starts (again) from step 0
    // in this folder, dropping what it wrote, so its records are an uninterrupted run's.
    const fresh = !fs.existsSync(runFile(launch.runDir, 'log'));
    writer.truncateAfter('pretrain', 0);
    writer.update({ status: 'running', pid: process.pid, error: null, endedAt: null, stage: launch.stage, step: { pretrain: 0, rl: 0 }, versions });
    writer.log('info', fresh ? `new run ${info.id}${info.specFile ? ` from ${info.specFile}` : ''}, stage ${launch.stage}` : `no checkpoint yet: starting again from step 0, stage ${launch.stage}`);
    return { writer, config: info.config, resumeFrom: null, baseFrom: info.parent };
  }
  const checkpoint = readCheckpoint(dir);
  const { phase, step } = checkpoint.state;
  writer.truncateAfter(phase, step);
  writer.update({ status: 'running', pid: process.pid, error: null, endedAt: null, stage: launch.stage, step: checkpoint.state.steps, versions });
  writer.log('info', `resuming from ${path.basename(dir)} (${phase} step ${step}), stage ${launch.stage}`);
  return { writer, config: info.config, resumeFrom: { ...checkpoint, dir }, baseFrom: null };
}

/**
 * The RL stage starts from a base model: a checkpoint folder or another run's
 * latest pretraining checkpoint (`--from`, kept as `parent` for a run that
 * starts over), or this run's own pretraining (just done, or resumed).
 */
function prepareRlBase(from: string | null, writer: RunWriter, model: Gpt, recorder: RunRecorder, phases: Phase[]): void {
  if (from) {
    const base = fs.existsSync(path.join(from, CHECKPOINT_FILES.weights)) ? from : listCheckpoints(from, 'pretrain').at(-1);
    if (!base) throw new Error(`--from ${from} is neither a checkpoint folder nor a run with a pretraining checkpoint (checkpoints/step-NNNNNN); pretrain it first with --stage pretrain`);
    assignArrays(model.variables, readCheckpoint(base).weights, `base model ${base}`);
    writer.update({ parent: path.resolve(from) });
    recorder.log('info', `RL starts from the base model ${base}`);
    return;
  }
  if (phases.includes('pretrain') || writer.info.step.pretrain > 0) return;
  if (writer.info.config.pretrain.steps === 0) {
    recorder.log('warn', 'RL starts from a randomly initialised model: the spec has `steps 0` in its pretrain block');
    return;
  }
  throw new Error('--stage rl needs a base model: pass --from RUN (a run with a pretraining checkpoint), or use --stage all');
}

interface StageParts {
  phase: Phase;
  config: ResolvedConfig;
  writer: RunWriter;
  backend: TrainingContext['backend'];
  tokenizer: Tokenizer;
  model: Gpt;
  rng: Rng;
  data: TaskData;
  recorder: RunRecorder;
  start: StageStart;
  control: RunControl;
  heldOut: Sequence[];
  onCheckpoint: (record: CheckpointRecord) => void;
}

/** Checkpoint cursor keys: where the stage's problem stream and its optimizer stood. */
const CURSOR = { epoch: 'stream.epoch', index: 'stream.index', optimizerStep: 'optimizer.step' } as const;

/**
 * Runs one stage from its start to its last step: the optimizer and the problem
 * stream (restored when resuming), the loop, and after every step what every
 * stage needs — requests let in, evaluation and checkpoint when due, the best
 * checkpoint, an early stop, a stop request.
 */
async function runStage(stage: Stage, parts: StageParts): Promise<StageEnd> {
  const { phase, config, writer, model, tokenizer, recorder, control, data, start } = parts;
  const plan = stage.plan(config);
  const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  // Every evaluation of the run so far (a resumed run's file was cut back to its checkpoint): what "best" is measured against.
  const evalFile = runFile(writer.dir, 'eval');
  const history: EvalRecord[] = fs.existsSync(evalFile) ? parseJsonl<EvalRecord>(fs.readFileSync(evalFile, 'utf8')).records : [];
  const { pool, seed } = stage.problems(data, config);
  if (pool.length === 0) throw new Error(`the ${phase} stage has no problems: set \`train\` (or \`rl-pool\`) in the task block above 0`);
  const problems = new ShuffledStream<Problem>(pool, mixSeed(seed, PROBLEM_STREAM[phase]), {
    epoch: start.cursor[CURSOR.epoch] ?? 0,
    index: start.cursor[CURSOR.index] ?? 0,
  });
  const optimizer = new AdamW(model.variables, { weightDecay: stage.weightDecay(config) });
  if (start.optimizer) {
    const tensors = new Map([...start.optimizer].map(([name, array]) => [name, toTensor(array)]));
    optimizer.importState({ step: start.cursor[CURSOR.optimizerStep] ?? start.step, tensors });
    tf.dispose([...tensors.values()]);
  }

  const evaluateNow = async (phase: Phase, step: number): Promise<EvalRecord[]> => {
    const started = performance.now();
    const splits = [
      { split: 'test' as const, problems: evalProblems(data.test, config.eval.limit) },
      { split: 'problems' as const, problems: data.problems },
    ].filter((s) => s.problems.length > 0);
    const records: EvalRecord[] = [];
    for (const [i, { split, problems }] of splits.entries()) {
      const { record, traces } = await evaluate(model, tokenizer, problems, {
        phase,
        step,
        split,
        prompt: config.prompt,
        reward: config.reward,
        samples: config.eval.samples,
        temperature: config.eval.temperature,
        maxNewTokens: config.rl.maxTokens,
        seed: mixSeed(config.task.seed, phase === 'rl' ? 2 : 1, step, i),
        pause,
      });
      if (split === 'test' && parts.heldOut.length > 0) record.loss = meanCompletionLoss(model, parts.heldOut, tokenizer.pad, config.pretrain.microBatch);
      for (const trace of traces) recorder.trace(trace);
      recorder.eval(record);
      records.push(record);
      history.push(record);
    }
    const test = records.find((r) => r.split === 'test');
    if (test) {
      const s = test.score;
      recorder.log('info', `eval ${phase} step ${step}: ${describeScore(s, test.k)}, held-out loss ${test.loss?.toFixed(3)} (${s.n} test problems, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
    return records;
  };

  const saveCheckpoint = (step: number): CheckpointRecord => {
    const optimizerTensors = optimizer.exportState().tensors;
    const optimizerArrays = toArrays(optimizerTensors);
    tf.dispose([...optimizerTensors.values()]);
    const dir = writeCheckpoint(writer.dir, {
      weights: toArrays(model.variables),
      optimizer: optimizerArrays,
      config: { config, vocabSize: tokenizer.vocabSize, paramCount: model.paramCount() },
      state: {
        phase,
        step,
        steps: { ...writer.info.step, [phase]: step },
        rng: parts.rng.state(),
        cursor: { [CURSOR.epoch]: problems.cursor.epoch, [CURSOR.index]: problems.cursor.index, [CURSOR.optimizerStep]: optimizer.step },
        savedAt: new Date().toISOString(),
      },
    });
    const record: CheckpointRecord = { phase, step, path: dir };
    recorder.log('info', `checkpoint ${path.basename(dir)}`);
    parts.onCheckpoint(record);
    return record;
  };

  /** After every step: how the stage ends now, or null to go on (see Stage). */
  const endStep = async (step: number): Promise<StageEnd | null> => {
    await pause();
    const due = step % plan.every === 0 || step === plan.steps;
    const test = due ? (await evaluateNow(phase, step)).find((r) => r.split === 'test') : undefined;
    if (due || control.stopRequested()) {
      const saved = saveCheckpoint(step);
      if (test && bestEvaluation(history.filter(hasCheckpoint)) === test) {
        markBestCheckpoint(writer.dir, saved.path);
        recorder.log('info', `best so far: ${path.basename(saved.path)} (held-out accuracy ${pct(bestScore(test))})`);
      }
    }
    if (control.stopRequested()) return 'stopped';
    if (test && plan.patience > 0 && evaluationsSinceBest(history, phase) >= plan.patience) {
      const best = bestEvaluation(history.filter((r) => r.phase === phase))!;
      recorder.log('info', `early stop: held-out accuracy has not beaten ${pct(bestScore(best))} (${phase} step ${best.step}) for ${plan.patience} evaluations`);
      return 'done';
    }
    return null;
  };

  const ctx: TrainingContext = {
    config,
    phase,
    runDir: writer.dir,
    backend: parts.backend,
    tokenizer,
    model,
    optimizer,
    problems,
    rng: parts.rng,
    data,
    record: recorder,
    start,
    evaluate: evaluateNow,
  };
  const steps = stage.begin(ctx);
  try {
    if (stage.evaluatesStart && start.step === 0 && plan.steps > 0) await evaluateNow(phase, 0);
    for (let step = start.step + 1; step <= plan.steps; step++) {
      const record = await steps.step(step, plan.steps);
      recorder.step(record);
      if (record.loss !== undefined && !Number.isFinite(record.loss)) {
        throw new Error(`the ${phase} loss became ${record.loss} at step ${step}: lower \`lr\` in the ${phase} block or set \`grad-clip\``);
      }
      const end = await endStep(step);
      if (end) return end;
    }
    return 'done';
  } finally {
    steps.dispose?.();
    optimizer.dispose();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Evaluations that have a checkpoint of this run beside them: all but the one RL makes of its starting model. */
const hasCheckpoint = (record: EvalRecord) => !(record.phase === 'rl' && record.step === 0);

function deviceOf(value: string): Device {
  if (!(DEVICES as readonly string[]).includes(value)) throw new Error(`unknown device "${value}": use ${DEVICES.join(', ')}`);
  return value as Device;
}
