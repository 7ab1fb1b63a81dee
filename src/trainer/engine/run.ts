// The training engine: one entry, `runTraining`, for both front doors (the
// trainer process over IPC, and `rlab train`). It opens or creates the run
// directory, loads the backend and the model, runs the stages, and ends every
// run as done, stopped or failed: any error is written to run.json and
// trainer.log and sent as `failed`, never left as a silent hang.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { CheckpointRecord, EvalRecord, Phase } from '../../core/protocol/records';
import type { TrainerLaunch } from '../../core/protocol/trainer';
import type { Device, ResolvedConfig } from '../../core/spec/config';
import { selectBackend } from '../backend';
import { describeBackend } from '../../core/protocol/describe-backend';
import { latestCheckpoint, listCheckpoints, readCheckpoint, writeCheckpoint, type Checkpoint } from '../checkpoint/store';
import { assignArrays, toArrays } from '../checkpoint/tensors';
import { PretrainStream, mixSeed } from '../data/pretrain-stream';
import { evalProblems, taskData, type TaskData } from '../data/task';
import { evaluate } from '../eval';
import { Gpt } from '../model/gpt';
import { Tokenizer } from '../model/tokenizer';
import { meanCompletionLoss } from '../pretrain/loss';
import { Rng } from '../rng';
import { RunWriter } from '../run/writer';
import { SpecError, readSpecFile } from '../spec-file';
import type { StageEnd, StageStart, StepEnd, TrainingContext } from './context';
import type { RunControl } from './control';
import { RunRecorder } from './recorder';
import { checkNotRunning, endRun, failRun, newRunInfo, type RunOutcome } from './run-lifecycle';
import type { TrainerSink } from './sink';
import { STAGES } from './stages';
import { describeScore } from '../../core/protocol/describe-score';

/** Held-out search traces whose loss every evaluation reports. */
const HELD_OUT_SEQUENCES = 64;
/** Prompts per sampler call during evaluation. */
const EVAL_BATCH = 16;
const DEVICES: readonly Device[] = ['auto', 'gpu', 'cpu', 'wasm', 'js'];

