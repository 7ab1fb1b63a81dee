// `npm run bench:dashboard`: the dashboard bundle in Debian's Chromium hydrates
// 100,000 step records (about 2.5 million metric values) and 10,000 traces,
// then takes deltas at 10 Hz for 30 s (half on the metrics tab, half on the
// traces tab). Reports the hydrate time (wall and CPU), with the cost of merely
// receiving the snapshot (a structured clone, what postMessage does) measured in
// the same page as the peer, and the longest frame while streaming (rAF gaps and long tasks; target:
// none over 50 ms) beside the longest frame of the same page idle (the peer for
// frames: what the machine's load alone costs). Since wall time on a busy shared
// machine mostly measures other processes, the longest main-thread task is also
// read from Chromium's trace in thread CPU time, and the target is judged on
// that. JSON goes to bench/results/dashboard.json.
//   --steps N --traces N --seconds S --hz H   (defaults 100000, 10000, 30, 10)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { openDashboard, startHarness } from '../test/webview/harness';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '100000' },
    traces: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '30' },
    hz: { type: 'string', default: '10' },
  },
});
const steps = Number(values.steps);
const traces = Number(values.traces);
const seconds = Number(values.seconds);
const hz = Number(values.hz);
const root = path.resolve(import.meta.dirname, '..');
const TARGET_FRAME_MS = 50;

