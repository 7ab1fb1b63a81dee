// The trainer process (dist/trainer.js), forked by the extension with an IPC
// channel: argv says what to run (see trainerArgv), JSON-RPC over IPC carries
// the run's life out (hello, log, done, failed) and the stop request in; the
// records go only to the run folder, which the extension follows. The exit code
// is 0 for a run that ended done or stopped, 1 for a failed one, 2 for a bad
// command line.
import { IPCMessageReader, IPCMessageWriter, createMessageConnection, type NotificationType } from 'vscode-jsonrpc/node';
import { TrainerNotifications, TrainerRequests, parseTrainerArgv, type TrainerLaunch } from '../core/protocol/trainer';
import { RunControl } from './engine/control';
import { train } from './engine/dispatch';
import { silentSink, type TrainerSink } from './engine/sink';

async function main(): Promise<number> {
  if (!process.send) {
    process.stderr.write('dist/trainer.js talks JSON-RPC over an IPC channel: start it with child_process.fork, or use `rlab train` in a terminal\n');
    return 2;
  }
  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  const control = new RunControl();
  connection.onRequest(TrainerRequests.stop, () => control.requestStop());
  connection.listen();
  // Without a host the run goes on headless; its events are in the run directory.
  let connected = true;
  process.on('disconnect', () => (connected = false));
  // SIGTERM / SIGINT (a host closing, Ctrl-C) stop like the `stop` request: checkpoint, then exit.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void control.requestStop().catch(() => undefined));

  // Notifications leave in order, so waiting for the last one waits for all.
  let last: Promise<void> = Promise.resolve();
  const send = <P>(type: NotificationType<P>, params: P): void => {
    if (connected) last = connection.sendNotification(type, params).catch(() => undefined);
  };
  const sink: TrainerSink = {
    ...silentSink,
    hello: (p) => send(TrainerNotifications.hello, p),
    log: (r) => send(TrainerNotifications.log, r),
    done: (p) => send(TrainerNotifications.done, p),
    failed: (p) => send(TrainerNotifications.failed, p),
  };

  let launch: TrainerLaunch;
  try {
    launch = parseTrainerArgv(process.argv.slice(2));
  } catch (e) {
    sink.failed({ message: (e as Error).message, stack: null });
    await last;
    return 2;
  }
  const outcome = await train(launch, sink, control);
  // Let the last notifications (done/failed) and request answers leave before exiting.
  await last;
  await new Promise((resolve) => setImmediate(resolve));
  connection.dispose();
  return outcome === 'failed' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`trainer: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
