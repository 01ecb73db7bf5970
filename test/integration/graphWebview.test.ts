/**
 * The revision graph webview's page and script (dist/graphView.js) in headless Chromium, under
 * the page's own Content-Security-Policy, with `acquireVsCodeApi` standing in for VS Code's
 * message channel: rows carry data-revision, folds data-collapsed, only the rows in view exist,
 * a click asks to open the migration, folds open, the search filters, the keyboard moves.
 * (The e2e suite runs the same page inside code-server.)
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { graphPageHtml } from '../../client/src/graphView/graphPage';
import type { GraphUpdateMessage, GraphViewNode, GraphViewState } from '../../server/src/shared/graphViewProtocol';
import { benchRevisions } from '../support/generateProject';
import { tempDir } from '../support/tempDir';

// playwright-core is CommonJS and only a devDependency of the test runners.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { chromium } = require('playwright-core') as typeof import('playwright-core');
type Page = import('playwright-core').Page;
type Browser = import('playwright-core').Browser;

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
let browser: Browser;
let pageUrl: string;

before(async () => {
  const script = path.join(repoRoot, 'dist', 'graphView.js');
  assert.ok(fs.existsSync(script), 'dist/graphView.js is built (node esbuild.mjs)');
  const dir = tempDir('graph-webview-');
  fs.copyFileSync(script, path.join(dir, 'graphView.js'));
  fs.writeFileSync(
    path.join(dir, 'page.html'),
    graphPageHtml({ nonce: 'bm9uY2Ux', cspSource: 'file:', scriptUri: 'graphView.js', projectId: 'file:///p/alembic.ini' }),
  );
  pageUrl = `file://${dir}/page.html`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
});

/** A page with the stand-in channel: what the script posts lands in `window.sent`. */
/** `saved`: what VS Code hands a restored page (the serializer's state). */
async function openPage(saved?: GraphViewState): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.addInitScript((restored) => {
    const w = window as unknown as { sent: unknown[]; saved: unknown; acquireVsCodeApi: () => unknown };
    w.sent = [];
    w.saved = restored ?? undefined;
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => w.sent.push(m),
      getState: () => w.saved,
      setState: (s: unknown) => (w.saved = s),
    });
  }, saved ?? null);
  await page.goto(pageUrl);
  await page.waitForFunction(() => (window as unknown as { sent: Array<{ type: string }> }).sent.some((m) => m.type === 'ready'));
  return { page, errors };
}

function nodes(count: number, mergeEvery = 50): GraphViewNode[] {
  return benchRevisions(count, { mergeEvery, finalHeads: 2 })
    .map((r, i) => ({
      id: r.id,
      message: r.message ?? '',
      createDate: `2024-01-01 00:${String(i % 60).padStart(2, '0')}:00`,
      parents: r.down,
      dependencies: [],
      labels: [],
      flags: [],
    }))
    .reverse();
}

/** Posts an update as the panel does; resolves with the ms until the page shows rows. */
/** (Rows render on the next animation frame: checks after an action wait for the DOM.) */
async function update(page: Page, m: GraphUpdateMessage): Promise<number> {
  // As a JSON string: a large structured argument is slow to hand to the page.
  return page.evaluate(
    (json) =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        window.postMessage(JSON.parse(json), '*');
        const check = (): void => {
          if (document.querySelectorAll('#rows [data-item]').length) resolve(performance.now() - t0);
          else requestAnimationFrame(check);
        };
        check();
      }),
    JSON.stringify(m),
  );
}

const sent = (page: Page): Promise<Array<{ type: string; revision?: string }>> =>
  page.evaluate(() => (window as unknown as { sent: Array<{ type: string; revision?: string }> }).sent);

