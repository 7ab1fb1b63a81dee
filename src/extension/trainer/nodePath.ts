// Which Node binary runs the trainer: the `reasoningLab.nodePath` setting, else
// `node` on PATH, else the extension host's own runtime (Electron in desktop
// VS Code, which then must run as plain Node).
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';

export interface NodeRuntime {
  execPath: string;
  /** Extra environment the binary needs to behave as Node. */
  env: Record<string, string>;
  source: 'setting' | 'path' | 'extension-host';
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, process.platform === 'win32' ? `${name}.exe` : name);
    if (isExecutable(file)) return file;
  }
  return null;
}

/** Throws when the setting names a binary that cannot run, saying what to fix. */
export function resolveNodeRuntime(setting: string, envPath = process.env.PATH ?? ''): NodeRuntime {
  if (setting.trim() !== '') {
    const file = path.isAbsolute(setting) ? setting : findOnPath(setting, envPath);
    if (!file || !isExecutable(file)) {
      throw new Error(`The setting reasoningLab.nodePath is "${setting}", which is not an executable file. Set it to a Node.js 20+ binary, or clear it to use node from PATH.`);
    }
    return { execPath: file, env: {}, source: 'setting' };
  }
  const onPath = findOnPath('node', envPath);
  if (onPath) return { execPath: onPath, env: {}, source: 'path' };
  return { execPath: process.execPath, env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'extension-host' };
}
