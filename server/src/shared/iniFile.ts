/**
 * Reads ini files the way Python's ConfigParser (BasicInterpolation) reads alembic.ini:
 * sections, `key = value` / `key: value`, indented continuation lines, full-line `#`/`;`
 * comments, case-insensitive keys, `%(name)s` interpolation from the section and [DEFAULT]
 * (Alembic adds `here`), `%%` for a literal `%`. Each key keeps its source line so problems
 * can point at it. Never throws: bad interpolation is an error value on that key.
 */
import type { Range } from 'vscode-languageserver-protocol';

export interface IniValue {
  /** The raw text (continuation lines joined with `\n`). */
  raw: string;
  /** 0-based line of the key. */
  line: number;
  range: Range;
}

export interface IniSection {
  name: string;
  line: number;
  values: Map<string, IniValue>;
}

export interface IniDocument {
  sections: Map<string, IniSection>;
  defaults: Map<string, IniValue>;
  /** Lines that are neither sections, keys, comments nor continuations. */
  errors: Array<{ line: number; message: string }>;
}

export function parseIni(source: string): IniDocument {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const lines = text.split(/\r?\n/);
  const doc: IniDocument = { sections: new Map(), defaults: new Map(), errors: [] };
  let current: Map<string, IniValue> | undefined;
  let last: { value: IniValue; indent: number } | undefined;
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    const indent = line.length - line.trimStart().length;
    if (last && indent > last.indent && trimmed !== '' && !/^[#;]/.test(trimmed)) {
      // A continuation line of the previous value.
      last.value.raw += (last.value.raw === '' ? '' : '\n') + trimmed;
      last.value.range = { start: last.value.range.start, end: { line: i, character: line.length } };
      return;
    }
    if (trimmed === '') {
      // ConfigParser keeps empty lines inside multi-line values; they never end in the value.
      return;
    }
    if (/^[#;]/.test(trimmed)) return;
    const section = /^\[([^\]]+)\]/.exec(trimmed);
    if (section && indent === 0) {
      const name = section[1];
      if (name === 'DEFAULT') current = doc.defaults;
      else {
        const existing = doc.sections.get(name);
        if (existing) current = existing.values;
        else {
          current = new Map();
          doc.sections.set(name, { name, line: i, values: current });
        }
      }
      last = undefined;
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!kv || !current) {
      doc.errors.push({ line: i, message: current ? `cannot read line ${i + 1}: ${trimmed.slice(0, 60)}` : `line ${i + 1} is outside any [section]` });
      last = undefined;
      return;
    }
    const key = kv[1].toLowerCase();
    const value: IniValue = { raw: kv[2], line: i, range: { start: { line: i, character: indent }, end: { line: i, character: line.length } } };
    current.set(key, value);
    last = { value, indent };
  });
  return doc;
}

export type Interpolated = { ok: true; value: string } | { ok: false; error: string };

/** Stands for a `%%` while the rest is expanded (a character no ini value holds). */
const ESCAPED_PERCENT = String.fromCharCode(0);

/** BasicInterpolation of one key of a section, with extra defaults (Alembic's `here`). */
export function interpolate(doc: IniDocument, section: string, key: string, vars: Record<string, string> = {}): Interpolated | undefined {
  const values = doc.sections.get(section)?.values;
  const raw = values?.get(key.toLowerCase()) ?? doc.defaults.get(key.toLowerCase());
  if (!raw) return undefined;
  const lookup = (name: string): string | undefined => {
    const n = name.toLowerCase();
    return values?.get(n)?.raw ?? doc.defaults.get(n)?.raw ?? vars[n] ?? vars[name];
  };
  const expand = (s: string, depth: number): string => {
    if (depth > 10) throw new Error(`interpolation of '${key}' is nested too deeply`);
    return s.replace(/%(%|\(([^)]+)\)s)/g, (_all, tok: string, name: string | undefined) => {
      if (tok === '%') return ESCAPED_PERCENT;
      const v = lookup(name!);
      if (v === undefined) throw new Error(`'${key}' refers to %(${name})s, which is not defined`);
      return expand(v, depth + 1);
    });
  };
  try {
    const out = expand(raw.raw, 0);
    if (/%(?![(%])/.test(out.split(ESCAPED_PERCENT).join(''))) {
      return { ok: false, error: `'${key}' has a '%' that is neither '%%' nor '%(name)s'` };
    }
    return { ok: true, value: out.split(ESCAPED_PERCENT).join('%') };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}
