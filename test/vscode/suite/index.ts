// Entry of the mocha suite that runs inside the real extension host (the
// workbench loads it through `extensionTestsPath`). Bundled by test/vscode/run.mjs.
import Mocha from 'mocha';
import { defineExtensionTests } from './extension.test';
import { defineLanguageTests } from './language.test';
import { defineRunsTests } from './runs.test';
import { defineSpecTests } from './spec.test';
import { defineTrainingTests } from './training.test';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'extension-host', mocha);
  defineExtensionTests();
  defineRunsTests();
  defineSpecTests();
  defineLanguageTests();
  defineTrainingTests();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
