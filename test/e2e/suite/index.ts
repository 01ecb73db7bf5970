/**
 * The mocha entry the extension host runs (`extensionTestsPath`): the same index
 * @vscode/test-electron would load. It runs every `*.e2e.js` beside it and reports the
 * counts to the file named by ALEMBIC_E2E_RESULTS (the harness reads it: mocha's own summary
 * lines are not what CI reads).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  for (const f of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.e2e.js'))
    .sort())
    mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const results = process.env.ALEMBIC_E2E_RESULTS;
      const stats = runner.stats ?? { passes: 0, failures };
      if (results) fs.writeFileSync(results, JSON.stringify({ passed: stats.passes, failed: stats.failures }));
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}
