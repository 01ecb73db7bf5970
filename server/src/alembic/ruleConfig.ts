/**
 * Rule severities: defaults (rules.ts) ← `[tool.alembic-migrations.rules]` in pyproject.toml ←
 * the editor's `alembic.lint.rules`. Unknown ids and bad values are reported as
 * `invalid-project-config` problems, never silently ignored.
 */
import { RULES, isRuleId, ruleInfo, type RuleSetting } from './rules';
import type { Problem, Range } from './types';
import { ZERO_RANGE } from './types';
import { MAX_CONFIG_BYTES, readRegularText } from '../shared/regularFile';

const VALUES: Record<string, RuleSetting> = {
  off: 'off',
  info: 'information',
  information: 'information',
  hint: 'hint',
  warning: 'warning',
  warn: 'warning',
  error: 'error',
};

export interface RuleConfig {
  severityOf(id: string): RuleSetting;
  /** Problems with the project file's rule table (on pyproject.toml). */
  problems: Problem[];
  /** Problems with the editor's `alembic.lint.rules` setting (no file: the client shows them). */
  settingsProblems: Problem[];
  /** Drops problems of rules turned off and applies configured severities. */
  apply(problems: Problem[]): Problem[];
  /** A string that changes whenever the effective configuration changes (for caches). */
  key: string;
}

function lineOf(file: string | undefined, key: string): Range {
  if (!file) return ZERO_RANGE;
  try {
    const lines = readRegularText(file, MAX_CONFIG_BYTES).split(/\r?\n/);
    const i = lines.findIndex((l) => new RegExp(`^\\s*["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*=`).test(l));
    return i >= 0 ? { start: { line: i, character: 0 }, end: { line: i, character: lines[i].length } } : ZERO_RANGE;
  } catch {
    return ZERO_RANGE;
  }
}

export function resolveRuleConfig(input: {
  projectRules?: Record<string, string>;
  projectRulesFile?: string;
  settingsRules?: Record<string, unknown>;
  /** The project's team-defined rules: their ids are known and their severities are the defaults. */
  customRules?: ReadonlyArray<{ id: string; severity: RuleSetting }>;
}): RuleConfig {
  const severities = new Map<string, RuleSetting>(RULES.map((r) => [r.id, r.defaultSeverity]));
  const custom = new Map((input.customRules ?? []).map((r) => [r.id, r.severity]));
  for (const [id, s] of custom) severities.set(id, s);
  const problems: Problem[] = [];
  const layer = (rules: Record<string, unknown> | undefined, where: string, file: string | undefined): void => {
    for (const [id, raw] of Object.entries(rules ?? {})) {
      const value = typeof raw === 'string' ? VALUES[raw.toLowerCase()] : undefined;
      const report = (message: string): void => {
        problems.push({ ruleId: 'invalid-project-config', severity: 'warning', message, file: file ?? '', range: lineOf(file, id) });
      };
      if (!isRuleId(id) && !custom.has(id)) {
        report(`${where}: '${id}' is not a rule id of this extension (see the rule list); the setting is ignored.`);
        continue;
      }
      if (!value) {
        report(
          `${where}: '${id}' = ${JSON.stringify(raw)} is not one of off, info, warning, error; the default (${ruleInfo(id)?.defaultSeverity ?? custom.get(id)}) stays.`,
        );
        continue;
      }
      severities.set(id, value);
    }
  };
  layer(input.projectRules, '[tool.alembic-migrations.rules] in pyproject.toml', input.projectRulesFile);
  layer(input.settingsRules, 'alembic.lint.rules setting', undefined);
  // Problems about settings have no file of their own: they are shown on the pyproject or dropped by the caller.
  const fileProblems = problems.filter((p) => p.file !== '');
  // Custom rules change what the lint finds, not only severities: their definitions are part of the key.
  const key = JSON.stringify([...severities, input.customRules ?? []]);
  return {
    severityOf: (id) => severities.get(id) ?? 'warning',
    problems: fileProblems,
    settingsProblems: problems.filter((p) => p.file === ''),
    key,
    apply(list) {
      const out: Problem[] = [];
      for (const p of list) {
        const s = severities.get(p.ruleId) ?? p.severity;
        if (s === 'off') continue;
        out.push(s === p.severity ? p : { ...p, severity: s });
      }
      return out;
    },
  };
}
