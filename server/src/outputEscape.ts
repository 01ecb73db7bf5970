/**
 * CLI output that CI runners cannot mistake for their own commands. The CLI prints data a
 * repository controls (file names, revision ids, messages); GitHub Actions runs a line that
 * starts with `::` (after blanks) as a workflow command (`::error::`, `::add-mask::`…) and
 * `##[cmd]` anywhere in a line, and Azure Pipelines `##vso[`. A lone carriage return also
 * ends a line for the runner, and escape sequences drive the terminal: those are shown as
 * text instead.
 */

/** Control characters other than newline and tab (a CR starts a new line for the runner). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u0085]/g;
/** A line that starts, after blanks, with `::` (the runner trims every Unicode blank). */
const LEADING_COLONS = /^((?:[^\S\n])*)::/gm;
const LEGACY = /##(vso)?\[/gi;

/**
 * `text` as the CLI may print it: a leading `::` becomes `\::`, `##[` / `##vso[` lose their
 * bracket's meaning, control characters become `\xNN`. Lines stay lines. With `json`, the
 * text is JSON (strings only are changed, with JSON escapes, so it still parses the same).
 */
export function escapeCiCommands(text: string, opts: { json?: boolean } = {}): string {
  if (opts.json) {
    // JSON.stringify already escapes control characters, and no line of its output starts with `::`.
    return text.replace(LEGACY, (_all, vso: string | undefined) => `##${vso ?? ''}\\u005b`);
  }
  return text
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(LEADING_COLONS, '$1\\::')
    .replace(LEGACY, (_all, vso: string | undefined) => `##${vso ?? ''}\\[`);
}
