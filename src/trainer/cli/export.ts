// `rlab export verl SPEC --out DIR`: a self-contained veRL job folder from a
// spec (data, reward module, run.sh), to run on a GPU machine by hand.
import * as path from 'node:path';
import type { Command } from 'commander';
import { JOB_FILES } from '../../core/verl/job';
import { readSpecFile } from '../spec-file';
import { exportVerlJob } from '../verl/export';

interface ExportOptions {
  out: string;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('Write a job folder for another engine from a .countdown spec (veRL: data, reward module, run.sh)')
    .argument('<engine>', 'the engine to export for: verl')
    .argument('<spec>', 'the .countdown spec')
    .requiredOption('--out <dir>', 'the folder to write (new, empty, or an earlier export)')
    .addHelpText(
      'after',
      '\nExamples:\n  rlab export verl examples/tinyzero-verl.countdown --out tinyzero-job\n  bash tinyzero-job/run.sh          # on a machine with veRL\n\nSee docs/verl.md for how every spec key maps to veRL.',
    )
    .action((engine: string, spec: string, options: ExportOptions, command: Command) => {
      if (engine !== 'verl') command.error(`rlab export: unknown engine "${engine}"; the engine to export for is verl`);
      let config;
      try {
        config = readSpecFile(spec).config;
      } catch (e) {
        command.error(`rlab export: ${(e as Error).message}`);
      }
      const out = path.resolve(options.out);
      try {
        exportVerlJob(config, out, (message) => process.stderr.write(`${message}\n`));
      } catch (e) {
        command.error(`rlab export: ${(e as Error).message}`);
      }
      process.stderr.write(`run it on a machine with veRL: bash ${path.join(options.out, JOB_FILES.script)}\n`);
    });
}
