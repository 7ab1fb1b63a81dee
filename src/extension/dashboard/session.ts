// The message flow to one dashboard webview, free of `vscode` so it is tested
// with the real RunStore. The webview exists only while visible (no
// retainContextWhenHidden): each time it loads it says `ready`, gets a full
// snapshot, then the deltas of the runs it shows. A run it shows that leaves
// the runs folder is dropped with a snapshot that says so.
import type { DashboardTab, RunDelta, ToWebview, WebviewIntent } from '../../core/protocol/webview';
import { parseWebviewIntent } from '../../core/protocol/webview';
import type { DashboardSource } from './source';

/** Intents the session cannot answer itself, for the panel host to run as commands. */
export type CommandIntent = Extract<WebviewIntent, { type: 'openTrace' | 'stopRun' | 'showLog' | 'openSpec' | 'pickRuns' }>;

export class DashboardSession {
  private ready = false;
  /** True while the source flushes before a snapshot: those deltas are in the snapshot. */
  private hydrating = false;
  private runIds: string[];
  private focus: string | null;
  /** Labels of the shown runs, to name one after it is gone. */
  private labels = new Map<string, string>();

  /** A tab to bring forward with the next snapshot. */
  private tab: DashboardTab | null;

  constructor(
    private readonly source: DashboardSource,
    private readonly post: (message: ToWebview) => void,
    runIds: string[],
    tab: DashboardTab | null = null,
  ) {
    this.runIds = [];
    this.focus = null;
    this.tab = tab;
    this.choose(runIds);
  }

  /** The runs shown, the focused one first. */
  get shown(): readonly string[] {
    return this.runIds;
  }

  /** Shows these runs (the first in focus), on `tab` if given, re-sending the snapshot if the webview is up. */
  show(runIds: string[], tab: DashboardTab | null = null): void {
    this.choose(runIds);
    this.tab = tab;
    if (this.ready) this.hydrate();
  }

  /** The runs folder changed: a shown run that is gone is dropped, and the webview told. */
  onRunsChanged(): void {
    const known = new Set(this.source.list().map((r) => r.id));
    const gone = this.runIds.filter((id) => !known.has(id));
    if (gone.length === 0) return;
    this.runIds = this.runIds.filter((id) => known.has(id));
    if (this.focus !== null && !known.has(this.focus)) this.focus = this.runIds[0] ?? null;
    if (this.ready) this.hydrate(gone.map((id) => this.labels.get(id) ?? id));
  }

  /** The webview is torn down when hidden; it reloads and says `ready` when shown again. */
  setVisible(visible: boolean): void {
    if (!visible) this.ready = false;
  }

  /**
   * Validates a message from the webview (`valid` false: not an intent at all).
   * `ready` and `compare` are handled here; commands come back for the host to
   * run, and only for runs this panel shows.
   */
  receive(raw: unknown): { valid: boolean; command: CommandIntent | null } {
    const intent = parseWebviewIntent(raw);
    if (!intent) return { valid: false, command: null };
    switch (intent.type) {
      case 'ready':
        this.ready = true;
        this.hydrate();
        return { valid: true, command: null };
      case 'compare':
        this.show(intent.runIds);
        return { valid: true, command: null };
      case 'pickRuns':
        return { valid: true, command: intent };
      case 'openTrace':
      case 'stopRun':
      case 'showLog':
      case 'openSpec':
        return { valid: true, command: this.runIds.includes(intent.runId) ? intent : null };
    }
  }

  onDelta(delta: RunDelta): void {
    if (this.ready && !this.hydrating && this.runIds.includes(delta.runId)) this.post({ type: 'append', ...delta });
  }

  private choose(runIds: string[]): void {
    const known = new Set(this.source.list().map((r) => r.id));
    const wanted = [...new Set(runIds)].filter((id) => known.has(id));
    // With nothing chosen the dashboard follows the newest run.
    const newest = this.source.list()[0]?.id;
    this.runIds = wanted.length > 0 ? wanted : newest !== undefined ? [newest] : [];
    this.focus = this.runIds[0] ?? null;
  }

  private hydrate(gone: string[] = []): void {
    // The source's pending deltas leave now and are dropped here: the snapshot
    // below already holds their records, and nothing may arrive twice.
    this.hydrating = true;
    try {
      this.source.flush();
    } finally {
      this.hydrating = false;
    }
    // A panel whose runs are all gone says so, and does not jump to another run.
    if (this.runIds.length === 0 && gone.length === 0) this.choose([]);
    const runs = this.runIds.flatMap((id) => this.source.snapshot(id) ?? []);
    this.labels = new Map(runs.map((r) => [r.run.id, r.label]));
    this.post({ type: 'hydrate', runs, focus: this.focus, tab: this.tab, gone });
    this.tab = null;
  }
}
