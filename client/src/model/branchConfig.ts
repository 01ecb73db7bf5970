/**
 * A temporary alembic.ini that also finds another branch's migrations: the project's own ini
 * text with `%(here)s` made absolute (the copy lives elsewhere) and one more folder in
 * `version_locations`, written with the separator the ini itself declares. Pure.
 */

export interface BranchConfigInput {
  /** The project's alembic.ini text. */
  iniText: string;
  /** The folder of the project's alembic.ini (what `%(here)s` means there). */
  iniDir: string;
  /** The `[section]` alembic reads (default `alembic`). */
  section?: string;
  /** The project's version locations as absolute paths (used when the ini lists none). */
  versionLocations: readonly string[];
  /** The temporary folder holding the other branch's migration files. */
  extraFolder: string;
  /** The platform's path list delimiter (`:` on POSIX) for `version_path_separator = os`. */
  osDelimiter: string;
}

const SEPARATORS: Record<string, string> = { space: ' ', colon: ':', semicolon: ';', newline: '\n' };

function keyOf(line: string): string | undefined {
  const m = /^([^\s#;=:][^=:]*?)\s*[=:]/.exec(line);
  return m ? m[1].trim().toLowerCase() : undefined;
}

/** The ini text for the temporary config; throws when the ini has no `[section]`. */
export function branchConfigText(input: BranchConfigInput): string {
  const section = (input.section ?? 'alembic').toLowerCase();
  const lines = input.iniText.replace(/\r\n?/g, '\n').split('\n');
  // %(here)s is the copy's folder otherwise; `%` in the path itself must be doubled.
  const here = input.iniDir.replace(/%/g, '%%');
  let inSection = false;
  let sectionStart = -1;
  let versionLine = -1;
  let separator: string | undefined;
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      inSection = header[1].trim().toLowerCase() === section;
      if (inSection) sectionStart = out.length;
      out.push(raw);
      continue;
    }
    const line = raw.replace(/%\(here\)s/g, here);
    if (inSection) {
      const key = keyOf(line);
      if (key === 'version_locations') {
        // A value may continue on indented lines: gather them into one.
        let value = line.slice(line.search(/[=:]/) + 1).trim();
        while (i + 1 < lines.length && /^[ \t]+\S/.test(lines[i + 1])) value += '\n' + lines[++i].replace(/%\(here\)s/g, here).trim();
        versionLine = out.length;
        out.push(value);
        continue;
      }
      if (key === 'version_path_separator' || key === 'path_separator') {
        const v = line
          .slice(line.search(/[=:]/) + 1)
          .trim()
          .toLowerCase();
        separator = v === 'os' ? input.osDelimiter : (SEPARATORS[v] ?? separator);
      }
    }
    out.push(line);
  }
  if (sectionStart < 0) throw new Error(`the ini has no [${input.section ?? 'alembic'}] section`);
  const sep = separator ?? ' ';
  const joinable = (paths: readonly string[]): boolean => separator !== undefined || paths.every((p) => !/[\s,]/.test(p));
  if (versionLine >= 0) {
    const existing = out[versionLine];
    const parts = [existing, input.extraFolder];
    if (!joinable([input.extraFolder])) throw new Error(`the temporary folder ${input.extraFolder} contains a space or comma`);
    out[versionLine] = `version_locations = ${sep === '\n' ? parts.join('\n    ') : parts.join(sep)}`;
  } else {
    const paths = [...input.versionLocations, input.extraFolder];
    const insert = joinable(paths)
      ? [`version_locations = ${paths.join(sep === '\n' ? '\n    ' : sep)}`]
      : [`version_path_separator = os`, `version_locations = ${paths.join(input.osDelimiter)}`];
    // Placed right after the section header: keys are order-independent.
    out.splice(sectionStart + 1, 0, ...insert.map((l) => l.replace(/%/g, '%%')));
  }
  return out.join('\n');
}
