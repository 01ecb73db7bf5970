import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutLanes, type LayoutInput } from '../../server/src/shared/laneLayout';
import { parseGraphToHost, parseGraphViewState } from '../../server/src/shared/graphViewProtocol';
import { graphPageHtml } from '../../client/src/graphView/graphPage';
import {
  FOLD_MIN,
  displayItems,
  edgesInWindow,
  lineage,
  matchesQuery,
  moveSelection,
  scrollToReveal,
  visibleRange,
  type DisplayItem,
  runKeyOf,
  databaseLine,
} from '../../client/src/graphView/graphViewModel';

const n = (id: string, parents: string[] = [], deps: string[] = []): LayoutInput => ({ id, parents, dependencies: deps, labels: [] });

/** head → 20 linear revisions → merge of (a, b) → fork → root: one long run, newest first. */
function longChain(): LayoutInput[] {
  const out: LayoutInput[] = [n('head', ['c19'])];
  for (let i = 19; i >= 0; i--) out.push(n(`c${i}`, [i ? `c${i - 1}` : 'merge']));
  out.push(n('merge', ['a', 'b']), n('a', ['fork']), n('b', ['fork']), n('fork', ['root']), n('root'));
  return out;
}

const kinds = (items: DisplayItem[]): string[] => items.map((i) => (i.kind === 'revision' ? 'r' : `fold${i.count}${i.runKey ? `:${i.runKey}` : ''}`));

test('a long linear run is folded into one item until opened; short ones never are', () => {
  const layout = layoutLanes(longChain());
  assert.deepEqual(layout.runs, [{ first: 1, last: 20, count: 20 }]);
  const d = displayItems(layout);
  assert.deepEqual(kinds(d.items), ['r', 'fold20:c19', 'r', 'r', 'r', 'r', 'r']);
  assert.equal(d.itemOfRow[5], 1, 'a folded row maps to its fold');
  assert.equal(d.itemOfRow[20], 1);
  assert.equal(d.itemOfRow[21], 2);
  const opened = displayItems(layout, { expanded: new Set(['c19']) });
  assert.equal(opened.items.length, layout.rows.length);
  assert.ok(opened.items.every((i) => i.kind === 'revision'));
  const short = layoutLanes(longChain().slice(16));
  assert.ok(short.runs.every((r) => r.count < FOLD_MIN));
  assert.ok(displayItems(short).items.every((i) => i.kind === 'revision'));
});

test('runKeyOf: the folded run a revision is in (selecting it opens that run)', () => {
  const layout = layoutLanes(longChain());
  assert.equal(runKeyOf(layout, 'c10'), 'c19');
  assert.equal(runKeyOf(layout, 'head'), undefined);
  assert.equal(runKeyOf(layout, 'nope'), undefined);
});

test("a pinned revision (the database's) stays visible inside a folded run, splitting it", () => {
  const layout = layoutLanes(longChain());
  const d = displayItems(layout, { pinned: new Set(['c10']) });
  assert.deepEqual(kinds(d.items), ['r', 'fold9:c19', 'r', 'fold10:c19', 'r', 'r', 'r', 'r', 'r']);
  const c10 = d.items[d.itemOfRow[layout.rowOf.get('c10')!]];
  assert.deepEqual(c10, { kind: 'revision', row: layout.rowOf.get('c10') });
});

test('search: id prefix, message words, labels; every word must match; non-matches fold', () => {
  const node = { id: '3c8b1f04a6e2', message: 'Add profile_image to users', labels: ['core'] };
  assert.ok(matchesQuery(node, '3c8b'));
  assert.ok(matchesQuery(node, 'PROFILE users'));
  assert.ok(matchesQuery(node, 'core'));
  assert.ok(matchesQuery(node, ''));
  assert.ok(!matchesQuery(node, '8b1f'), 'ids match by prefix only');
  assert.ok(!matchesQuery(node, 'profile orders'));
  assert.ok(matchesQuery({ ...node, author: 'Ada Lovelace' }, 'ada'));
  const layout = layoutLanes(longChain());
  const wanted = new Set(['head', 'c3', 'a']);
  const d = displayItems(layout, { matches: (row) => wanted.has(layout.rows[row].id) });
  assert.deepEqual(kinds(d.items), ['r', 'fold16', 'r', 'fold4', 'r', 'fold3']);
  assert.ok(
    d.items.filter((i) => i.kind === 'fold').every((i) => i.kind === 'fold' && i.runKey === undefined),
    'search folds do not open',
  );
});

test('virtual window: the rows in view plus overscan, clamped; reveal scrolls as little as needed', () => {
  assert.deepEqual(visibleRange(0, 220, 22, 5000, 0), { first: 0, last: 10 });
  assert.deepEqual(visibleRange(22 * 1000, 220, 22, 5000, 5), { first: 995, last: 1015 });
  assert.deepEqual(visibleRange(22 * 4999, 220, 22, 5000, 5), { first: 4994, last: 4999 });
  assert.deepEqual(visibleRange(0, 220, 22, 0), { first: 0, last: -1 });
  assert.equal(scrollToReveal(3, 0, 220, 22), 0, 'already visible');
  assert.equal(scrollToReveal(20, 0, 220, 22), 22 * 21 - 220);
  assert.equal(scrollToReveal(2, 22 * 10, 220, 22), 44);
});

