/**
 * One Alembic project's configuration, read statically from alembic.ini and/or
 * `[tool.alembic]` in pyproject.toml (Alembic ≥ 1.16), with Alembic's semantics for
 * `script_location`, `version_locations` and their separators. Reading never throws: what
 * cannot be used becomes an `invalid-project-config` problem on the config file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { interpolate, parseIni, type IniDocument } from '../shared/iniFile';
import { MAX_CONFIG_BYTES, readRegularText, UnreadableFileError } from '../shared/regularFile';
import type { Problem, Range } from './types';

// smol-toml ships CommonJS under `require`; its type declarations are ESM-only.
// eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment -- typed through the ESM declarations above
const { parse: parseToml } = require('smol-toml') as typeof import('smol-toml', { with: { 'resolution-mode': 'import' } });
import { ZERO_RANGE } from './types';

export interface AlembicProject {
  /** Stable id: the absolute path of the config file. */
  id: string;
  /** Display name: the config file's folder relative to the scanned root (the folder's own name at the root). */
  name: string;
  configFile: string;
  configKind: 'ini' | 'pyproject';
  /** Where alembic runs: the config file's folder. */
  rootDir: string;
  /** The alembic.ini to pass to `alembic -c`, when there is one. */
  iniFile?: string;
  /** The pyproject.toml next to the config, when there is one (rule settings live there). */
  pyprojectFile?: string;
  scriptLocation?: string;
  versionLocations: string[];
  recursiveVersionLocations: boolean;
  /** `file_template` after interpolation (`%(rev)s_%(slug)s`). */
  fileTemplate?: string;
  truncateSlugLength?: number;
  timezone?: string;
  /** Raw `sqlalchemy.url`; may hold a password: never put it in a message or a log. */
  sqlalchemyUrl?: string;
  /** `[tool.alembic-migrations.rules]` entries from pyproject.toml. */
  lintRules: Record<string, string>;
  /** `start-after` in `[tool.alembic-migrations]`: this revision and its ancestors count as shipped. */
  lintStartAfter?: string;
  problems: Problem[];
}

type Settings = Map<string, { value: string | string[] | boolean | number; range: Range }>;

const SEPARATORS: Record<string, string | undefined> = { space: ' ', os: path.delimiter, ':': ':', ';': ';', newline: '\n' };

function lineRange(line: number): Range {
  return { start: { line, character: 0 }, end: { line, character: 200 } };
}

/** The line of `key =` in a text file (for problems on pyproject entries). */
function keyRange(text: string, key: string): Range {
  const i = text.split(/\r?\n/).findIndex((l) => new RegExp(`^\\s*["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*=`).test(l));
  return i >= 0 ? lineRange(i) : ZERO_RANGE;
}

function readIniSettings(file: string, text: string, section: string, problems: Problem[]): { settings: Settings; doc: IniDocument } {
  const doc = parseIni(text);
  const settings: Settings = new Map();
  for (const e of doc.errors) problems.push(configProblem(file, lineRange(e.line), `${path.basename(file)}: ${e.message}`, 'warning'));
  const sec = doc.sections.get(section);
  if (!sec) return { settings, doc };
  for (const [key, v] of sec.values) {
    const r = interpolate(doc, section, key, { here: path.dirname(file) });
    if (!r) continue;
    if (r.ok) settings.set(key, { value: r.value, range: v.range });
    else problems.push(configProblem(file, v.range, `${path.basename(file)} [${section}] ${r.error}`));
  }
  return { settings, doc };
}

function configProblem(file: string, range: Range, message: string, severity: 'error' | 'warning' = 'error'): Problem {
  return { ruleId: 'invalid-project-config', severity, message, file, range };
}

/** Config files are small: a bigger one is not read (nor a FIFO or a device, which could stall us). */
function readText(file: string, problems: Problem[]): string | undefined {
  try {
    return readRegularText(file, MAX_CONFIG_BYTES);
  } catch (e) {
    const why = e instanceof UnreadableFileError ? e.message : ((e as NodeJS.ErrnoException).code ?? String(e));
    problems.push(configProblem(file, ZERO_RANGE, `Cannot read ${path.basename(file)}: ${why}`));
    return undefined;
  }
}

interface PyprojectData {
  alembic?: Settings;
  rules: Record<string, string>;
  startAfter?: string;
}

