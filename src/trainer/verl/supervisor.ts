// With `engine { kind verl }` the trainer process (and `rlab train`) becomes a
// supervisor: it writes the run folder like any run, exports the veRL job into
// it, checks what it can, launches the job (here, or on a Ray cluster), bridges
// veRL's logs and sample dumps into our metrics, evaluations and traces, stops
// the job on request, and resumes through veRL's own resume. The extension,
// the runs tree and the dashboard see an ordinary run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CheckpointRecord, BackendInfo } from '../../core/protocol/records';
import type { TrainerLaunch } from '../../core/protocol/trainer';
import { RUN_FILES } from '../../core/run/layout';
import type { ResolvedConfig } from '../../core/spec/config';
import { FILE_LOGGER_ENV, JOB_FILES, jobArgs } from '../../core/verl/job';
import { bashQuote } from '../../core/verl/run-script';
import type { RunControl } from '../engine/control';
import { RunRecorder } from '../engine/recorder';
import { checkNotRunning, endRun, failRun, prepareNewRun, type RunOutcome } from '../engine/run-lifecycle';
import { isProcessAlive } from '../../core/run/run-info';
import type { TrainerSink } from '../engine/sink';
import { RunWriter } from '../run/writer';
import { SpecError } from '../spec-file';
import { latestVerlCheckpoint, VerlBridge } from './bridge';
import { exportVerlJob, readVerlJob } from './export';
import type { JobEnd, VerlJob } from './running-job';
import { LocalJob } from './local-job';
import { preflight } from './preflight';
import { RayJob, RayJobsClient } from './ray-jobs';

/** The bridge reads veRL's files this often. */
export const POLL_MS = 1000;
/** For tests only: a Python script that runs instead of `-m verl.trainer.main_ppo`, with the same overrides. */
export const STAND_IN_ENV = 'RLAB_VERL_STAND_IN';

interface OpenedVerlRun {
  writer: RunWriter;
  config: ResolvedConfig;
  attempt: number;
  /** The veRL checkpoint a resumed run continues from; -1 for a new run. */
  after: number;
}

export async function runVerlJob(launch: TrainerLaunch, sink: TrainerSink, control: RunControl): Promise<RunOutcome> {
  let writer: RunWriter | null = null;
  let lastCheckpoint: CheckpointRecord | null = null;
  try {
    if (launch.from) throw new SpecError('--from starts RL from another run’s base model; a veRL run starts from the `model` of its engine block');
    if (launch.stage === 'pretrain') throw new SpecError('a veRL run has no pretraining stage; train it with --stage rl or all');
    const opened = openVerlRun(prepareNewRun(launch), sink);
    writer = opened.writer;
    const { config, attempt, after } = opened;
    const recorder = new RunRecorder(writer, sink);
    if (launch.device) recorder.log('warn', `the device override (${launch.device}) does not apply to a veRL run; veRL uses the GPUs of the engine block`);
    const jobDir = path.join(writer.dir, RUN_FILES.verl);
    const facts = readVerlJob(jobDir);
    const logFile = `${JOB_FILES.logs}/attempt-${attempt}.jsonl`;
    fs.mkdirSync(path.join(jobDir, JOB_FILES.logs), { recursive: true });
    const env: Record<string, string> = { [FILE_LOGGER_ENV]: path.join(jobDir, logFile), PYTHONUNBUFFERED: '1', HYDRA_FULL_ERROR: '1' };
    const processEnv = { ...process.env, ...env };

    const standIn = process.env[STAND_IN_ENV];
    if (standIn) recorder.log('warn', `${STAND_IN_ENV} is set: running the stand-in ${standIn}, not veRL`);
    const checked = await preflight(config.engine, processEnv, Boolean(standIn));
    for (const fact of checked.facts) recorder.log('info', `preflight: ${fact}`);
    if (checked.problems.length > 0) throw new SpecError(`the veRL job cannot start:\n${checked.problems.map((p) => `- ${p}`).join('\n')}`);

    const args = [...(standIn ? [standIn] : ['-m', 'verl.trainer.main_ppo']), ...jobArgs(config, facts.promptLength, logFile, jobDir)];
    const onLine = (line: string): void => writer!.log('info', `[verl] ${line}`);
    const ray = config.engine.ray || null;
    const job: VerlJob = ray
      ? await RayJob.submit({
          client: new RayJobsClient(ray),
          submissionId: `rlab-${writer.info.id}-${attempt}`,
          entrypoint: [config.engine.python, ...args].map(bashQuote).join(' '),
          command: [config.engine.python, ...args],
          env,
          onLine,
        })
      : await LocalJob.start({ python: config.engine.python, args, cwd: jobDir, env: processEnv, onLine });

    const backend: BackendInfo = { name: 'verl', threads: 0, simd: false, verl: { gpus: config.engine.gpus, nodes: config.engine.nodes, rollout: config.engine.rollout, ray } };
    writer.update({ backend, job: { engine: 'verl', id: job.id, command: job.command, ray, attempt }, versions: { ...writer.info.versions, ...checked.versions } });
    sink.hello({ run: writer.info, runDir: writer.dir, backend, resumedFrom: after >= 0 ? { phase: 'rl', step: after } : null });
    recorder.log('info', `veRL job ${job.id} started (attempt ${attempt}${ray ? ` on ${ray}` : ''}); its output follows as [verl] lines`);

    const bridge = new VerlBridge({
      config,
      files: {
        log: path.join(jobDir, logFile),
        rollouts: path.join(jobDir, JOB_FILES.rollouts),
        validation: path.join(jobDir, JOB_FILES.validation),
        checkpoints: path.join(jobDir, JOB_FILES.checkpoints),
      },
      recorder,
      sink,
      testRows: facts.testRows,
      after,
      onCheckpoint: (record) => {
        lastCheckpoint = record;
      },
    });
    const end = await follow(job, bridge, control, recorder);
    bridge.poll(true);
    if (control.stopRequested()) return endRun(writer, sink, control, 'stopped', lastCheckpoint);
    if (!end.ok) throw new Error(end.message);
    return endRun(writer, sink, control, 'done', lastCheckpoint);
  } catch (e) {
    return failRun(writer, sink, control, e, lastCheckpoint);
  }
}

