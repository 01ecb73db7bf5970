/**
 * The `alembic.*` settings the server reads, pulled per workspace folder through
 * `workspace/configuration` and kept until they change, and the rule configuration they make
 * together with the project's pyproject.toml.
 */
import { resolveRuleConfig, type RuleConfig } from '../alembic/ruleConfig';
import type { ProjectIndex } from '../alembic/projectIndex';
import type { LintScope } from '../alembic/lintScope';
import { DEFAULT_RELEASE_TAGS } from '../git/projectHistory';
import { DEFAULT_LARGE_TABLE_ROWS } from '../alembic/largeTables';

/** The `alembic.*` settings the server reads (per workspace folder). */
export interface ServerSettings {
  lint: { rules: Record<string, string>; workspace: boolean; scope: LintScope; startAfter?: string; largeTableRows: number };
  git: { baseBranch?: string; releaseTags: string };
  docsBaseUri?: string;
}

const DEFAULT_SETTINGS: ServerSettings = {
  lint: { rules: {}, workspace: true, scope: 'unshipped', largeTableRows: DEFAULT_LARGE_TABLE_ROWS },
  git: { releaseTags: DEFAULT_RELEASE_TAGS },
};

type RawSettings = Partial<{ lint: Partial<Record<keyof ServerSettings['lint'], unknown>>; git: Partial<Record<keyof ServerSettings['git'], unknown>> }> | null;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** The settings as the client sent them, with defaults for what is missing or mistyped. */
export function parseServerSettings(raw: RawSettings): ServerSettings {
  const rules = raw?.lint?.rules;
  const startAfter = text(raw?.lint?.startAfter);
  const baseBranch = text(raw?.git?.baseBranch);
  return {
    lint: {
      rules: rules && typeof rules === 'object' ? { ...(rules as Record<string, string>) } : {},
      workspace: raw?.lint?.workspace !== false,
      scope: raw?.lint?.scope === 'all' ? 'all' : 'unshipped',
      ...(startAfter ? { startAfter } : {}),
      largeTableRows:
        typeof raw?.lint?.largeTableRows === 'number' && Number.isFinite(raw.lint.largeTableRows) && raw.lint.largeTableRows >= 0
          ? raw.lint.largeTableRows
          : DEFAULT_LARGE_TABLE_ROWS,
    },
    git: { ...(baseBranch ? { baseBranch } : {}), releaseTags: typeof raw?.git?.releaseTags === 'string' ? raw.git.releaseTags.trim() : DEFAULT_RELEASE_TAGS },
  };
}

export class SettingsStore {
  private readonly byFolder = new Map<string, ServerSettings>();

  constructor(
    /** Asks the client for a folder's `alembic` section (undefined: the client cannot be asked). */
    private readonly pull: ((folder: string) => Promise<unknown>) | undefined,
    private readonly docsBaseUri: string | undefined,
    private readonly onError: (what: string, e: unknown) => void,
  ) {}

  async settingsFor(folder: string): Promise<ServerSettings> {
    const hit = this.byFolder.get(folder);
    if (hit) return hit;
    let s = DEFAULT_SETTINGS;
    if (this.pull) {
      try {
        s = parseServerSettings((await this.pull(folder)) as RawSettings);
      } catch (e) {
        this.onError('reading settings', e);
      }
    }
    s = { ...s, docsBaseUri: this.docsBaseUri };
    this.byFolder.set(folder, s);
    return s;
  }

  /** The settings changed: every folder is pulled again. */
  clear(): void {
    this.byFolder.clear();
  }

  forget(folder: string): void {
    this.byFolder.delete(folder);
  }

  static ruleConfig(project: ProjectIndex, settings: ServerSettings): RuleConfig {
    return resolveRuleConfig({
      projectRules: project.project.lintRules,
      projectRulesFile: project.project.pyprojectFile,
      settingsRules: settings.lint.rules,
    });
  }
}