function readPyproject(file: string, problems: Problem[]): PyprojectData {
  const text = readText(file, problems);
  if (text === undefined) return { rules: {} };
  let data: Record<string, unknown>;
  try {
    data = parseToml(text);
  } catch (e) {
    const line = /line (\d+)/.exec(String((e as Error).message));
    problems.push(
      configProblem(
        file,
        line ? lineRange(Number(line[1]) - 1) : ZERO_RANGE,
        `pyproject.toml is not valid TOML: ${String((e as Error).message).split('\n')[0]}`,
      ),
    );
    return { rules: {} };
  }
  const tool = (data.tool ?? {}) as Record<string, unknown>;
  const out: PyprojectData = { rules: {} };
  const ours = tool['alembic-migrations'] as Record<string, unknown> | undefined;
  const startAfter = ours?.['start-after'];
  if (typeof startAfter === 'string' && startAfter.trim()) out.startAfter = startAfter.trim();
  else if (startAfter !== undefined)
    problems.push(
      configProblem(file, keyRange(text, 'start-after'), '`start-after` in [tool.alembic-migrations] must be a revision id (a string).', 'warning'),
    );
  const rules = ours?.rules;
  if (rules && typeof rules === 'object') {
    for (const [k, v] of Object.entries(rules as Record<string, unknown>)) out.rules[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  const alembic = tool.alembic as Record<string, unknown> | undefined;
  if (alembic && typeof alembic === 'object') {
    const here = path.dirname(file);
    const settings: Settings = new Map();
    const sub = (s: string): string => s.replace(/%\(here\)s/g, here).replace(/%%/g, '%');
    for (const [k, v] of Object.entries(alembic)) {
      const value =
        typeof v === 'string' ? sub(v) : Array.isArray(v) ? v.map((x) => sub(String(x))) : typeof v === 'boolean' || typeof v === 'number' ? v : undefined;
      if (value !== undefined) settings.set(k.toLowerCase(), { value, range: keyRange(text, k) });
    }
    out.alembic = settings;
  }
  return out;
}

/** True when a pyproject.toml declares `[tool.alembic]` (cheap text check before parsing). */
export function pyprojectHasAlembic(file: string): boolean {
  try {
    return /^\s*\[tool\.alembic\]/m.test(readRegularText(file, MAX_CONFIG_BYTES));
  } catch {
    return false;
  }
}

function asString(v: string | string[] | boolean | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join('\n') : String(v);
}

function resolveLocation(rootDir: string, value: string, what: string, file: string, range: Range, problems: Problem[]): string | undefined {
  // `package:resource` (not a Windows drive letter): best effort, like importlib.resources.
  const pkg = /^([A-Za-z_][\w.]*):(.+)$/.exec(value);
  if (pkg && !path.isAbsolute(value)) {
    const rel = path.join(...pkg[1].split('.'), pkg[2]);
    for (const base of [rootDir, path.join(rootDir, 'src')]) {
      const candidate = path.join(base, rel);
      if (fs.existsSync(candidate)) return candidate;
    }
    problems.push(
      configProblem(
        file,
        range,
        `${what} '${value}' names a Python package resource that could not be found under ${path.basename(rootDir)} or src/; set a path instead to let the extension read it.`,
        'warning',
      ),
    );
    return undefined;
  }
  return path.resolve(rootDir, value);
}

/** Reads one project from its alembic.ini or pyproject.toml. Never throws. */
export function readProject(configPath: string, opts: { section?: string; root?: string } = {}): AlembicProject {
  const abs = path.resolve(configPath);
  const rootDir = path.dirname(abs);
  const problems: Problem[] = [];
  const isPyproject = path.basename(abs) === 'pyproject.toml';
  const iniCandidate = isPyproject ? path.join(rootDir, 'alembic.ini') : abs;
  const pyCandidate = isPyproject ? abs : path.join(rootDir, 'pyproject.toml');
  const section = opts.section ?? 'alembic';

  let settings: Settings = new Map();
  let iniFile: string | undefined;
  if (fs.existsSync(iniCandidate)) {
    const text = readText(iniCandidate, problems);
    if (text !== undefined) {
      iniFile = iniCandidate;
      settings = readIniSettings(iniCandidate, text, section, problems).settings;
    }
  } else if (!isPyproject) {
    problems.push(configProblem(abs, ZERO_RANGE, `${path.basename(abs)} does not exist`));
  }
  let pyprojectFile: string | undefined;
  let rules: Record<string, string> = {};
  let startAfter: string | undefined;
  if (fs.existsSync(pyCandidate)) {
    pyprojectFile = pyCandidate;
    const py = readPyproject(pyCandidate, problems);
    rules = py.rules;
    if (py.startAfter) startAfter = py.startAfter;
    // [tool.alembic] provides the script settings; alembic.ini may still hold sqlalchemy.url.
    if (py.alembic?.size) for (const [k, v] of py.alembic) if (k !== 'sqlalchemy.url' || !settings.has(k)) settings.set(k, v);
  }
  const configKind: 'ini' | 'pyproject' = isPyproject || (!settings.has('script_location') && pyprojectFile && !iniFile) ? 'pyproject' : 'ini';
  const configFile = abs;
  const get = (k: string): string | undefined => asString(settings.get(k)?.value);
  const rangeOf = (k: string): Range => settings.get(k)?.range ?? ZERO_RANGE;
  const fileOfKey = (k: string): string => (settings.get(k) && pyprojectFile && !iniFile ? pyprojectFile : configFile);

  const project: AlembicProject = {
    id: configFile,
    name: opts.root ? path.relative(opts.root, rootDir) || path.basename(rootDir) : path.basename(rootDir),
    configFile,
    configKind,
    rootDir,
    ...(iniFile ? { iniFile } : {}),
    ...(pyprojectFile ? { pyprojectFile } : {}),
    versionLocations: [],
    recursiveVersionLocations: /^(true|yes|1|on)$/i.test(get('recursive_version_locations') ?? ''),
    lintRules: rules,
    ...(startAfter ? { lintStartAfter: startAfter } : {}),
    problems,
  };
  const ft = get('file_template');
  if (ft) project.fileTemplate = ft;
  const tsl = get('truncate_slug_length');
  if (tsl && /^\d+$/.test(tsl.trim())) project.truncateSlugLength = Number(tsl);
  const tz = get('timezone');
  if (tz) project.timezone = tz;
  const url = get('sqlalchemy.url');
  if (url) project.sqlalchemyUrl = url;

  const scriptLocation = get('script_location');
  if (!scriptLocation) {
    if (!problems.some((p) => p.severity === 'error')) {
      problems.push(
        configProblem(
          configFile,
          ZERO_RANGE,
          iniFile && !settings.size
            ? `${path.basename(configFile)} has no [${section}] section with a script_location, so Alembic cannot find the migrations.`
            : `No 'script_location' key found in configuration: Alembic cannot find the migrations.`,
        ),
      );
    }
    return project;
  }
  project.scriptLocation = resolveLocation(
    rootDir,
    scriptLocation.trim(),
    'script_location',
    fileOfKey('script_location'),
    rangeOf('script_location'),
    problems,
  );
  if (project.scriptLocation && !fs.existsSync(project.scriptLocation)) {
    problems.push(
      configProblem(
        fileOfKey('script_location'),
        rangeOf('script_location'),
        `script_location folder ${path.relative(rootDir, project.scriptLocation) || project.scriptLocation} does not exist.`,
      ),
    );
  }

  const vl = settings.get('version_locations');
  if (vl) {
    let parts: string[];
    if (Array.isArray(vl.value)) parts = vl.value;
    else {
      const sepKey = settings.has('path_separator') ? 'path_separator' : 'version_path_separator';
      const sepName = get(sepKey)?.trim();
      const raw = String(vl.value);
      if (sepName === undefined) {
        // Legacy behaviour: split on spaces and commas.
        parts = raw.split(/, *| +|\n/);
      } else if (!(sepName in SEPARATORS)) {
        problems.push(
          configProblem(fileOfKey(sepKey), rangeOf(sepKey), `'${sepName}' is not a valid value for ${sepKey}; expected 'space', 'newline', 'os', ':' or ';'.`),
        );
        parts = raw.split(/, *| +|\n/);
      } else {
        parts = raw.split(SEPARATORS[sepName]!);
      }
    }
    for (const p of parts.map((x) => x.trim()).filter(Boolean)) {
      const loc = resolveLocation(rootDir, p, 'version location', fileOfKey('version_locations'), vl.range, problems);
      if (!loc) continue;
      if (!fs.existsSync(loc))
        problems.push(
          configProblem(fileOfKey('version_locations'), vl.range, `Version location ${path.relative(rootDir, loc) || loc} does not exist.`, 'warning'),
        );
      else if (!project.versionLocations.includes(loc)) project.versionLocations.push(loc);
    }
  } else if (project.scriptLocation) {
    const versions = path.join(project.scriptLocation, 'versions');
    if (fs.existsSync(versions)) project.versionLocations.push(versions);
    else if (fs.existsSync(project.scriptLocation)) {
      problems.push(
        configProblem(
          fileOfKey('script_location'),
          rangeOf('script_location'),
          `The versions folder ${path.relative(rootDir, versions)} does not exist yet.`,
          'warning',
        ),
      );
    }
  }
  return project;
}
