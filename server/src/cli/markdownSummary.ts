/**
 * `check --format markdown`: a summary to post as a pull-request comment. One section per
 * migration — with `--since`, every migration added or changed since the ref; otherwise every
 * migration with problems — listing its problems and, collapsed, what its `upgrade()` runs as
 * read statically (SQL strings and `op.*` calls; the CLI runs no Python, so this is not
 * `alembic upgrade --sql`). Problems outside those migrations follow in a table of their own.
 */
import type { ProjectIndex } from '../alembic/projectIndex';
import type { Problem, Severity } from '../alembic/types';
import { fileRevisionId } from '../alembic/revisionGraph';
import type { ParsedMigration } from '../alembic/migrationParser';
import { upgradeSteps } from '../alembic/upgradeSteps';

export interface MarkdownInput {
  results: Array<{ index: ProjectIndex; problems: Problem[]; changed?: ReadonlySet<string> }>;
  /** The ref of `--since`, when given. */
  since?: string;
  /** A path as shown (relative to the working folder). */
  display: (file: string) => string;
  /** A rule's documentation link, if any. */
  helpUri: (ruleId: string) => string | undefined;
  /** The full parse of a migration (undefined when unreadable). */
  parse: (file: string) => Promise<ParsedMigration | undefined>;
}

/** Text for a table cell or a heading: no HTML, no table breaks, no line breaks, no @-mentions. */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/@/g, '&#64;')
    .replace(/\s*[\r\n]+\s*/g, ' ');
}

/** A fenced block that the content cannot close: the fence is longer than any backtick run inside. */
function fenced(lang: string, content: string): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${content}\n${fence}`;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function tally(problems: Problem[]): string {
  const by = (s: Severity): number => problems.filter((p) => p.severity === s).length;
  const parts = [count(by('error'), 'error'), count(by('warning'), 'warning')];
  const info = by('information') + by('hint');
  if (info) parts.push(`${info} info`);
  return parts.join(', ');
}

function ruleCell(id: string, helpUri: (id: string) => string | undefined): string {
  const href = helpUri(id);
  return href ? `[\`${id}\`](${href})` : `\`${id}\``;
}

function problemTable(problems: Problem[], input: MarkdownInput, withFile: boolean): string {
  const head = withFile
    ? '| Severity | Where | Rule | Problem |\n| --- | --- | --- | --- |'
    : '| Severity | Line | Rule | Problem |\n| --- | --- | --- | --- |';
  const rows = problems.map((p) => {
    const line = p.range.start.line + 1;
    const where = withFile ? `${escapeMarkdown(input.display(p.file))}:${line}` : String(line);
    return `| ${p.severity} | ${where} | ${ruleCell(p.ruleId, input.helpUri)} | ${escapeMarkdown(p.message)} |`;
  });
  return [head, ...rows].join('\n');
}

async function stepsBlock(file: string, input: MarkdownInput): Promise<string> {
  const parsed = await input.parse(file);
  if (!parsed) return '';
  const steps = upgradeSteps(parsed);
  const body = steps.length
    ? steps
        .map((s) =>
          s.kind === 'sql'
            ? /;\s*$/.test(s.sql)
              ? s.sql
              : `${s.sql};`
            : s.source
                .split('\n')
                .map((l) => `-- ${l.trim()}`)
                .join('\n'),
        )
        .join('\n\n')
    : '-- upgrade() runs no SQL and no op.* operation';
  return [
    '<details><summary>SQL of <code>upgrade()</code> (read statically: SQL strings as written, <code>op.*</code> calls as comments)</summary>',
    '',
    fenced('sql', body),
    '',
    '</details>',
  ].join('\n');
}

/** The whole comment. */
export async function markdownSummary(input: MarkdownInput): Promise<string> {
  const all = input.results.flatMap((r) => r.problems);
  const out: string[] = ['## Alembic migrations check', ''];
  const sections: string[] = [];
  const inSection = new Set<Problem>();
  let migrations = 0;
  for (const r of input.results) {
    const byFile = new Map<string, Problem[]>();
    for (const p of r.problems) {
      if (!r.index.migrationFile(p.file)) continue;
      if (r.changed && !r.changed.has(p.file)) continue;
      byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
    }
    const files = r.changed
      ? r.index
          .migrationFiles()
          .map((m) => m.file)
          .filter((f) => r.changed!.has(f))
      : [...byFile.keys()];
    for (const file of files.sort((a, b) => a.localeCompare(b))) {
      migrations++;
      const m = r.index.migrationFile(file)!;
      const problems = byFile.get(file) ?? [];
      for (const p of problems) inSection.add(p);
      const id = fileRevisionId(m);
      const message = m.decls.message;
      sections.push(
        [
          `### \`${escapeMarkdown(input.display(file))}\`${id ? ` · \`${escapeMarkdown(id)}\`` : ''}${message ? ` · ${escapeMarkdown(message)}` : ''}`,
          '',
          problems.length ? problemTable(problems, input, false) : 'No problems.',
          '',
          await stepsBlock(file, input),
          '',
        ].join('\n'),
      );
    }
  }
  const scope =
    input.since !== undefined
      ? `${count(migrations, 'migration')} added or changed since \`${escapeMarkdown(input.since)}\``
      : count(migrations, 'migration') + ' with problems';
  out.push(`**${count(all.length, 'problem')}** (${tally(all)}); ${scope}.`, '');
  out.push(...sections);
  const rest = all.filter((p) => !inSection.has(p));
  if (rest.length) {
    out.push(input.since !== undefined ? '### Elsewhere in the project' : '### Configuration and other files', '', problemTable(rest, input, true), '');
  }
  return out.join('\n');
}
