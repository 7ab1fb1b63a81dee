// Installs code-server 4.100.3 (VS Code 1.100.3, the last release on Node 20)
// into .cache/code-server for the VS Code tests and `npm start`. Offline apart
// from the npm registry: rg comes from Debian's ripgrep package. Safe to run again.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const codeServerPrefix = path.join(root, '.cache', 'code-server');
export const codeServerBin = path.join(codeServerPrefix, 'node_modules', '.bin', 'code-server');

// @vscode/ripgrep 1.15.11 (code-server 4.100.3's) looks for this archive in
// $TMPDIR before it downloads from GitHub.
const RIPGREP_CACHE = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

/** Installed at this version, with its postinstall done (the VS Code server's own node_modules). */
function installed() {
  const pkg = path.join(codeServerPrefix, 'node_modules', 'code-server');
  try {
    const { version } = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
    return version === CODE_SERVER_VERSION && existsSync(codeServerBin) && existsSync(path.join(pkg, 'lib', 'vscode', 'node_modules'));
  } catch {
    return false;
  }
}

function install() {
  if (!existsSync('/usr/bin/rg')) {
    throw new Error('install-code-server: /usr/bin/rg is missing; run `sudo apt-get install ripgrep` (scripts/setup.sh does).');
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlab-code-server-'));
  try {
    const cache = path.join(tmp, RIPGREP_CACHE);
    const staging = path.join(tmp, 'rg');
    mkdirSync(cache);
    mkdirSync(path.join(staging, 'bin'), { recursive: true });
    execFileSync('cp', ['/usr/bin/rg', path.join(staging, 'bin', 'rg')]);
    execFileSync('tar', ['-czf', path.join(cache, RIPGREP_ASSET), '-C', path.join(staging, 'bin'), 'rg']);

    // Its own folder and package.json, so its install never touches the project's lockfile.
    mkdirSync(codeServerPrefix, { recursive: true });
    writeFileSync(
      path.join(codeServerPrefix, 'package.json'),
      JSON.stringify({ private: true, dependencies: { 'code-server': CODE_SERVER_VERSION } }, null, 2) + '\n',
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--omit=dev'], {
      cwd: codeServerPrefix,
      stdio: 'inherit',
      env: {
        ...process.env,
        TMPDIR: tmp,
        // code-server's postinstall refuses root without this, and runs a nested `npx node-gyp`.
        npm_config_unsafe_perm: 'true',
        npm_config_yes: 'true',
        // npm 11 blocks dependency install scripts unless approved. code-server's
        // postinstall runs nested `npm install`s in its own sub-packages (native
        // modules of the VS Code server), which no allowScripts list in this
        // folder reaches, so the approval goes through the environment, for
        // this one pinned package only.
        npm_config_dangerously_allow_all_scripts: 'true',
      },
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!installed()) throw new Error(`install-code-server: ${codeServerBin} does not report ${CODE_SERVER_VERSION} after install.`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (installed()) {
    console.log(`code-server ${CODE_SERVER_VERSION} already in ${codeServerPrefix}`);
  } else {
    const started = Date.now();
    install();
    console.log(`code-server ${CODE_SERVER_VERSION} installed in ${codeServerPrefix} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
}