export async function runTraining(launch: TrainerLaunch, sink: TrainerSink, control: RunControl): Promise<RunOutcome> {
  let writer: RunWriter | null = null;
  let lastCheckpoint: CheckpointRecord | null = null;
  let model: Gpt | null = null;
  try {
    const opened = launch.resume ? openRun(launch) : createRun(launch);
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
    const rng = resumeFrom ? Rng.fromState(resumeFrom.state.rng) : Rng.seeded(config.task.seed);
    const data = taskData(config);
    recorder.log('info', `task: ${data.train.length} train, ${data.test.length} test, ${data.problems.length} fixed problems`);
    const heldOut =
      data.test.length > 0
        ? new PretrainStream(data.test, config.prompt, config.pretrain, tokenizer, config.model.context, mixSeed(config.task.seed, 1)).next(Math.min(HELD_OUT_SEQUENCES, data.test.length))
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
      if (phase === 'rl' && start.step === 0) prepareRlBase(launch, runWriter, gpt, recorder, phases);
      const ctx = makeContext({ config, writer: runWriter, backend, tokenizer, model: gpt, rng, data, recorder, start, control, sink, heldOut, onCheckpoint: (r) => (lastCheckpoint = r) });
      end = await STAGES[phase](ctx);
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
}

function createRun(launch: TrainerLaunch): OpenedRun {
  if (launch.spec === null) throw new SpecError('a new run needs a spec file');
  const { text, config } = readSpecFile(launch.spec);
  const info = newRunInfo(launch, config, { '@tensorflow/tfjs-core': tf.version_core });
  const writer = RunWriter.create(launch.runDir, text, info);
  writer.log('info', `new run ${info.id} from ${launch.spec}, stage ${launch.stage}`);
  return { writer, config, resumeFrom: null };
}

function openRun(launch: TrainerLaunch): OpenedRun {
  const writer = RunWriter.open(launch.runDir);
  const { info } = writer;
  checkNotRunning(info, launch.runDir);
  const dir = latestCheckpoint(launch.runDir);
  if (dir === null) throw new Error(`run ${launch.runDir} has no checkpoint to resume from; start a new run instead`);
  const checkpoint = readCheckpoint(dir);
  const { phase, step } = checkpoint.state;
  writer.truncateAfter(phase, step);
  writer.update({ status: 'running', pid: process.pid, error: null, endedAt: null, stage: launch.stage, step: checkpoint.state.steps });
  writer.log('info', `resuming from ${path.basename(dir)} (${phase} step ${step}), stage ${launch.stage}`);
  return { writer, config: info.config, resumeFrom: { ...checkpoint, dir } };
}

/**
 * The RL stage starts from a base model: another run's latest pretraining
 * checkpoint (`--from`), or this run's own pretraining (just done, or resumed).
 */
function prepareRlBase(launch: TrainerLaunch, writer: RunWriter, model: Gpt, recorder: RunRecorder, phases: Phase[]): void {
  if (launch.from) {
    const base = listCheckpoints(launch.from, 'pretrain').at(-1);
    if (!base) throw new Error(`--from ${launch.from} has no pretraining checkpoint (checkpoints/step-NNNNNN); pretrain it first with --stage pretrain`);
    assignArrays(model.variables, readCheckpoint(base).weights, `base model ${base}`);
    writer.update({ parent: path.resolve(launch.from) });
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

interface ContextParts {
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
  sink: TrainerSink;
  heldOut: ReturnType<PretrainStream['next']>;
  onCheckpoint: (record: CheckpointRecord) => void;
}

function makeContext(parts: ContextParts): TrainingContext {
  const { config, writer, model, tokenizer, recorder, control, sink, data } = parts;
  const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
        batch: EVAL_BATCH,
        pause,
      });
      if (split === 'test' && parts.heldOut.length > 0) record.loss = meanCompletionLoss(model, parts.heldOut, tokenizer.pad, config.pretrain.microBatch);
      for (const trace of traces) recorder.trace(trace);
      recorder.eval(record);
      records.push(record);
    }
    const test = records.find((r) => r.split === 'test');
    if (test) {
      const s = test.score;
      recorder.log('info', `eval ${phase} step ${step}: ${describeScore(s, test.k)}, held-out loss ${test.loss?.toFixed(3)} (${s.n} test problems, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
    return records;
  };

  const saveCheckpoint = (end: StepEnd): CheckpointRecord => {
    const optimizerTensors = end.optimizer();
    const optimizer = toArrays(optimizerTensors);
    tf.dispose([...optimizerTensors.values()]);
    const dir = writeCheckpoint(writer.dir, {
      weights: toArrays(model.variables),
      optimizer,
      config: { config, vocabSize: tokenizer.vocabSize, paramCount: model.paramCount() },
      state: {
        phase: end.phase,
        step: end.step,
        steps: { ...writer.info.step, [end.phase]: end.step },
        rng: parts.rng.state(),
        cursor: end.cursor(),
        savedAt: new Date().toISOString(),
      },
    });
    const record: CheckpointRecord = { phase: end.phase, step: end.step, path: dir };
    recorder.log('info', `checkpoint ${path.basename(dir)}`);
    sink.checkpoint(record);
    parts.onCheckpoint(record);
    control.checkpointWritten(record);
    return record;
  };

  return {
    config,
    runDir: writer.dir,
    backend: parts.backend,
    tokenizer,
    model,
    rng: parts.rng,
    data,
    record: recorder,
    start: parts.start,
    evaluate: evaluateNow,
    async endStep(end: StepEnd): Promise<boolean> {
      await pause();
      const due = end.step % end.every === 0 || end.step === end.total;
      if (due) await evaluateNow(end.phase, end.step);
      if (due || control.checkpointRequested() || control.stopRequested()) saveCheckpoint(end);
      return !control.stopRequested();
    },
  };
}

function deviceOf(value: string): Device {
  if (!(DEVICES as readonly string[]).includes(value)) throw new Error(`unknown device "${value}": use ${DEVICES.join(', ')}`);
  return value as Device;
}
