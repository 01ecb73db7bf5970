/// <reference lib="dom" />
/**
 * The revision graph webview's script (bundled alone into dist/graphView.js, loaded with the
 * page's nonce). It lays the graph out itself (the shared lane layout) and renders only the rows
 * in view: a spacer as tall as the list, the visible rows positioned in it, and one SVG with the
 * lanes that cross the window. Everything it decides is in graphViewModel.ts; this file is DOM.
 *
 * Right-click menus are VS Code's own (`webview/context`, from each row's data-vscode-context),
 * so they run the tree's commands with the tree's confirmations.
 */
import { layoutLanes, type LaneLayout } from '../../../../server/src/shared/laneLayout';
import { edgeLane, edgePath, laneX, LANE_WIDTH, shortDate } from '../../../../server/src/shared/graphSvg';
import { shortId, type RevisionState } from '../../../../server/src/shared/revisionState';
import type { GraphToHostMessage, GraphViewNode, GraphViewState, HostToGraphMessage } from '../../../../server/src/shared/graphViewProtocol';
import { displayItems, edgesInWindow, lineage, matchesQuery, moveSelection, runKeyOf, scrollToReveal, visibleRange, type Display } from '../graphViewModel';

interface VsCodeApi {
  postMessage(message: GraphToHostMessage): void;
  getState(): unknown;
  setState(state: GraphViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const ITEM_HEIGHT = 22;
const MARKER_WIDTH = 20;
const SVG_NS = 'http://www.w3.org/2000/svg';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const scroller = $<HTMLDivElement>('scroller');
const spacer = $<HTMLDivElement>('spacer');
const rowsEl = $<HTMLDivElement>('rows');
const search = $<HTMLInputElement>('search');
const countEl = $<HTMLSpanElement>('count');
const databaseEl = $<HTMLSpanElement>('database');
const lanesSvg = document.getElementById('lanes') as unknown as SVGSVGElement;

const initial = (vscode.getState() ?? {}) as Partial<GraphViewState>;
let projectId = initial.projectId ?? document.body.dataset.projectId ?? '';
let generation = -1;
let nodes: GraphViewNode[] = [];
let byId = new Map<string, GraphViewNode>();
let layout: LaneLayout = layoutLanes([]);
let display: Display = displayItems(layout);
let states: Record<string, RevisionState> = {};
let problems: Record<string, 'error' | 'warning'> = {};
let selected: string | undefined = initial.selected;
let related = new Set<string>();
let query = initial.query ?? '';
const expanded = new Set<string>(initial.expanded ?? []);
let pendingScroll: number | undefined = initial.scrollTop;
let matched: Set<string> | undefined;
search.value = query;

function saveState(): void {
  vscode.setState({
    projectId,
    ...(selected ? { selected } : {}),
    scrollTop: scroller.scrollTop,
    ...(query ? { query } : {}),
    expanded: [...expanded],
  });
}

/** Recomputes what is shown (after the graph, the search, the folds or the pins changed). */
function rebuildDisplay(): void {
  matched = query.trim() ? new Set(nodes.filter((n) => matchesQuery(n, query)).map((n) => n.id)) : undefined;
  const pinned = new Set<string>(Object.keys(states).filter((id) => states[id] === 'current'));
  const m = matched;
  display = displayItems(layout, { expanded, pinned, ...(m ? { matches: (row: number) => m.has(layout.rows[row].id) } : {}) });
  related = selected ? lineage(layout, selected) : new Set();
  spacer.style.height = `${display.items.length * ITEM_HEIGHT}px`;
  const shown = display.items.filter((i) => i.kind === 'revision').length;
  countEl.textContent = matched
    ? `${matched.size} of ${nodes.length} revisions match`
    : `${nodes.length} revisions${shown < nodes.length ? `, ${nodes.length - shown} folded` : ''}`;
}

const STATE_MARK: Record<RevisionState, string> = { current: '●', applied: '✓', pending: '○', unknown: '' };

function tooltip(n: GraphViewNode): string {
  const row = layout.rows[layout.rowOf.get(n.id)!];
  const state = states[n.id] ?? 'unknown';
  const rel = (ids: string[]): string => ids.map((i) => `${shortId(i)} ${byId.get(i)?.message ?? ''}`.trim()).join('; ') || '—';
  return [
    n.message || '(no message)',
    `Revision ${n.id}${state !== 'unknown' ? ` — ${state}` : ''}${problems[n.id] ? ` — ${problems[n.id]}s` : ''}`,
    `Parents: ${n.parents.length ? rel(n.parents) : '<base>'}`,
    `Children: ${rel(row.children)}`,
    ...(n.dependencies.length ? [`Depends on: ${rel(n.dependencies)}`] : []),
    ...(n.labels.length ? [`Branch labels: ${n.labels.join(', ')}`] : []),
    ...(n.createDate ? [`Created ${n.createDate}`] : []),
    ...(n.author ? [`Added by ${n.author}`] : []),
  ].join('\n');
}

function span(cls: string, text: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

function graphWidth(): number {
  return laneX(Math.max(layout.lanes, 1)) + LANE_WIDTH / 2;
}

let frame = 0;
function scheduleRender(): void {
  if (!frame) frame = requestAnimationFrame(render);
}

function render(): void {
  frame = 0;
  const { first, last } = visibleRange(scroller.scrollTop, scroller.clientHeight, ITEM_HEIGHT, display.items.length);
  const textLeft = MARKER_WIDTH + graphWidth();
  const rowsFragment = document.createDocumentFragment();
  for (let i = first; i <= last; i++) {
    const item = display.items[i];
    const el = document.createElement('div');
    el.style.top = `${i * ITEM_HEIGHT}px`;
    el.dataset.item = String(i);
    if (item.kind === 'fold') {
      el.className = item.runKey ? 'fold' : 'fold filtered';
      if (item.runKey) {
        el.dataset.collapsed = String(item.count);
        el.dataset.run = item.runKey;
        el.title = 'Show these revisions';
      } else el.dataset.hidden = String(item.count);
      el.style.paddingLeft = `${textLeft}px`;
      el.textContent = `… ${item.count} revision${item.count === 1 ? '' : 's'}${item.runKey ? '' : ' not matching'}`;
      rowsFragment.append(el);
      continue;
    }
    const r = layout.rows[item.row];
    const n = byId.get(r.id)!;
    const state = states[r.id] ?? 'unknown';
    el.className = ['row', r.id === selected ? 'selected' : '', selected && !related.has(r.id) ? 'unrelated' : '', matched?.has(r.id) ? 'match' : '']
      .filter(Boolean)
      .join(' ');
    el.dataset.revision = r.id;
    el.setAttribute('role', 'option');
    el.setAttribute('aria-selected', String(r.id === selected));
    el.dataset.vscodeContext = JSON.stringify({
      webviewSection: 'revision',
      projectId,
      revision: r.id,
      revisionState: state,
      preventDefaultContextMenuItems: true,
    });
    el.title = tooltip(n);
    const marker = span(`marker state-${state}`, STATE_MARK[state]);
    marker.style.width = `${MARKER_WIDTH}px`;
    el.append(marker);
    const text = document.createElement('span');
    text.className = 'text';
    text.style.left = `${textLeft}px`;
    if (problems[r.id]) text.append(span(`problem ${problems[r.id]}`, problems[r.id] === 'error' ? '✖' : '⚠'));
    text.append(span('id', shortId(r.id)));
    for (const t of r.tags) text.append(span('tag', t));
    if (n.flags.includes('head') || n.flags.includes('effective-head')) text.append(span('badge', 'head'));
    if (r.missingParents.length) text.append(span('badge error', `missing ${r.missingParents.map(shortId).join(', ')}`));
    text.append(span('message', n.message.replace(/\s+/g, ' ').trim() || '(no message)'));
    const date = shortDate(n.createDate);
    if (date) text.append(span('date', date));
    if (n.author) text.append(span('author', n.author));
    el.append(text);
    rowsFragment.append(el);
  }
  rowsEl.replaceChildren(rowsFragment);

  // Lanes: the edges crossing the window, then the dots of the rows in it.
  const y = (row: number): number => display.itemOfRow[row] * ITEM_HEIGHT + ITEM_HEIGHT / 2;
  const svgFragment = document.createDocumentFragment();
  for (const e of edgesInWindow(layout, display, first, last)) {
    const p = document.createElementNS(SVG_NS, 'path');
    const lit = (selected && related.has(e.from) && related.has(e.to)) || (matched && (matched.has(e.from) || matched.has(e.to)));
    p.setAttribute('class', `edge ${e.kind === 'parent' ? `parent lane-${edgeLane(e) % 8}` : 'depends-on'}${lit ? ' lit' : ''}`);
    p.setAttribute('d', edgePath(e, y));
    svgFragment.append(p);
  }
  for (let i = first; i <= last; i++) {
    const item = display.items[i];
    if (item.kind !== 'revision') continue;
    const r = layout.rows[item.row];
    const c = document.createElementNS(SVG_NS, 'circle');
    c.setAttribute('class', `dot lane-${r.lane % 8} state-${states[r.id] ?? 'unknown'}${r.id === selected ? ' selected' : ''}`);
    c.setAttribute('cx', String(laneX(r.lane)));
    c.setAttribute('cy', String(y(item.row)));
    c.setAttribute('r', r.merge ? '5' : '4');
    svgFragment.append(c);
  }
  lanesSvg.replaceChildren(svgFragment);
  lanesSvg.setAttribute('width', String(graphWidth()));
  lanesSvg.setAttribute('height', String(Math.max(display.items.length * ITEM_HEIGHT, 1)));
  lanesSvg.style.left = `${MARKER_WIDTH}px`;
}

function itemOfRevision(id: string): number | undefined {
  const row = layout.rowOf.get(id);
  if (row === undefined) return undefined;
  const i = display.itemOfRow[row];
  return display.items[i]?.kind === 'revision' ? i : undefined;
}

function reveal(index: number): void {
  scroller.scrollTop = scrollToReveal(index, scroller.scrollTop, scroller.clientHeight, ITEM_HEIGHT);
}

function select(id: string | undefined, opts: { reveal?: boolean } = {}): void {
  selected = id;
  // A selection inside a folded run opens the run (so the arrows then walk through it).
  const run = id === undefined ? undefined : runKeyOf(layout, id);
  if (run) expanded.add(run);
  rebuildDisplay();
  const i = id === undefined ? undefined : itemOfRevision(id);
  if (opts.reveal && i !== undefined) reveal(i);
  saveState();
  scheduleRender();
}

window.addEventListener('message', (event: MessageEvent<HostToGraphMessage>) => {
  const m = event.data;
  if (m.type === 'reveal') {
    if (!byId.has(m.revision)) return;
    // A revision the search hides is shown by clearing the search; a folded one's run opens.
    if (matched && !matched.has(m.revision)) search.value = query = '';
    pendingScroll = undefined;
    select(m.revision, { reveal: true });
    return;
  }
  projectId = m.projectId;
  document.title = m.projectName;
  states = m.states;
  problems = m.problems;
  databaseEl.textContent = m.database;
  if (m.nodes && m.generation !== generation) {
    generation = m.generation;
    nodes = m.nodes;
    byId = new Map(nodes.map((n) => [n.id, n]));
    layout = layoutLanes(nodes);
    if (selected && !byId.has(selected)) selected = undefined;
    const run = selected && runKeyOf(layout, selected);
    if (run) expanded.add(run);
  }
  rebuildDisplay();
  if (pendingScroll !== undefined && display.items.length) {
    scroller.scrollTop = pendingScroll;
    pendingScroll = undefined;
  }
  saveState();
  scheduleRender();
});

scroller.addEventListener('scroll', () => {
  scheduleRender();
  saveState();
});
window.addEventListener('resize', scheduleRender);

rowsEl.addEventListener('click', (event) => {
  const el = (event.target as HTMLElement).closest<HTMLElement>('[data-item]');
  if (!el) return;
  if (el.dataset.run) {
    expanded.add(el.dataset.run);
    rebuildDisplay();
    saveState();
    scheduleRender();
    return;
  }
  const id = el.dataset.revision;
  if (!id) return;
  select(id);
  scroller.focus();
  vscode.postMessage({ type: 'open', revision: id });
});

rowsEl.addEventListener('contextmenu', (event) => {
  const id = (event.target as HTMLElement).closest<HTMLElement>('[data-revision]')?.dataset.revision;
  if (id && id !== selected) select(id);
});

scroller.addEventListener('keydown', (event) => {
  const page = Math.max(1, Math.floor(scroller.clientHeight / ITEM_HEIGHT) - 1);
  const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, End: Infinity, Home: -Infinity };
  if (event.key in moves) {
    event.preventDefault();
    const from = selected === undefined ? undefined : itemOfRevision(selected);
    const step = moves[event.key];
    const to = moveSelection(display.items, Number.isFinite(step) ? from : undefined, Number.isFinite(step) ? step : step > 0 ? -1 : 1);
    const item = to === undefined ? undefined : display.items[to];
    if (item?.kind === 'revision') select(layout.rows[item.row].id, { reveal: true });
  } else if (event.key === 'Enter' && selected) {
    event.preventDefault();
    vscode.postMessage({ type: 'open', revision: selected });
  } else if (event.key === '/') {
    event.preventDefault();
    search.focus();
    search.select();
  }
});

search.addEventListener('input', () => {
  query = search.value;
  rebuildDisplay();
  scroller.scrollTop = 0;
  saveState();
  scheduleRender();
});
search.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    search.value = '';
    query = '';
    rebuildDisplay();
    saveState();
    scheduleRender();
    scroller.focus();
  } else if (event.key === 'Enter' || event.key === 'ArrowDown') {
    event.preventDefault();
    const first = moveSelection(display.items, undefined, 1);
    const item = first === undefined ? undefined : display.items[first];
    if (item?.kind === 'revision') select(layout.rows[item.row].id, { reveal: true });
    scroller.focus();
  }
});

$<HTMLButtonElement>('export').addEventListener('click', () => vscode.postMessage({ type: 'exportSvg' }));

vscode.postMessage({ type: 'ready' });