/** Bridges the job's files until it ends; a stop request stops it. */
async function follow(job: VerlJob, bridge: VerlBridge, control: RunControl, recorder: RunRecorder): Promise<JobEnd> {
  let end: JobEnd | null = null;
  void job.ended.then((e) => (end = e));
  let stopping = false;
  while (end === null) {
    await Promise.race([job.ended, new Promise((r) => setTimeout(r, POLL_MS))]);
    bridge.poll();
    if (control.stopRequested() && !stopping) {
      stopping = true;
      recorder.log('info', `stopping the veRL job ${job.id}; a resume continues from its last checkpoint`);
      void job.stop();
    }
  }
  return end;
}

/** Opens the run folder: a new run's exports its job; one with a veRL checkpoint resumes from it with veRL's own resume. */
function openVerlRun(launch: TrainerLaunch, sink: TrainerSink): OpenedVerlRun {
  const writer = RunWriter.open(launch.runDir);
  const { info } = writer;
  checkNotRunning(info, launch.runDir);
  const jobDir = path.join(launch.runDir, RUN_FILES.verl);
  if (!fs.existsSync(path.join(jobDir, JOB_FILES.job))) {
    writer.update({ status: 'running', pid: process.pid, error: null, endedAt: null });
    // Before `hello`: the host shows these while the job is being written (a large train split takes a while).
    const recorder = new RunRecorder(writer, sink);
    const log = (message: string): void => recorder.log('info', message);
    log(`new veRL run ${info.id}${info.specFile ? ` from ${info.specFile}` : ''}`);
    exportVerlJob(info.config, jobDir, log);
    return { writer, config: info.config, attempt: 1, after: -1 };
  }
  const previous = info.job?.id.match(/^local-(\d+)$/);
  if (previous && isProcessAlive(Number(previous[1]))) {
    throw new SpecError(`the veRL job of the previous attempt (pid ${previous[1]}) is still running; stop it (kill -- -${previous[1]}) before resuming`);
  }
  const step = latestVerlCheckpoint(path.join(jobDir, JOB_FILES.checkpoints));
  if (step === null) {
    throw new SpecError(`run ${launch.runDir} has no veRL checkpoint to resume from (veRL writes one every \`every\` steps of the eval block); start a new run instead`);
  }
  writer.truncateAfter('rl', step);
  // Samples the stopped attempt dumped after its checkpoint belong to steps the next attempt repeats.
  for (const folder of [JOB_FILES.rollouts, JOB_FILES.validation]) {
    const dir = path.join(jobDir, folder);
    for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (/^\d+\.jsonl$/.test(file) && Number.parseInt(file, 10) > step) fs.rmSync(path.join(dir, file));
    }
  }
  const attempt = (info.job?.attempt ?? 0) + 1;
  writer.update({ status: 'running', pid: process.pid, error: null, endedAt: null, step: { ...info.step, rl: step } });
  writer.log('info', `resuming from veRL's checkpoint global_step_${step} (attempt ${attempt})`);
  return { writer, config: info.config, attempt, after: step };
}
