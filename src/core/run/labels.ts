// What runs are called wherever they are listed side by side (runs view, run
// picker, compare legend and table, notifications): the spec name, and when
// several runs share it, also when each started — as briefly as tells them
// apart, in local time.
import type { RunInfo } from '../protocol/records';

type Labelled = Pick<RunInfo, 'id' | 'name' | 'startedAt'>;

const FORMATS: Intl.DateTimeFormatOptions[] = [
  { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
];

/** A label per run id: unique among `runs` (the run id itself when nothing shorter is). */
export function runLabels(runs: readonly Labelled[], timeZone?: string): Map<string, string> {
  const byName = new Map<string, Labelled[]>();
  for (const run of runs) byName.set(run.name || run.id, [...(byName.get(run.name || run.id) ?? []), run]);
  const labels = new Map<string, string>();
  for (const [name, group] of byName) {
    if (group.length === 1) {
      labels.set(group[0]!.id, name);
      continue;
    }
    const distinct = FORMATS.map((format) => {
      const text = new Intl.DateTimeFormat('en-US', { ...format, timeZone });
      return group.map((r) => (Number.isNaN(Date.parse(r.startedAt)) ? r.id : `${name} · ${text.format(new Date(r.startedAt))}`));
    }).find((names) => new Set(names).size === names.length);
    group.forEach((run, i) => labels.set(run.id, distinct?.[i] ?? run.id));
  }
  return labels;
}
