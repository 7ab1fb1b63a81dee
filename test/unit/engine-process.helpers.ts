// Shared by the engine process tests: builds the trainer bundle once (fresh,
// from the sources under test), forks it with an IPC channel as the extension
// does, collects its JSON-RPC notifications, and follows its run folder.
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection, type MessageConnection } from 'vscode-jsonrpc/node';
import { TrainerNotifications, trainerArgv, type TrainerLaunch } from '../../src/core/protocol/trainer';
import { parseJsonl } from '../../src/core/run/jsonl';
import { runFile } from '../../src/core/run/layout';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, '.test-tmp', `trainer-${process.pid}.js`);

/** The trainer entry bundled like dist/trainer.js (tfjs external), into a git-ignored folder. */
export async function buildTrainer(): Promise<string> {
  if (!fs.existsSync(BUNDLE)) {
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'src/trainer/main.ts')],
      outfile: BUNDLE,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
      external: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    });
    process.on('exit', () => fs.rmSync(BUNDLE, { force: true }));
  }
  return BUNDLE;
}

/** A nano-sized spec that trains in about a second per ten steps. */
export function tinySpec(overrides: { steps?: number; evalEvery?: number; device?: string; rl?: string; extra?: string } = {}): string {
  return `name "engine-test"
task {
  numbers 3
  values 1..9
  target 1..20
  train 300
  test 20
  seed 5
}
prompt compact
model {
  layers 2
  width 32
  heads 2
  context 128
}
pretrain {
  steps ${overrides.steps ?? 20}
  batch 4
  micro-batch 2
  warmup 2
  search-budget 4
  eval-every ${overrides.evalEvery ?? 10}
}
rl {
  ${overrides.rl ?? 'max-tokens 96'}
}
eval {
  samples 1
  limit 2
}
device ${overrides.device ?? 'wasm'}
${overrides.extra ?? ''}
`;
}

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlab-engine-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Notification {
  method: string;
  params: unknown;
}

export interface Trainer {
  child: ChildProcess;
  connection: MessageConnection;
  notifications: Notification[];
  /** Resolves when a notification satisfying `pick` has arrived (or is already there). */
  waitFor(pick: (n: Notification) => boolean): Promise<Notification>;
  /** Exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

export function startTrainer(bundle: string, launch: TrainerLaunch): Trainer {
  const child = fork(bundle, trainerArgv(launch), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const notifications: Notification[] = [];
  const waiters: { pick: (n: Notification) => boolean; resolve: (n: Notification) => void }[] = [];
  for (const type of Object.values(TrainerNotifications)) {
    connection.onNotification(type, (params: unknown) => {
      const n = { method: type.method, params };
      notifications.push(n);
      for (const w of waiters.filter((w) => w.pick(n))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(n);
      }
    });
  }
  connection.listen();
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      connection.dispose();
      if (code !== 0 && code !== null && stderr) process.stderr.write(`trainer stderr: ${stderr}\n`);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return {
    child,
    connection,
    notifications,
    exited,
    waitFor: (pick) =>
      new Promise((resolve, reject) => {
        const found = notifications.find(pick);
        if (found) return resolve(found);
        waiters.push({ pick, resolve });
        void exited.then((code) => reject(new Error(`trainer exited (${code}) before the awaited notification; got ${notifications.map((n) => n.method).join(', ')}`)));
      }),
  };
}

/**
 * The records of one of the run's JSONL files once `done` holds for them, as the
 * extension sees them (the run folder is where records go); rejects if the
 * trainer ends first.
 */
export async function waitForRecords<T>(trainer: Trainer, runDir: string, file: 'metrics' | 'eval' | 'traces', done: (records: T[]) => boolean): Promise<T[]> {
  let ended: number | string | null = null;
  void trainer.exited.then((code) => (ended = code));
  for (;;) {
    const text = fs.existsSync(runFile(runDir, file)) ? fs.readFileSync(runFile(runDir, file), 'utf8') : '';
    const { records } = parseJsonl<T>(text);
    if (done(records)) return records;
    if (ended !== null) throw new Error(`trainer exited (${ended}) before ${file} had the awaited records (${records.length} written)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the trainer has opened its run folder (its first trainer.log line): the earliest moment a kill interrupts a started run. */
export async function waitForRunStart(trainer: Trainer, runDir: string): Promise<void> {
  let ended: number | string | null = null;
  void trainer.exited.then((code) => (ended = code));
  while (!fs.existsSync(runFile(runDir, 'log'))) {
    if (ended !== null) throw new Error(`trainer exited (${ended}) before it opened its run folder`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