test('a small graph: every revision has its row, with state markers; a click asks to open it', async () => {
  const { page, errors } = await openPage();
  const ns = nodes(12, 4);
  await update(page, {
    type: 'update',
    projectId: 'file:///p/alembic.ini',
    projectName: 'p',
    generation: 1,
    nodes: ns.map((n, i) => (i === 2 ? { ...n, author: 'Ann Lee' } : n)),
    states: { [ns[5].id]: 'current' },
    problems: { [ns[0].id]: 'error' },
    database: 'db at x',
  });
  const ids = await page.$$eval('#rows [data-revision]', (els) => els.map((e) => (e as HTMLElement).dataset.revision));
  assert.deepEqual([...ids].sort(), ns.map((n) => n.id).sort());
  assert.equal(await page.$$eval('[data-collapsed]', (els) => els.length), 0, '12 revisions: nothing folded');
  assert.equal(await page.textContent(`[data-revision="${ns[5].id}"] .marker`), '●');
  assert.equal(await page.textContent(`[data-revision="${ns[0].id}"] .problem.error`), '✖');
  assert.equal(await page.textContent('#database'), 'db at x');
  // The author, when git knows it, in the row (and nowhere else).
  assert.equal(await page.textContent(`[data-revision="${ns[2].id}"] .author`), 'Ann Lee');
  assert.equal(await page.$$eval('#rows .author', (els) => els.length), 1);
  await page.click(`[data-revision="${ns[3].id}"] .message`);
  assert.deepEqual((await sent(page)).at(-1), { type: 'open', revision: ns[3].id });
  await page.waitForSelector(`[data-revision="${ns[3].id}"][aria-selected="true"]`, { timeout: 5_000 });
  const context = JSON.parse((await page.getAttribute(`[data-revision="${ns[3].id}"]`, 'data-vscode-context'))!) as Record<string, unknown>;
  assert.deepEqual(context, {
    webviewSection: 'revision',
    projectId: 'file:///p/alembic.ini',
    revision: ns[3].id,
    revisionState: 'unknown',
    preventDefaultContextMenuItems: true,
  });
  await page.keyboard.press('ArrowDown');
  await page.waitForSelector(`[data-revision="${ns[4].id}"][aria-selected="true"]`, { timeout: 5_000 });
  await page.keyboard.press('Enter');
  assert.deepEqual((await sent(page)).at(-1), { type: 'open', revision: ns[4].id });
  assert.ok((await page.$$eval('#lanes path', (els) => els.length)) >= 11, 'the lanes are drawn');
  // Selecting one head dims what is neither its ancestor nor its descendant: the other head.
  await page.click(`[data-revision="${ns[0].id}"] .message`);
  await page.waitForSelector(`[data-revision="${ns[0].id}"][aria-selected="true"]`, { timeout: 5_000 });
  assert.match((await page.getAttribute(`[data-revision="${ns[1].id}"]`, 'class'))!, /\bunrelated\b/);
  assert.doesNotMatch((await page.getAttribute(`[data-revision="${ns[2].id}"]`, 'class'))!, /\bunrelated\b/);
  assert.deepEqual(errors, [], 'no script error, no CSP violation');
  await page.close();
});

