// The device a spec names, against what this machine has installed: the
// editor's error before Train, and the language server that shows it.
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { describe, it } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeSpec } from '../../src/core/spec/analyze';
import { deviceDiagnostic, deviceProblem, installedBackends } from '../../src/core/spec/devices';
import { codeLenses } from '../../src/server/actions';
import { computeDiagnostics } from '../../src/server/diagnostics';

describe('installedBackends', () => {
  it("lists the tfjs backends that resolve from a folder, in auto's order", () => {
    const here = installedBackends(process.cwd());
    assert.deepEqual(here.filter((b) => b === 'wasm' || b === 'cpu'), ['wasm', 'cpu']);
    assert.deepEqual(installedBackends(os.tmpdir()).filter((b) => b === 'wasm'), [], 'nothing resolves from an empty folder');
  });
});

describe('deviceProblem and deviceDiagnostic', () => {
  const spec = 'task { }\ndevice   gpu   # the fast one\n';

  it('says what to install when the named device is missing, on the device line', () => {
    assert.match(deviceProblem('gpu', ['wasm', 'cpu'])!, /^device gpu needs @tensorflow\/tfjs-node-gpu, which is not installed here: run `npm install @tensorflow\/tfjs-node-gpu`/);
    assert.equal(deviceProblem('gpu', ['tensorflow-gpu', 'wasm']), null);
    assert.equal(deviceProblem('auto', ['cpu']), null);
    assert.match(deviceProblem('auto', [])!, /no TensorFlow\.js backend is installed here/);
    const d = deviceDiagnostic(analyzeSpec(spec), ['wasm', 'cpu'])!;
    assert.deepEqual([d.severity, d.range.start.line, d.range.start.character], ['error', 1, 0]);
    assert.equal(deviceDiagnostic(analyzeSpec(spec), ['tensorflow-gpu']), null);
    assert.equal(deviceDiagnostic(analyzeSpec('task { }\n'), []), null, 'a spec that names no device leaves it to auto');
  });

  it('reaches the editor through the language server, and the Train lens says to fix it first', () => {
    const document = TextDocument.create('file:///gpu.countdown', 'countdown', 1, spec);
    const device = computeDiagnostics(document).find((d) => d.message.startsWith('device gpu'));
    const lens = codeLenses(document)[0]!.command!.title;
    if (installedBackends(process.cwd()).includes('tensorflow-gpu')) {
      assert.equal(device, undefined, 'tfjs-node-gpu is installed on this machine');
      assert.equal(lens, '$(play) Train');
    } else {
      assert.equal(device?.severity, DiagnosticSeverity.Error);
      assert.equal(lens, '$(play) Train (fix the errors first)');
    }
  });
});
