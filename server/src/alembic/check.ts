/**
 * `alembic-migrations check` for one project: graph problems for every file plus the lint
 * rules on every migration (full parse), with the project's rule configuration applied.
 */
import * as fs from 'node:fs';
import type { ProjectIndex } from './projectIndex';
import type { Problem } from './types';
import { lintMigration, mayHaveFindings, prepareLinter } from './lint';
import { parseMigrationWith } from './migrationParser';
import { loadPythonParser } from './pythonParser';
import { resolveRuleConfig } from './ruleConfig';
import { decodeSource, looksBinary, MAX_MIGRATION_BYTES } from './migrationFile';

export async function checkProject(index: ProjectIndex): Promise<Problem[]> {
  const config = resolveRuleConfig({ projectRules: index.project.lintRules, projectRulesFile: index.project.pyprojectFile });
  const problems: Problem[] = [...config.problems, ...config.apply(index.problems())];
  const py = await loadPythonParser();
  await prepareLinter();
  for (const m of index.migrationFiles()) {
    if (m.readProblem) continue;
    let text: string;
    try {
      const bytes = fs.readFileSync(m.file);
      if (bytes.length > MAX_MIGRATION_BYTES || looksBinary(bytes)) continue;
      text = decodeSource(bytes);
    } catch {
      continue;
    }
    if (!mayHaveFindings(text)) continue;
    problems.push(...config.apply(lintMigration(parseMigrationWith(py, text), m.file, { config })));
  }
  const order = (p: Problem): string => `${p.file}\u0000${String(p.range.start.line).padStart(8, '0')}${String(p.range.start.character).padStart(6, '0')}`;
  return problems.sort((a, b) => order(a).localeCompare(order(b)));
}
