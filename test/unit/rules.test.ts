import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES, ruleDocPath } from '../../server/src/alembic/rules';
import { resolveRuleConfig } from '../../server/src/alembic/ruleConfig';
import type { Problem } from '../../server/src/alembic/types';
import { ZERO_RANGE } from '../../server/src/alembic/types';
import { tempDir } from '../support/tempDir';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

test('every rule id has its docs page, and the catalog matches RULES.md (and the ids shipped from RULES-NEXT.md)', () => {
  for (const r of RULES) assert.ok(fs.existsSync(path.join(repoRoot, ruleDocPath(r.id))), `${r.id} has no ${ruleDocPath(r.id)}`);
  const specIds = (file: string): string[][] =>
    [...fs.readFileSync(path.resolve(repoRoot, '..', 'shared', 'design', file), 'utf8').matchAll(/^\| ([a-z-]+) \| (error|warning|information|off) \|/gm)].map(
      (m) => [m[1], m[2]],
    );
  const shipped = specIds('RULES.md');
  assert.ok(shipped.length >= 40);
  for (const [id, sev] of shipped) assert.equal(RULES.find((r) => r.id === id)?.defaultSeverity, sev, id);
  // Reserved ids join RULES.md when their issue ships; until then the catalog may hold them, with the reserved severity.
  const reserved = new Map(specIds('RULES-NEXT.md').map(([id, sev]) => [id, sev]));
  const known = new Set([...shipped.map(([id]) => id), 'invalid-project-config']);
  for (const r of RULES.filter((x) => !known.has(x.id))) {
    assert.ok(reserved.has(r.id), `${r.id} is neither in RULES.md nor reserved in RULES-NEXT.md`);
    assert.equal(r.defaultSeverity, reserved.get(r.id), r.id);
  }
});

const p = (ruleId: string, severity: Problem['severity'] = 'warning'): Problem => ({ ruleId, severity, message: '', file: '/x.py', range: ZERO_RANGE });

test('project file overrides defaults, editor settings override the project file; off drops', () => {
  const c = resolveRuleConfig({
    projectRules: { 'ban-drop-column': 'error', 'prefer-text-field': 'warning' },
    settingsRules: { 'ban-drop-column': 'off', 'update-without-where': 'info' },
  });
  const out = c.apply([p('ban-drop-column'), p('prefer-text-field', 'information'), p('update-without-where'), p('missing-parent', 'error')]);
  assert.deepEqual(
    out.map((x) => `${x.ruleId}=${x.severity}`),
    ['prefer-text-field=warning', 'update-without-where=information', 'missing-parent=error'],
  );
  assert.deepEqual(resolveRuleConfig({}).apply([p('prefer-text-field')]), [], 'prefer-text-field is off by default');
});

test('unknown rule ids and bad values in pyproject.toml are reported on the file, not ignored', () => {
  const dir = tempDir('rules-');
  const file = path.join(dir, 'pyproject.toml');
  fs.writeFileSync(file, '[tool.alembic-migrations.rules]\nno-such-rule = "off"\nban-drop-table = "loud"\n');
  const c = resolveRuleConfig({ projectRules: { 'no-such-rule': 'off', 'ban-drop-table': 'loud' }, projectRulesFile: file });
  assert.equal(c.problems.length, 2);
  assert.deepEqual(c.problems.map((x) => x.range.start.line).sort(), [1, 2]);
  assert.ok(c.problems.every((x) => x.ruleId === 'invalid-project-config' && x.file === file));
});
