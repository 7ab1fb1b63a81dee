// Starts code-server 4.100.3 on 127.0.0.1 with every folder it writes in a temp
// directory, and stops it by killing its whole process group (its extension
// host lingers for a reconnection grace period otherwise).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { codeServerBin } from '../../scripts/install-code-server.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** User settings that keep the workbench quiet and predictable for tests. */
const SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'window.restoreWindows': 'none',
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/**
 * `trust` keeps workspace trust on (for the untrusted-workspace walkthrough);
 * `settings` are added to the user settings.
 * @param {{ tmp: string, env?: Record<string, string>, log: (line: string) => void, trust?: boolean, settings?: Record<string, unknown> }} options
 * @returns {Promise<{ port: number, url: string, stop: () => Promise<void>, output: () => string, settingsFile: string }>}
 */
export async function startCodeServer({ tmp, env = {}, log, trust = false, settings = {} }) {
  if (!existsSync(codeServerBin)) {
    throw new Error(`code-server is not installed (${codeServerBin}); run \`node scripts/install-code-server.mjs\` (scripts/setup.sh does).`);
  }
  const dirs = Object.fromEntries(['user-data', 'extensions', 'config', 'data', 'tmp'].map((d) => [d, path.join(tmp, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(path.join(dirs['user-data'], 'User'), { recursive: true });
  const settingsFile = path.join(dirs['user-data'], 'User', 'settings.json');
  const trustSettings = trust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  writeFileSync(settingsFile, JSON.stringify({ ...SETTINGS, ...trustSettings, ...settings }, null, 2));
  const config = path.join(tmp, 'code-server.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const port = await freePort();
  let output = '';
  const child = spawn(
    codeServerBin,
    [
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(trust ? [] : ['--disable-workspace-trust']),
      '--user-data-dir', dirs['user-data'],
      '--extensions-dir', dirs.extensions,
      '--config', config,
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, TMPDIR: dirs.tmp },
    },
  );
  const collect = (chunk) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
    // Anything left in the group (the extension host, trainers) goes too.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // none left
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 30_000) {
      await stop();
      throw new Error(`code-server did not answer /healthz within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`code-server ready on ${url} in ${Date.now() - started} ms`);
  return { port, url, stop, output: () => output, settingsFile };
}
