// The `rlab` command line. Each command lives in its own file and registers itself here.
import { Command } from 'commander';
import { version } from '../../../package.json';
import { register as check } from './check';
import { register as evaluate } from './eval';
import { register as exportJob } from './export';
import { register as generate } from './generate';
import { register as score } from './score';
import { register as solve } from './solve';
import { register as train } from './train';

// A reader that stops early (`rlab score … | head -2`) closes the pipe: a command-line
// tool then ends quietly, as the rest of the pipeline expects, without a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('rlab')
  .description('Reasoning Lab: Countdown problems, answers and training from the command line')
  .version(version);

solve(program);
score(program);
generate(program);
check(program);
train(program);
evaluate(program);
exportJob(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`rlab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
