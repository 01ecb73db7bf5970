/**
 * `check --format github`: one GitHub Actions workflow command per problem
 * (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=<rule>::message`), which the runner
 * turns into annotations on the pull request. Values are escaped the way the runner unescapes
 * them (actions/toolkit `command.ts`), so no message can end the command or start another.
 */
import type { Problem, Severity } from '../alembic/types';

// eslint-disable-next-line no-control-regex -- the control characters are what this removes
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085]/g;

/** What the runner never unescapes but would still act on: other control characters and legacy `##[` commands. */
function neutralize(s: string): string {
  return s
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/##(vso)?\[/gi, (_all, vso: string | undefined) => `##${vso ?? ''}\\[`);
}

/** A command's message: `%` → `%25`, CR → `%0D`, LF → `%0A`. */
export function escapeData(s: string): string {
  return neutralize(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

/** A property value: as data, and also `:` → `%3A`, `,` → `%2C`. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' };

/** One problem as a workflow command line (with its newline); `file` is the path to show (relative to the repository root). */
export function githubAnnotation(p: Problem, file: string): string {
  const { start, end } = p.range;
  const props: Array<[string, string]> = [
    ['file', file],
    ['line', String(start.line + 1)],
    ['col', String(start.character + 1)],
    ['endLine', String(end.line + 1)],
    ['endColumn', String(end.character + 1)],
    ['title', p.ruleId],
  ];
  return `::${COMMAND[p.severity]} ${props.map(([k, v]) => `${k}=${escapeProperty(v)}`).join(',')}::${escapeData(p.message)}\n`;
}