async function main(): Promise<void> {
  // The fixture generator runs inside the page, so 100k records need not cross
  // the DevTools protocol as JSON.
  const fixtures = await esbuild.build({
    entryPoints: [path.join(root, 'test/webview/fixture-runs.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'RlabFixtures',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });

  // gc() is exposed so the snapshot's garbage is collected (and timed) before streaming.
  const harness = await startHarness(['--js-flags=--expose-gc']);
  try {
    const d = await openDashboard(harness, { width: 1400, height: 1000 });
    const { page } = d;
    await page.evaluate(`${fixtures.outputFiles[0]!.text}\nwindow.RlabFixtures = RlabFixtures;`);
    const pretrainSteps = Math.min(2000, Math.floor(steps / 10));
    const metricValues = await page.evaluate(
      ({ pretrainSteps, rlSteps, traces }) => {
        const w = window as unknown as Record<string, any>;
        const run = w.RlabFixtures.fixtureRun({ id: 'bench', pretrainSteps, rlSteps, traces, evalEvery: 500 });
        w.__snapshot = { type: 'hydrate', runs: [run], focus: 'bench', tab: null, gone: [] };
        w.__run = run;
        // Metric values in the snapshot: every number of every step besides phase, step and time.
        let values = 0;
        for (const step of run.steps) values += Object.keys(step).length - 3 + (step.verdicts ? Object.keys(step.verdicts).length - 1 : 0);
        return values as number;
      },
      { pretrainSteps, rlSteps: steps - pretrainSteps, traces },
    );

    // Peer: receiving the snapshot costs at least one structured clone.
    const tracing = () => harness.browser.startTracing(page, { categories: ['disabled-by-default-devtools.timeline', 'toplevel'] });
    const traced = async () => rendererTasks(JSON.parse((await harness.browser.stopTracing()).toString('utf8')));
    await tracing();
    const cloneMs = await page.evaluate(() => {
      const t = performance.now();
      structuredClone((window as unknown as Record<string, unknown>).__snapshot);
      return performance.now() - t;
    });
    const cloneTasks = await traced();

    await tracing();
    const timing = await page.evaluate(async () => {
      const w = window as unknown as Record<string, any>;
      const chartsInView = () =>
        [...document.querySelectorAll('.chart')].filter((c) => {
          const r = c.getBoundingClientRect();
          return r.bottom > 0 && r.top < innerHeight;
        });
      const t = performance.now();
      window.postMessage(w.__snapshot, '*');
      // Done when every chart in view has drawn (the count of 10k traces is set too).
      await new Promise<void>((resolve) => {
        const check = () => {
          const inView = chartsInView();
          const drawn = inView.length > 0 && inView.every((c) => c.querySelector('canvas'));
          if (drawn && document.querySelector('.trace-count')?.textContent?.startsWith(`${w.__run.traces.length} of`)) resolve();
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
      return { hydrateMs: performance.now() - t, chartsInView: chartsInView().length };
    });
    const hydrateTasks = await traced();
    // The snapshot's copy is garbage now; collect it here rather than in a frame while streaming.
    const gcMs = await page.evaluate(() => {
      const w = window as unknown as Record<string, any>;
      delete w.__snapshot;
      const t = performance.now();
      (w.gc as () => void)();
      return performance.now() - t;
    });

    // Peer for the frame figures: the longest rAF gap of the same page with no
    // messages at all, the machine's own noise (other processes, GC).
    const idle = await page.evaluate(async () => {
      const gaps: number[] = [];
      let last = performance.now();
      await new Promise<void>((resolve) => {
        const end = last + 3000;
        const frame = (now: number) => {
          gaps.push(now - last);
          last = now;
          if (now < end) requestAnimationFrame(frame);
          else resolve();
        };
        requestAnimationFrame(frame);
      });
      return { frames: gaps.length, maxFrameMs: Math.max(...gaps), framesOver50: gaps.filter((g) => g > 50).length };
    });

    // Chromium's trace records each main-thread task's wall time and thread CPU
    // time: the CPU time is what a frame would take on an idle machine.
    await tracing();
    const stream = await page.evaluate(
      async ({ seconds, hz }) => {
        const w = window as unknown as Record<string, any>;
        const longTasks: number[] = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) longTasks.push(e.duration);
        }).observe({ type: 'longtask' });
        const gaps: number[] = [];
        let last = performance.now();
        let running = true;
        const frame = (now: number) => {
          gaps.push(now - last);
          last = now;
          if (running) requestAnimationFrame(frame);
        };
        requestAnimationFrame((now) => {
          last = now;
          requestAnimationFrame(frame);
        });
        const run = w.__run;
        let step = run.steps.at(-1).step;
        let traceIndex = run.traces.length;
        let seed = 1;
        const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
        let messages = 0;
        const template = run.steps.at(-1);
        const ticks = Math.round(seconds * hz);
        const switchAt = Math.floor(ticks / 2);
        const marks: number[] = [];
        for (let tick = 0; tick < ticks; tick++) {
          if (tick === switchAt) {
            (document.querySelector('vscode-tab-header[data-tab="traces"]') as HTMLElement).click();
            marks.push(gaps.length);
          }
          step++;
          const newTraces = Array.from({ length: 4 }, () => w.RlabFixtures.fixtureTrace(rand, step, 0.6));
          window.postMessage(
            {
              type: 'append',
              runId: 'bench',
              steps: [{ ...template, step, accuracy: 0.6 + (rand() - 0.5) * 0.1 }],
              evals: [],
              traces: newTraces,
              traceStart: traceIndex,
              alerts: [],
              run: null,
            },
            '*',
          );
          traceIndex += newTraces.length;
          messages++;
          await new Promise((r) => setTimeout(r, 1000 / hz));
        }
        running = false;
        await new Promise((r) => setTimeout(r, 200));
        const sorted = [...gaps].sort((a, b) => a - b);
        const max = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);
        return {
          messages,
          frames: gaps.length,
          maxFrameMs: max(gaps),
          maxFrameMetricsTabMs: max(gaps.slice(0, marks[0])),
          maxFrameTracesTabMs: max(gaps.slice(marks[0])),
          p99FrameMs: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
          framesOver50: gaps.filter((g) => g > 50).length,
          longTasks: longTasks.length,
          maxLongTaskMs: max(longTasks),
          summary: document.querySelector('[data-field="summary"]')?.textContent,
        };
      },
      { seconds, hz },
    );

    const tasks = await traced();
    if (d.problems.length > 0) throw new Error(`the page reported problems: ${d.problems.join('; ')}`);
    const result = {
      bench: 'dashboard',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
      browser: harness.browser.version(),
      data: { stepRecords: steps, pretrainSteps, rlSteps: steps - pretrainSteps, metricValues, traces },
      hydrate: {
        ms: round(timing.hydrateMs),
        cpuMs: round(hydrateTasks.totalCpuMs),
        garbageCollectionMs: round(gcMs),
        peerStructuredCloneMs: round(cloneMs),
        peerStructuredCloneCpuMs: round(cloneTasks.totalCpuMs),
        ratioToPeer: round(timing.hydrateMs / cloneMs),
        cpuRatioToPeer: round(hydrateTasks.totalCpuMs / cloneTasks.totalCpuMs),
        chartsDrawn: timing.chartsInView,
      },
      idlePeer: { seconds: 3, ...idle, maxFrameMs: round(idle.maxFrameMs) },
      stream: {
        seconds,
        hz,
        mainThreadTasks: tasks.count,
        maxTaskCpuMs: round(tasks.maxCpuMs),
        tasksOver50MsCpu: tasks.over50Cpu,
        maxTaskWallMs: round(tasks.maxWallMs),
        ...stream,
        maxFrameMs: round(stream.maxFrameMs),
        p99FrameMs: round(stream.p99FrameMs),
        maxLongTaskMs: round(stream.maxLongTaskMs),
        maxFrameOverIdle: round(stream.maxFrameMs / idle.maxFrameMs),
      },
      targetMaxFrameMs: TARGET_FRAME_MS,
      // Judged on CPU time: wall time on a shared 2-core machine mostly measures the other processes.
      meetsTarget: tasks.maxCpuMs <= TARGET_FRAME_MS,
      meetsTargetWallClock: stream.maxFrameMs <= TARGET_FRAME_MS,
    };
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    writeFileSync(path.join(root, 'bench/results/dashboard.json'), JSON.stringify(result, null, 2) + '\n');
    console.log(JSON.stringify(result, null, 2));
    await page.close();
  } finally {
    await harness.close();
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** Top-level tasks of the page's renderer main thread: count, longest wall and CPU time, total CPU time, and how many took over 50 ms of CPU. */
function rendererTasks(trace: { traceEvents: TraceEvent[] }): { count: number; maxWallMs: number; maxCpuMs: number; totalCpuMs: number; over50Cpu: number } {
  const main = trace.traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`);
  const tasks = trace.traceEvents.filter((e) => e.name === 'RunTask' && e.ph === 'X' && main.includes(`${e.pid}:${e.tid}`));
  const cpu = tasks.map((t) => (t.tdur ?? 0) / 1000);
  return {
    count: tasks.length,
    maxWallMs: Math.max(0, ...tasks.map((t) => (t.dur ?? 0) / 1000)),
    maxCpuMs: Math.max(0, ...cpu),
    totalCpuMs: cpu.reduce((a, b) => a + b, 0),
    over50Cpu: cpu.filter((c) => c > 50).length,
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
