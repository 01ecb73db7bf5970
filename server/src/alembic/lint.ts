/**
 * The lint pipeline of one parsed migration: operation rules, SQL rules, then suppression
 * comments (`# alembic: ignore[...]`). Configuration (severities, off) is applied by the caller.
 */
import type { ParsedMigration } from './migrationParser';
import type { RuleConfig } from './ruleConfig';
import type { Problem } from './types';

/** Loads what linting needs beyond the Python parser (PostgreSQL's parser). */
export async function prepareLinter(): Promise<void> {
  // Filled in with the SQL layer.
}

export function lintMigration(parsed: ParsedMigration, file: string, _opts: { config?: RuleConfig } = {}): Problem[] {
  void parsed;
  void file;
  return [];
}

export interface FixEdit {
  title: string;
  edits: Array<{ range: Problem['range']; newText: string }>;
}

/** Mechanical fixes for a lint problem, as text edits. */
export function fixEdits(_problem: Problem, _parsed: ParsedMigration): FixEdit[] {
  return [];
}
