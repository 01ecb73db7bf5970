/**
 * Writing a new revision file the way `alembic revision` / `alembic merge` would — a fresh id,
 * the project's `file_template` for the name and its `script.py.mako` for the content —
 * without running Python. The Mako subset is what Alembic's own templates use; a template
 * using anything else is reported, not rendered wrongly.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularText, UnreadableFileError } from '../shared/regularFile';
import type { ProjectIndex } from './projectIndex';

/** A script.py.mako is a page of text; anything near this size is not one. */
const MAX_TEMPLATE_BYTES = 1024 * 1024;

/** A fresh revision id as Alembic makes them: the last 12 hex digits of a UUID4. */
export function newRevisionId(): string {
  return crypto.randomUUID().replace(/-/g, '').slice(-12);
}

/** Python `str(datetime.now())`: `2024-03-01 10:22:33.123456`. */
export function pythonDateString(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

/** Alembic's slug: the message's word characters joined by `_`, lower-cased, truncated at a word boundary. */
export function revisionSlug(message: string, truncateSlugLength = 40): string {
  let slug = (message.match(/\w+/gu) ?? []).join('_').toLowerCase();
  if (slug.length > truncateSlugLength) {
    const cut = slug.slice(0, truncateSlugLength);
    const i = cut.lastIndexOf('_');
    slug = (i >= 0 ? cut.slice(0, i) : '') + '_';
  }
  return slug;
}

/** Applies a Python %-format template (`%(rev)s_%(slug)s`, `%(year)d`, `%(month).2d`) to values. */
export function pythonPercentFormat(template: string, values: Record<string, string | number>): string {
  return template.replace(
    /%(?:\(([^)]+)\))?([-#0 +]*)(\d*)(?:\.(\d+))?([sdir%])/g,
    (all, key: string | undefined, flags: string, width: string, precision: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      if (key === undefined || !(key in values)) throw new Error(`file_template uses ${all}, which Alembic does not provide`);
      const v = values[key];
      let s: string;
      if (conv === 'd' || conv === 'i') {
        s = String(Math.trunc(Number(v)));
        if (precision) s = s.padStart(Number(precision), '0');
      } else s = String(v);
      if (width) s = flags.includes('-') ? s.padEnd(Number(width)) : s.padStart(Number(width), flags.includes('0') && conv !== 's' ? '0' : ' ');
      return s;
    },
  );
}

export interface NewRevisionInput {
  id: string;
  message: string;
  /** Parent revision ids (none for a base, several for a merge). */
  parents: string[];
  branchLabels?: string[];
  dependsOn?: string[];
  createDate: Date;
}

/** The file path `alembic revision` would choose, relative to the version location. */
export function revisionFileName(fileTemplate: string | undefined, input: NewRevisionInput, truncateSlugLength?: number): string {
  const d = input.createDate;
  return (
    pythonPercentFormat(fileTemplate ?? '%(rev)s_%(slug)s', {
      rev: input.id,
      slug: revisionSlug(input.message, truncateSlugLength),
      epoch: Math.floor(d.getTime() / 1000),
      year: d.getFullYear(),
      month: d.getMonth() + 1,
      day: d.getDate(),
      hour: d.getHours(),
      minute: d.getMinutes(),
      second: d.getSeconds(),
    }) + '.py'
  );
}

type PyValue = string | null | PyValue[] | { tuple: PyValue[] };

/** Python's `repr` of the values a template sees (str, None, tuples). */
export function pythonRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'string') {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    return (
      q +
      v
        .replace(/\\/g, '\\\\')
        .replace(new RegExp(q, 'g'), '\\' + q)
        .replace(/\n/g, '\\n') +
      q
    );
  }
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(', ')}]`;
  const items = v.tuple.map(pythonRepr);
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** Alembic's `tuple_rev_as_scalar`: no items → None, one → the item, several → a tuple. */
function scalarOrTuple(ids: string[] | undefined): PyValue {
  if (!ids || ids.length === 0) return null;
  return ids.length === 1 ? ids[0] : { tuple: ids };
}

function comma(v: PyValue): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  return (Array.isArray(v) ? v : v.tuple).map((x) => (typeof x === 'string' ? x : pythonRepr(x))).join(', ');
}

/** The standard template Alembic generates when a project has none (1.8 "generic"). */
export const DEFAULT_SCRIPT_TEMPLATE = `"""\${message}

Revision ID: \${up_revision}
Revises: \${down_revision | comma,n}
Create Date: \${create_date}

"""
from alembic import op
import sqlalchemy as sa
\${imports if imports else ""}

