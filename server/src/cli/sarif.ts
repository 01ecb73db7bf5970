/**
 * `check --format sarif`: the problems as one SARIF 2.1.0 run, the shape GitHub code scanning
 * and other SARIF viewers read. Columns are UTF-16 code units (the positions problems carry),
 * paths are relative to the working folder under `%SRCROOT%`, and each result carries a
 * fingerprint that survives edits elsewhere in the file (no line numbers in it).
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Problem, Severity } from '../alembic/types';
import type { RuleSetting } from '../alembic/rules';

/** A rule as SARIF lists it in `tool.driver.rules`. */
export interface SarifRuleInput {
  id: string;
  summary: string;
  defaultSeverity: RuleSetting;
  helpUri?: string;
}

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export function sarifLevel(s: RuleSetting): SarifLevel {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : s === 'off' ? 'none' : 'note';
}

/** What a result's fingerprint is made of, besides its rule id (see `fingerprintOf`). */
export interface FingerprintSource {
  /** The revision id of the problem's migration, when it has one: stable across renames of the file. */
  revisionOf(file: string): string | undefined;
  /** The text of a file (undefined when unreadable): the offending text is read from it. */
  textOf(file: string): string | undefined;
}

const SRCROOT = '%SRCROOT%';

/** Collapses whitespace and cuts very long excerpts: what a fingerprint keeps of the offending text. */
function normalized(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/** The whole lines the problem's range covers: a narrow range (`UPDATE`) still tells its statement from another. */
function offendingText(p: Problem, text: string | undefined): string {
  if (text === undefined) return '';
  return text
    .split('\n')
    .slice(p.range.start.line, p.range.end.line + 1)
    .join('\n');
}

/**
 * A fingerprint for each problem: rule id + where (the migration's revision id, else the
 * file's path) + the lines of the offending text normalized (the message when there is none) + the
 * how-many-th such finding it is in that file. No line or column: an edit above it keeps it.
 */
export function fingerprints(problems: Problem[], cwd: string, source: FingerprintSource): string[] {
  const seen = new Map<string, number>();
  return problems.map((p) => {
    const where = source.revisionOf(p.file) ?? path.relative(cwd, p.file).split(path.sep).join('/');
    const what = normalized(offendingText(p, source.textOf(p.file))) || normalized(p.message);
    const key = `${p.ruleId}\u0000${where}\u0000${what}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return crypto.createHash('sha256').update(`${key}\u0000${n}`).digest('hex').slice(0, 32);
  });
}

function artifactLocation(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const rel = path.relative(cwd, file);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(file).href };
}

function region(p: Problem): Record<string, number> {
  const { start, end } = p.range;
  return { startLine: start.line + 1, startColumn: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 };
}

const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** The SARIF log of one check: one run, every rule listed, one result per problem. */
export function sarifLog(input: {
  problems: Problem[];
  rules: SarifRuleInput[];
  cwd: string;
  source: FingerprintSource;
  toolVersion?: string;
}): Record<string, unknown> {
  const rules = input.rules.map((r) => ({
    id: r.id,
    shortDescription: { text: r.summary.replace(/`/g, '') },
    ...(r.helpUri ? { helpUri: r.helpUri } : {}),
    defaultConfiguration: r.defaultSeverity === 'off' ? { enabled: false, level: 'none' } : { level: sarifLevel(r.defaultSeverity) },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const prints = fingerprints(input.problems, input.cwd, input.source);
  const results = input.problems.map((p, i) => ({
    ruleId: p.ruleId,
    ...(index.has(p.ruleId) ? { ruleIndex: index.get(p.ruleId) } : {}),
    level: LEVEL[p.severity],
    message: { text: p.message },
    locations: [{ physicalLocation: { artifactLocation: artifactLocation(p.file, input.cwd), region: region(p) } }],
    partialFingerprints: { 'alembicMigrations/v1': prints[i] },
    ...(p.related?.length
      ? {
          relatedLocations: p.related.map((r, k) => ({
            id: k,
            physicalLocation: { artifactLocation: artifactLocation(r.file, input.cwd), region: region({ ...p, range: r.range }) },
            message: { text: r.message },
          })),
        }
      : {}),
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'alembic-migrations',
            ...(input.toolVersion ? { version: input.toolVersion } : {}),
            rules,
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(input.cwd + path.sep).href } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
