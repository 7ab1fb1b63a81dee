// Writing into the runs folder: a run folder of its own for each new run, and
// files replaced whole (run.json, checkpoints/latest) so a reader never sees
// half of one. Synchronous: callers write between steps, not in a hot loop.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runId } from './layout';

/** Writes `file` whole or not at all: a temporary sibling, then a rename. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Creates `<root>/<runId>` (with `-2`, `-3`, ... if taken) and returns its path. */
export function createRunDir(root: string, specName: string, now = new Date()): string {
  fs.mkdirSync(root, { recursive: true });
  const base = runId(specName, now);
  for (let n = 1; ; n++) {
    const dir = path.join(root, n === 1 ? base : `${base}-${n}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