test('5,000 revisions: only the rows in view exist, folds open, the search filters, state survives', async () => {
  const { page, errors } = await openPage();
  const ns = nodes(5000);
  const firstPaint = await update(page, {
    type: 'update',
    projectId: 'file:///p/alembic.ini',
    projectName: 'p',
    generation: 1,
    nodes: ns,
    states: {},
    problems: {},
    database: '',
  });
  const rendered = await page.$$eval('#rows [data-item]', (els) => els.length);
  assert.ok(rendered < 80, `${rendered} elements rendered for 5,000 revisions`);
  const folds = await page.$$eval('[data-collapsed]', (els) => els.map((e) => Number((e as HTMLElement).dataset.collapsed)));
  assert.ok(folds.length > 0 && folds.every((c) => c >= 8), `folds: ${folds.join(',')}`);
  assert.match((await page.textContent('#count'))!, /^5000 revisions, \d+ folded$/);

  // Open the first fold: its revisions get rows.
  const first = await page.$eval('[data-collapsed]', (e) => Number((e as HTMLElement).dataset.collapsed));
  const before = await page.$$eval('#rows [data-revision]', (els) => els.length);
  await page.click('[data-collapsed]');
  await page.waitForFunction((n) => document.querySelectorAll('#rows [data-revision]').length > n, before);
  assert.ok(first > 0);

  // Scroll to the end: the base is there, and still only a window of rows exists.
  await page.$eval('#scroller', (s) => (s.scrollTop = s.scrollHeight));
  await page.waitForSelector(`[data-revision="${ns[ns.length - 1].id}"]`);
  assert.ok((await page.$$eval('#rows [data-item]', (els) => els.length)) < 80);

  // Reveal (a CodeLens's "Show in graph"): a folded revision is shown, selected and scrolled to.
  const deep = ns[2500].id;
  await page.evaluate((id) => window.postMessage({ type: 'reveal', revision: id }, '*'), deep);
  await page.waitForSelector(`[data-revision="${deep}"][aria-selected="true"]`);
  const inView = await page.$eval(`[data-revision="${deep}"]`, (e) => {
    const r = e.getBoundingClientRect();
    const s = document.getElementById('scroller')!.getBoundingClientRect();
    return r.top >= s.top && r.bottom <= s.bottom;
  });
  assert.ok(inView, 'the revealed row is scrolled into view');

  // Search: `/` focuses it; a message word filters to the matches.
  await page.focus('#scroller');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search');
  await page.keyboard.type('migration 4999');
  await page.waitForFunction(() => document.querySelectorAll('#rows [data-revision]').length === 1);
  assert.equal(await page.$eval('#rows [data-revision]', (e) => (e as HTMLElement).dataset.revision), ns[0].id);
  assert.match((await page.textContent('#count'))!, /^1 of 5000 revisions match$/);
  const saved = await page.evaluate(() => (window as unknown as { saved: { query?: string; expanded?: string[] } }).saved);
  assert.equal(saved.query, 'migration 4999');
  assert.equal(saved.expanded?.length, 1);

  // Live update: the database moved, same generation: no relayout, the marker changes.
  await page.evaluate((m) => window.postMessage(m, '*'), {
    type: 'update',
    projectId: 'file:///p/alembic.ini',
    projectName: 'p',
    generation: 1,
    states: { [ns[0].id]: 'current' },
    problems: {},
    database: 'db',
  } as GraphUpdateMessage);
  await page.waitForFunction((id) => document.querySelector(`[data-revision="${id}"] .marker`)?.textContent === '●', ns[0].id);
  assert.deepEqual(errors, []);
  console.log(`# first paint of 5,000 revisions (layout included): ${Math.round(firstPaint)} ms`);
  await page.close();
});

test('after a reload the page comes back as it was; a new graph keeps the selection', async () => {
  const ns = nodes(300, 20);
  const chosen = ns[150].id;
  const { page, errors } = await openPage({ projectId: 'file:///p/alembic.ini', selected: chosen, query: 'migration 1', scrollTop: 0, expanded: [] });
  const base: GraphUpdateMessage = {
    type: 'update',
    projectId: 'file:///p/alembic.ini',
    projectName: 'p',
    generation: 1,
    nodes: ns,
    states: {},
    problems: {},
    database: '',
  };
  await update(page, base);
  assert.equal(await page.inputValue('#search'), 'migration 1');
  assert.match((await page.textContent('#count'))!, /^\d+ of 300 revisions match$/);
  // Clear the search: the restored selection is still the selection (one down, one up comes back to it).
  await page.fill('#search', '');
  await page.focus('#scroller');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.waitForSelector(`[data-revision="${chosen}"][aria-selected="true"]`, { timeout: 5_000 });
  // A new generation with one more head: the selection and the other rows stay.
  const head = { id: 'feedfacecafe', message: 'a new head', parents: [ns[0].id], dependencies: [], labels: [], flags: [] };
  await update(page, { ...base, generation: 2, nodes: [head, ...ns] });
  // The scroll position stays: the selected row is still in view and selected.
  await page.waitForSelector(`[data-revision="${chosen}"][aria-selected="true"]`, { timeout: 5_000 });
  await page.$eval('#scroller', (el) => (el.scrollTop = 0));
  await page.waitForSelector('[data-revision="feedfacecafe"]');
  const saved = await page.evaluate(() => (window as unknown as { saved: GraphViewState }).saved);
  assert.equal(saved.selected, chosen);
  assert.match((await page.textContent('#count'))!, /^301 revisions/);
  assert.deepEqual(errors, []);
  await page.close();
});
