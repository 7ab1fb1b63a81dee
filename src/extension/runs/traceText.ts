// The text of a trace opened in an editor tab (`rlab-trace:` documents), and
// its lookup on disk when it is no longer in memory.
import { readFileSync } from 'node:fs';
import type { TraceRecord } from '../../core/protocol/records';
import { parseJsonl } from '../../core/run/jsonl';
import { runFile } from '../../core/run/layout';

export function formatTrace(runId: string, index: number, t: TraceRecord): string {
  const sample = t.sample === 'greedy' ? 'greedy' : `sample ${t.sample}`;
  return [
    `# run ${runId} · trace ${index}`,
    `# ${t.phase} step ${t.step} · ${t.split} · ${sample}${t.truncated ? ' · truncated' : ''}`,
    `# numbers ${t.numbers.join(' ')} -> ${t.target}`,
    `# verdict ${t.verdict} · reward ${t.reward}`,
    '',
    '## prompt',
    t.prompt,
    '',
    '## completion',
    t.completion,
    '',
  ].join('\n');
}

/** The trace at `index` (its line among the records of traces.jsonl), read from disk. */
export function readTraceFromDisk(runDir: string, index: number): TraceRecord | undefined {
  try {
    return parseJsonl<TraceRecord>(readFileSync(runFile(runDir, 'traces'), 'utf8')).records[index];
  } catch {
    return undefined;
  }
}