# revision identifiers, used by Alembic.
revision = \${repr(up_revision)}
down_revision = \${repr(down_revision)}
branch_labels = \${repr(branch_labels)}
depends_on = \${repr(depends_on)}


def upgrade() -> None:
    \${upgrades if upgrades else "pass"}


def downgrade() -> None:
    \${downgrades if downgrades else "pass"}
`;

/** Renders a `script.py.mako` for a new revision. Throws an Error naming the construct it cannot render. */
export function renderScriptTemplate(template: string, input: NewRevisionInput, bodies?: { upgrades?: string; downgrades?: string }): string {
  const vars: Record<string, PyValue> = {
    message: input.message,
    up_revision: input.id,
    down_revision: scalarOrTuple(input.parents),
    branch_labels: input.branchLabels?.length ? { tuple: input.branchLabels } : null,
    depends_on: scalarOrTuple(input.dependsOn),
    create_date: pythonDateString(input.createDate),
    imports: null,
    upgrades: bodies?.upgrades ?? null,
    downgrades: bodies?.downgrades ?? null,
  };
  const evalExpr = (expr: string): string => {
    const [valuePart, ...filterParts] = expr.split('|');
    const filters = filterParts
      .join('|')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const v = evalValue(valuePart.trim(), vars, expr);
    if (filters.includes('comma')) return comma(v);
    return typeof v === 'string' ? v : v === null ? 'None' : pythonRepr(v);
  };
  return template
    .replace(/<%!?[\s\S]*?%>/g, '')
    .replace(/^[ \t]*##.*\n/gm, '')
    .replace(/\$\{([\s\S]*?)\}/g, (_all, expr: string) => evalExpr(expr));
}

function evalValue(e: string, vars: Record<string, PyValue>, whole: string): PyValue {
  const str = /^(['"])(.*)\1$/.exec(e);
  if (str) return str[2];
  if (/^[A-Za-z_]\w*$/.test(e)) {
    if (e in vars) return vars[e];
    throw new Error(`script.py.mako uses \${${whole}}: '${e}' is not something this renderer provides`);
  }
  const repr = /^repr\((.+)\)$/.exec(e);
  if (repr) return pythonRepr(evalValue(repr[1].trim(), vars, whole));
  const cond = /^(.+?)\s+if\s+(.+?)\s+else\s+(.+)$/.exec(e);
  if (cond) {
    const test = evalValue(cond[2].trim(), vars, whole);
    const truthy =
      test !== null &&
      test !== '' &&
      !(Array.isArray(test) && test.length === 0) &&
      !(typeof test === 'object' && !Array.isArray(test) && test.tuple.length === 0);
    return evalValue((truthy ? cond[1] : cond[3]).trim(), vars, whole);
  }
  throw new Error(`script.py.mako uses \${${whole}}, which the built-in renderer does not support; create this revision with alembic instead`);
}

/** True when `child` is `parent` or below it (both absolute, already resolved). */
function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * The absolute path of the new file `relative` (what `file_template` made) inside the version
 * location `folder`, when it stays there. A cloned repository chooses both, so neither is
 * trusted: the name must be relative without `..`; the folder (resolved with realpath) must be
 * inside `boundary` (the workspace folder or project root) when given; every existing
 * subfolder on the way must resolve inside the folder (no symlink out); and no link or special
 * file may sit at the file's place (a planted symlink there would redirect the write). Throws
 * an Error that says which rule the path breaks.
 */
export function containedRevisionPath(folder: string, relative: string, boundary?: string): string {
  const where = `the version location ${folder}`;
  if (relative.includes('\0')) throw new Error(`file_template makes a file name with a NUL character; it must name a file inside ${where}.`);
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    throw new Error(`file_template makes the absolute path '${relative}'; it must name a file inside ${where}.`);
  }
  const segments = relative.split(/[\\/]+/);
  if (segments.includes('..')) throw new Error(`file_template makes '${relative}', which leaves ${where} through '..'; it must name a file inside it.`);
  const realFolder = realpathOr(folder);
  if (boundary !== undefined) {
    const realBoundary = realpathOr(boundary);
    if (!isInside(realBoundary, realFolder)) {
      throw new Error(
        `The version location ${folder} resolves to ${realFolder}, outside ${boundary}; new revisions are only written inside the project's folder.`,
      );
    }
  }
  let cur = realFolder;
  const dirs = segments.slice(0, -1).filter((s) => s && s !== '.');
  for (let i = 0; i < dirs.length; i++) {
    const next = path.join(cur, dirs[i]);
    const shown = path.join(folder, ...dirs.slice(0, i + 1));
    try {
      fs.lstatSync(next);
    } catch {
      break; // from here on the folders are new: created inside
    }
    let real: string;
    try {
      real = fs.realpathSync(next);
    } catch {
      throw new Error(`${shown} is a link that leads nowhere; new revisions are only written inside ${where}.`);
    }
    if (!isInside(realFolder, real)) throw new Error(`${shown} is a link to ${real}, outside ${where}; new revisions are only written inside it.`);
    if (!fs.statSync(real).isDirectory()) throw new Error(`${shown} is not a folder.`);
    cur = real;
  }
  const file = path.join(folder, relative);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(path.join(cur, segments[segments.length - 1]));
  } catch {
    // the usual case: nothing there yet
  }
  // A regular file there makes the client's create fail (it never overwrites); a link would not.
  if (st && (st.isSymbolicLink() || !st.isFile()))
    throw new Error(`${file} already exists and is not a regular file (a link or a special file); a new revision is never written through it.`);
  return file;
}

