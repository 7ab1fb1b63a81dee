// The extension's settings (contributes.configuration), read in one place.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUNS_FOLDER } from '../core/run/layout';

export const SECTION = 'reasoningLab';

export interface Settings {
  nodePath: string;
  /** `spec` keeps the spec's own `device`. */
  device: 'spec' | 'auto' | 'gpu' | 'cpu' | 'wasm' | 'js';
  runFolder: string;
  metricsRefreshMs: number;
  maxTraces: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    nodePath: c.get<string>('nodePath', ''),
    device: c.get<Settings['device']>('device', 'spec'),
    runFolder: c.get<string>('runFolder', RUNS_FOLDER),
    metricsRefreshMs: c.get<number>('metricsRefreshMs', 250),
    maxTraces: c.get<number>('maxTraces', 2000),
  };
}

/** Absolute runs folder: the setting, relative to the first workspace folder; undefined without one. */
export function runsRoot(settings: Settings): string | undefined {
  if (path.isAbsolute(settings.runFolder)) return settings.runFolder;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, settings.runFolder) : undefined;
}
