/**
 * The `alembic.*` settings the server reads, pulled per workspace folder through
 * `workspace/configuration` and kept until they change, and the rule configuration they make
 * together with the project's pyproject.toml.
 */
import { resolveRuleConfig, type RuleConfig } from '../alembic/ruleConfig';
import type { ProjectIndex } from '../alembic/projectIndex';

/** The `alembic.*` settings the server reads (per workspace folder). */
export interface ServerSettings {
  lint: { rules: Record<string, string>; workspace: boolean };
  docsBaseUri?: string;
}

const DEFAULT_SETTINGS: ServerSettings = { lint: { rules: {}, workspace: true } };

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
        const raw = (await this.pull(folder)) as Partial<{ lint: Partial<ServerSettings['lint']> }> | null;
        s = { lint: { rules: { ...(raw?.lint?.rules ?? {}) }, workspace: raw?.lint?.workspace ?? true } };
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
      customRules: project.project.customRules,
    });
  }
}