export interface NewRevisionFile {
  file: string;
  text: string;
}

/**
 * The path and content of a new revision file in `versionLocation`, from the project's
 * `script.py.mako` (Alembic's default template when the project has none). The path stays
 * inside the version location, and the version location inside `boundary` when given
 * (containedRevisionPath); else this throws an Error saying why.
 */
export function newRevisionFile(
  opts: { scriptLocation?: string; versionLocation: string; fileTemplate?: string; truncateSlugLength?: number; boundary?: string },
  input: NewRevisionInput,
): NewRevisionFile {
  let template = DEFAULT_SCRIPT_TEMPLATE;
  if (opts.scriptLocation) {
    const file = path.join(opts.scriptLocation, 'script.py.mako');
    try {
      template = readRegularText(file, MAX_TEMPLATE_BYTES);
    } catch (e) {
      // A FIFO, a device or a huge file is not a template: refuse rather than render something else.
      if (e instanceof UnreadableFileError) throw new Error(`${path.basename(file)} cannot be used: ${e.message}`);
      // No template in the project: Alembic itself would fail; the default is the closest useful thing.
    }
  }
  return {
    file: containedRevisionPath(opts.versionLocation, revisionFileName(opts.fileTemplate, input, opts.truncateSlugLength), opts.boundary),
    text: renderScriptTemplate(template, input),
  };
}

/**
 * A new revision file of the project, from its template, with an id no revision of it has.
 * Throws when the path would leave the version location or `boundary` (containedRevisionPath).
 */
export function renderProjectRevision(
  project: ProjectIndex,
  input: { message: string; parents: string[]; versionLocation: string; branchLabels?: string[]; dependsOn?: string[] },
  now: Date,
  boundary: string,
): { file: string; text: string; id: string } {
  let id = newRevisionId();
  while (project.graph.get(id)) id = newRevisionId();
  const p = project.project;
  const { versionLocation, ...rest } = input;
  const created = newRevisionFile(
    { scriptLocation: p.scriptLocation, versionLocation, fileTemplate: p.fileTemplate, truncateSlugLength: p.truncateSlugLength, boundary },
    { id, createDate: now, ...rest },
  );
  return { ...created, id };
}
