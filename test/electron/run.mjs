// `npm run test:electron`: the same in-host mocha suite in a desktop VS Code,
// through @vscode/test-electron, for people who have one. Nothing can be
// downloaded here, so it runs only with VSCODE_EXECUTABLE set to a VS Code
// binary (e.g. /usr/share/code/code) and says so when it is not.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { buildSuite, makeWorkspace } from '../vscode/prepare.mjs';

const executable = process.env.VSCODE_EXECUTABLE;
if (!executable) {
  console.log('test:electron: SKIPPED: set VSCODE_EXECUTABLE to a desktop VS Code binary to run the in-host suite in Electron (npm run test:vscode runs it in code-server).');
  process.exit(0);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlab-electron-'));
let code = 1;
try {
  const workspace = makeWorkspace(root, path.join(tmp, 'workspace'));
  code = await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: root,
    extensionTestsPath: await buildSuite(root),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(tmp, 'user-data')}`],
  });
} catch (err) {
  console.error(`test:electron: ${err instanceof Error ? err.message : err}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
