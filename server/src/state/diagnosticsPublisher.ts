/**
 * Diagnostics for every project that changed, debounced: graph problems, configuration problems
 * and the lint of each migration (cached by a hash of text and configuration), published in
 * slices that let waiting requests through, each project followed by `alembic/graphChanged`.
 * A publish superseded by a newer one of the same project stops at its next slice.
 */
import * as crypto from 'node:crypto';
import type { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import { pathToUri } from '../uris';
import { lintMigration, mayHaveFindings } from '../alembic/lint';
import type { RuleConfig } from '../alembic/ruleConfig';
import { compileCustomRules, type CompiledCustomRules } from '../alembic/customRules';
import { isRuleId } from '../alembic/rules';
import type { ProjectIndex } from '../alembic/projectIndex';
import type { Problem, Severity } from '../alembic/types';
import type { Workspace } from '../workspace';
import { scopeProblems, shippedFiles, type ShippedSet } from '../alembic/lintScope';
import { gitProblemsOf } from '../git/gitChecks';
import { raiseForLargeTables, type LiveTable } from '../alembic/largeTables';
import type { ProjectGitFacts } from '../git/projectHistory';
import type { DocumentCache } from './documentCache';
import { SettingsStore } from './settingsStore';

const PUBLISH_DELAY_MS = 10;
/** Time one publishing slice may take before requests that arrived meanwhile are answered. */
const PUBLISH_SLICE_MS = 15;
/** Above this many files, closed files get graph diagnostics only (lint stays on for open files). */
const WORKSPACE_LINT_LIMIT = 3000;

const SEVERITY: Record<Severity, DiagnosticSeverity> = { error: 1, warning: 2, information: 3, hint: 4 };

const yieldToRequests = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A problem as an LSP diagnostic: code, docs link (built-in rules only: team rules have no page), related locations. */
export function toDiagnostic(p: Problem, docsBaseUri: string | undefined): Diagnostic {
  const href = docsBaseUri && isRuleId(p.ruleId) ? `${docsBaseUri.replace(/\/$/, '')}/${p.ruleId}.md` : undefined;
  return {
    range: p.range,
    severity: SEVERITY[p.severity],
    code: p.ruleId,
    ...(href ? { codeDescription: { href } } : {}),
    source: 'alembic',
    message: p.message,
    ...(p.related?.length ? { relatedInformation: p.related.map((r) => ({ location: { uri: pathToUri(r.file), range: r.range }, message: r.message })) } : {}),
  };
}

export interface PublisherOutput {
  diagnostics(uri: string, diagnostics: Diagnostic[]): void;
  graphChanged(project: ProjectIndex): void;
  /** A problem of the settings themselves (no file to put it on): shown once each. */
  warn(message: string): void;
  logError(what: string, e: unknown): void;
  /** After each flush (snapshots are scheduled then). */
  flushed(): void;
}

/** What the publisher reads besides the files: git's facts and the database's revisions. */
export interface PublisherSources {
  gitFacts(projectId: string): ProjectGitFacts | undefined;
  /** Files changed on disk since the git facts were read (compared by text). */
  touchedSinceGitRead(projectId: string): ReadonlySet<string>;
  /** The revisions the project's version table holds, when the client read them. */
  databaseRevisions(projectId: string): readonly string[] | undefined;
  /** The database's biggest tables, when the client read them. */
  databaseTables?(projectId: string): { database: string; tables: readonly LiveTable[] } | undefined;
}

const NO_SOURCES: PublisherSources = { gitFacts: () => undefined, touchedSinceGitRead: () => new Set(), databaseRevisions: () => undefined };

export class DiagnosticsPublisher {
  private readonly dirty = new Set<string>();
  private readonly published = new Map<string, string>();
  /** URIs published per project, so a project's files that no longer have problems get cleared. */
  private readonly projectUris = new Map<string, Set<string>>();
  private readonly lintCache = new Map<string, { key: string; problems: Problem[] }>();
  private readonly lintProblems = new Map<string, Problem[]>();
  private readonly shownSettingsProblems = new Set<string>();
  private readonly publishSeq = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly workspace: Workspace,
    private readonly documents: DocumentCache,
    private readonly settings: SettingsStore,
    private readonly out: PublisherOutput,
    private readonly sources: PublisherSources = NO_SOURCES,
  ) {}

  /** Which of a project's migrations count as shipped now (lint scope), and what says so. */
  private shippedOf(project: ProjectIndex, startAfter: string | undefined): ShippedSet {
    const id = project.project.id;
    const facts = this.sources.gitFacts(id);
    return shippedFiles({
      graph: project.graph,
      files: project.migrationFiles(),
      ...(facts && (facts.base || facts.shipped.size) ? { gitShipped: new Set(facts.shipped.keys()) } : {}),
      ...(startAfter ? { startAfter } : {}),
      ...(this.sources.databaseRevisions(id) ? { databaseRevisions: this.sources.databaseRevisions(id) } : {}),
    });
  }

  markDirty(ids: Iterable<string>): void {
    for (const id of ids) this.dirty.add(id);
    // setImmediate: requests that arrived meanwhile (a revisionGraph after start-up, a hover) are
    // answered before the publishing work, which can take tens of milliseconds on big projects.
    if (this.dirty.size && !this.timer)
      this.timer = setTimeout(
        () =>
          setImmediate(() => {
            this.timer = undefined;
            void this.flush();
          }),
        PUBLISH_DELAY_MS,
      );
  }

  /** Lint results are stale: one file's (created or deleted), or every file's (settings, parsers loaded). */
  forgetLint(file?: string): void {
    if (file === undefined) this.lintCache.clear();
    else this.lintCache.delete(file);
  }

  /** The lint problems last computed for a file (code actions use their fix hints). */
  lintProblemsOf(file: string): Problem[] {
    return this.lintProblems.get(file) ?? [];
  }

  /** A project went away: its files' diagnostics are cleared. */
  clearProject(id: string): void {
    for (const uri of this.projectUris.get(id) ?? []) this.publish(uri, []);
    this.projectUris.delete(id);
  }

  private async flush(): Promise<void> {
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      const project = this.workspace.project(id);
      if (!project) continue;
      try {
        await this.publishProject(project);
      } catch (e) {
        this.out.logError(`publishing diagnostics of ${project.project.name}`, e);
      }
      this.out.graphChanged(project);
    }
    this.out.flushed();
  }

  private async publishProject(project: ProjectIndex): Promise<void> {
    const settings = await this.settings.settingsFor(this.workspace.folderOfProject(project.project.id) ?? project.project.rootDir);
    const config = SettingsStore.ruleConfig(project, settings);
    const byFile = new Map<string, Problem[]>();
    const add = (p: Problem): void => {
      const list = byFile.get(p.file);
      if (list) list.push(p);
      else byFile.set(p.file, [p]);
    };
    for (const p of config.apply(project.problems())) add(p);
    for (const p of config.problems) add(p);
    for (const p of config.settingsProblems) {
      if (this.shownSettingsProblems.has(p.message)) continue;
      this.shownSettingsProblems.add(p.message);
      this.out.warn(`Alembic: ${p.message}`);
    }
    const files = project.migrationFiles();
    const id = project.project.id;
    const facts = this.sources.gitFacts(id);
    if (facts) {
      const touched = this.sources.touchedSinceGitRead(id);
      const gitProblems = gitProblemsOf(
        facts,
        files,
        (f) => this.documents.textOf(f),
        (f) => touched.has(f) || this.workspace.openText(f) !== undefined,
      );
      for (const p of config.apply(gitProblems)) add(p);
    }
    const scope = settings.lint.scope;
    const startAfter = settings.lint.startAfter ?? project.project.lintStartAfter;
    const shipped = scope === 'all' ? undefined : this.shippedOf(project, startAfter);
    if (shipped?.unknownStartAfter && !this.shownSettingsProblems.has(`start-after:${shipped.unknownStartAfter}`)) {
      this.shownSettingsProblems.add(`start-after:${shipped.unknownStartAfter}`);
      this.out.warn(
        `Alembic: start-after names '${shipped.unknownStartAfter}', which no migration of ${project.project.name} declares; every migration is checked.`,
      );
    }
    const lintAll = settings.lint.workspace && files.length <= WORKSPACE_LINT_LIMIT;
    // Thousands of files: work in slices, answering requests that arrived meanwhile in between.
    const seq = (this.publishSeq.get(id) ?? 0) + 1;
    this.publishSeq.set(id, seq);
    let slice = performance.now();
    const superseded = async (): Promise<boolean> => {
      if (performance.now() - slice < PUBLISH_SLICE_MS) return false;
      await yieldToRequests();
      slice = performance.now();
      return this.publishSeq.get(id) !== seq || this.workspace.project(id) !== project;
    };
    const custom = compileCustomRules(project.project.customRules, (id) => config.severityOf(id));
    for (const m of files) {
      const open = this.workspace.openText(m.file) !== undefined;
      // Shipped and closed: its lint would not be shown (lint scope), so it is not computed.
      if ((!lintAll || shipped?.files.has(m.file)) && !open) continue;
      for (const p of this.lint(m.file, config, custom)) add(p);
      if (await superseded()) return;
    }
    // Big live tables: the lock and rewrite rules of migrations still to run become errors.
    const live = this.sources.databaseTables?.(id);
    if (live?.tables.length && settings.lint.largeTableRows > 0) {
      const applied = shippedFiles({ graph: project.graph, files, databaseRevisions: this.sources.databaseRevisions(id) ?? [] }).files;
      const tables = new Map(live.tables.map((t) => [t.name, t]));
      for (const [file, problems] of byFile)
        if (!applied.has(file)) byFile.set(file, raiseForLargeTables(problems, tables, settings.lint.largeTableRows, live.database));
    }
    const uris = new Set<string>();
    for (const [file, problems] of byFile) {
      if (await superseded()) return;
      const uri = pathToUri(file);
      uris.add(uri);
      const shown = shipped ? scopeProblems(problems, scope, shipped.files.has(file), this.workspace.openText(file) !== undefined) : problems;
      this.publish(
        uri,
        shown.map((p) => toDiagnostic(p, settings.docsBaseUri)),
      );
    }
    for (const uri of this.projectUris.get(id) ?? []) if (!uris.has(uri)) this.publish(uri, []);
    this.projectUris.set(id, uris);
  }

  /** Lint problems of one file (cached by a hash of text and configuration). */
  private lint(file: string, config: RuleConfig, custom: CompiledCustomRules): Problem[] {
    const text = this.documents.textOf(file);
    if (text === undefined || !this.documents.python || !mayHaveFindings(text)) return [];
    const key = crypto.createHash('sha1').update(config.key).update('\u0000').update(text).digest('base64');
    const hit = this.lintCache.get(file);
    if (hit && hit.key === key) return hit.problems;
    let problems: Problem[] = [];
    try {
      const parsed = this.documents.parsed(file);
      if (parsed) problems = config.apply(lintMigration(parsed, file, { config, custom }));
    } catch (e) {
      this.out.logError(`linting ${file}`, e);
    }
    this.lintCache.set(file, { key, problems });
    this.lintProblems.set(file, problems);
    return problems;
  }

  private publish(uri: string, diagnostics: Diagnostic[]): void {
    const key = JSON.stringify(diagnostics);
    if (this.published.get(uri) === key) return;
    if (diagnostics.length === 0 && !this.published.has(uri)) return;
    if (diagnostics.length === 0) this.published.delete(uri);
    else this.published.set(uri, key);
    this.out.diagnostics(uri, diagnostics);
  }
}