test('edges in a window: those with an end or a span inside it, folds counted as one item', () => {
  const layout = layoutLanes(longChain());
  const d = displayItems(layout);
  const names = (first: number, last: number): string[] =>
    edgesInWindow(layout, d, first, last)
      .map((e) => `${e.from}>${e.to}`)
      .sort();
  assert.deepEqual(names(0, 0), ['head>c19']);
  assert.deepEqual(names(4, 4), ['a>fork', 'b>fork', 'merge>b']);
  assert.equal(edgesInWindow(layout, d, 0, d.items.length - 1).length, layout.edges.length);
});

test('lineage: ancestors through parents and depends_on, descendants through children and dependents', () => {
  const layout = layoutLanes([n('m', ['a', 'b']), n('a', ['r']), n('b', ['r']), n('r'), n('x', [], ['a']), n('other')]);
  assert.deepEqual([...lineage(layout, 'a')].sort(), ['a', 'm', 'r', 'x']);
  assert.deepEqual([...lineage(layout, 'x')].sort(), ['a', 'r', 'x']);
  assert.deepEqual([...lineage(layout, 'nope')], ['nope']);
});

test('keyboard moves skip folds and stop at the ends', () => {
  const items: DisplayItem[] = [
    { kind: 'revision', row: 0 },
    { kind: 'fold', first: 1, last: 9, count: 9, runKey: 'x' },
    { kind: 'revision', row: 10 },
    { kind: 'revision', row: 11 },
  ];
  assert.equal(moveSelection(items, 0, 1), 2);
  assert.equal(moveSelection(items, 2, -1), 0);
  assert.equal(moveSelection(items, 3, 1), 3);
  assert.equal(moveSelection(items, 0, -5), 0);
  assert.equal(moveSelection(items, undefined, 1), 0);
  assert.equal(moveSelection(items, undefined, -1), 3);
  assert.equal(moveSelection(items, 1, 1), 2, 'from a fold, down is the next revision');
  assert.equal(moveSelection(items, 1, -1), 0, 'from a fold, up is the previous revision');
  assert.equal(moveSelection([], 0, 1), undefined);
});

test('messages from the page are checked; restored state too', () => {
  assert.deepEqual(parseGraphToHost({ type: 'open', revision: 'abc' }), { type: 'open', revision: 'abc' });
  assert.deepEqual(parseGraphToHost({ type: 'ready', extra: 1 }), { type: 'ready' });
  assert.equal(parseGraphToHost({ type: 'open', revision: 5 }), undefined);
  assert.equal(parseGraphToHost({ type: 'run', command: 'rm' }), undefined);
  assert.equal(parseGraphToHost(null), undefined);
  assert.deepEqual(parseGraphViewState({ projectId: 'p', scrollTop: -5, selected: 3, expanded: ['a', 1], query: 'x' }), {
    projectId: 'p',
    scrollTop: 0,
    query: 'x',
    expanded: ['a'],
  });
  assert.equal(parseGraphViewState({ selected: 'a' }), undefined);
});

test("the toolbar's database line", () => {
  assert.equal(databaseLine({ kind: 'ok', revisions: ['3c8b1f04a6e2aa'], database: 'app@localhost', readAt: new Date(0) }), 'app@localhost at 3c8b1f04a6e2');
  assert.equal(databaseLine({ kind: 'ok', revisions: [], database: 'app', readAt: new Date(0) }), 'app at base (empty)');
  assert.equal(databaseLine({ kind: 'auth-failed', message: 'x' }), 'database: auth failed');
  assert.equal(databaseLine(undefined), 'database: unknown');
});

test('the page: a strict CSP, the nonce on its one script and one style, nothing remote, theme colours', () => {
  const html = graphPageHtml({
    nonce: 'n0nce',
    cspSource: 'https://x.vscode-cdn.net',
    scriptUri: 'https://x.vscode-cdn.net/dist/graphView.js',
    projectId: 'file:///p/a"b<c',
  });
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.equal(
    csp,
    "default-src 'none'; script-src 'nonce-n0nce'; style-src 'nonce-n0nce'; img-src https://x.vscode-cdn.net; font-src https://x.vscode-cdn.net",
  );
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  assert.deepEqual(
    [...html.matchAll(/<(script|style)\b([^>]*)>/g)].map((m) => [m[1], /nonce="n0nce"/.test(m[2])]),
    [
      ['style', true],
      ['script', true],
    ],
  );
  assert.doesNotMatch(html.replace(/https:\/\/x\.vscode-cdn\.net/g, ''), /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no other origin');
  assert.match(html, /data-project-id="file:\/\/\/p\/a&quot;b&lt;c"/);
  const colours = [...html.matchAll(/(?:color|background|stroke|fill): ([^;]+);/g)].map((m) => m[1].trim());
  assert.ok(colours.length > 20);
  assert.deepEqual(
    colours.filter((c) => !c.startsWith('var(--vscode-') && c !== 'none' && c !== 'inherit'),
    [],
    'colours come from the theme',
  );
});
