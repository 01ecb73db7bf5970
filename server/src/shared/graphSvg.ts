/**
 * The revision graph as a standalone SVG: what `alembic-migrations graph --svg` prints and what
 * the graph view's *Export SVG* writes, from the same lane layout (laneLayout.ts). One
 * `<g data-revision="<full id>">` per revision, one `<path data-from data-to>` per edge (parent
 * edges solid, `depends_on` dashed), no script, no external reference. Pure: no I/O.
 *
 * The geometry helpers (`laneX`, `edgePath`) are shared with the webview, which draws the same
 * paths for the rows it shows.
 */
import { layoutLanes, type LaneLayout, type LanePoint, type LayoutEdge, type LayoutInput } from './laneLayout';
import { shortId } from './revisionState';

/** What the picture shows of a revision (the protocol's RevisionNode has all of it). */
export interface SvgRevision extends LayoutInput {
  message: string;
  createDate?: string;
}

export interface SvgProject {
  /** The heading (the project's name). */
  title: string;
  revisions: readonly SvgRevision[];
}

export const ROW_HEIGHT = 24;
export const LANE_WIDTH = 16;
export const GRAPH_LEFT = 12;
const DOT_RADIUS = 4.5;
const CHAR_WIDTH = 7.2;
const HEADING_HEIGHT = 32;

/** Lane colours (Okabe–Ito, readable on light and dark backgrounds). */
export const LANE_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#b0a000', '#888888'];

export const laneX = (lane: number): number => GRAPH_LEFT + lane * LANE_WIDTH;

/** The lane an edge is coloured by: the lane it runs down. */
export function edgeLane(edge: LayoutEdge): number {
  return edge.points.length > 2 ? edge.points[1].lane : edge.points[0].lane;
}

/**
 * The `d` of an edge: straight down a lane, a smooth S between lanes; `depends_on` edges bulge
 * to the right of both ends. `y` maps a row to its centre (a view that folds rows passes its own).
 */
export function edgePath(edge: LayoutEdge, y: (row: number) => number, x: (lane: number) => number = laneX): string {
  const pts = edge.points;
  const at = (p: LanePoint): [number, number] => [x(p.lane), y(p.row)];
  const [x0, y0] = at(pts[0]);
  if (edge.kind === 'depends_on') {
    const [x1, y1] = at(pts[pts.length - 1]);
    const bulge = Math.max(x0, x1) + LANE_WIDTH * 1.5;
    return `M${num(x0)} ${num(y0)}C${num(bulge)} ${num(y0)} ${num(bulge)} ${num(y1)} ${num(x1)} ${num(y1)}`;
  }
  let d = `M${num(x0)} ${num(y0)}`;
  for (let i = 1; i < pts.length; i++) {
    const [xa, ya] = at(pts[i - 1]);
    const [xb, yb] = at(pts[i]);
    if (xa === xb) d += `L${num(xb)} ${num(yb)}`;
    else {
      const mid = (ya + yb) / 2;
      d += `C${num(xa)} ${num(mid)} ${num(xb)} ${num(mid)} ${num(xb)} ${num(yb)}`;
    }
  }
  return d;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/**
 * Text as XML character data or an attribute value: markup characters escaped, characters XML
 * 1.0 forbids (controls, lone surrogates) replaced by U+FFFD, and `[` as a reference so no line
 * of the file reads as a CI runner's `##[` command.
 */
/** Characters XML 1.0 does not allow: C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"'[]/g, (c) => `&#${c.charCodeAt(0)};`).replace(NOT_XML, '\ufffd');
}

/** The create date as `YYYY-MM-DD HH:MM` when it reads like one. */
export function shortDate(createDate: string | undefined): string {
  if (!createDate) return '';
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?/.exec(createDate);
  return m ? (m[2] ? `${m[1]} ${m[2]}` : m[1]) : createDate;
}

/** One line of text per revision: the message folded onto it. */
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

interface Drawn {
  markup: string[];
  width: number;
  height: number;
}

function drawProject(project: SvgProject, top: number, layout: LaneLayout): Drawn {
  const byId = new Map(project.revisions.map((r) => [r.id, r]));
  const rowsTop = top + HEADING_HEIGHT;
  const y = (row: number): number => rowsTop + row * ROW_HEIGHT + ROW_HEIGHT / 2;
  const textX = laneX(Math.max(layout.lanes, 1)) + LANE_WIDTH;
  const markup: string[] = [];
  let widest = 0;
  markup.push(`<g data-project="${xmlEscape(project.title)}">`);
  markup.push(
    `<text class="heading" x="${GRAPH_LEFT}" y="${top + 20}">${xmlEscape(project.title)} — ${layout.rows.length} revision${layout.rows.length === 1 ? '' : 's'}</text>`,
  );
  markup.push('<g class="edges">');
  for (const e of layout.edges) {
    const colour = e.kind === 'parent' ? ` lane-${edgeLane(e) % LANE_COLOURS.length}` : '';
    markup.push(
      `<path class="edge ${e.kind === 'parent' ? 'parent' : 'depends-on'}${colour}" data-from="${xmlEscape(e.from)}" data-to="${xmlEscape(e.to)}" d="${edgePath(e, y)}"/>`,
    );
  }
  markup.push('</g>');
  markup.push('<g class="revisions">');
  for (const [row, r] of layout.rows.entries()) {
    const rev = byId.get(r.id)!;
    const cy = y(row);
    const classes = ['revision', r.head ? 'head' : '', r.base ? 'base' : '', r.merge ? 'merge' : '', r.missingParents.length ? 'missing-parent' : '']
      .filter(Boolean)
      .join(' ');
    const message = oneLine(rev.message) || '(no message)';
    const date = shortDate(rev.createDate);
    const tags = r.tags.map((t) => `(${t})`).join(' ');
    const chars = shortId(r.id).length + 1 + (tags ? tags.length + 1 : 0) + message.length + (date ? date.length + 2 : 0);
    widest = Math.max(widest, textX + chars * CHAR_WIDTH);
    markup.push(`<g data-revision="${xmlEscape(r.id)}" class="${classes}">`);
    markup.push(`<title>${xmlEscape(`${r.id} — ${message}`)}</title>`);
    markup.push(`<circle class="dot lane-${r.lane % LANE_COLOURS.length}" cx="${laneX(r.lane)}" cy="${cy}" r="${DOT_RADIUS}"/>`);
    markup.push(
      `<text x="${textX}" y="${cy + 4}"><tspan class="id">${xmlEscape(shortId(r.id))}</tspan>${tags ? ` <tspan class="tag">${xmlEscape(tags)}</tspan>` : ''} <tspan class="message">${xmlEscape(message)}</tspan>${date ? ` <tspan class="date">${xmlEscape(date)}</tspan>` : ''}</text>`,
    );
    markup.push('</g>');
  }
  markup.push('</g>');
  markup.push('</g>');
  return { markup, width: Math.ceil(widest), height: HEADING_HEIGHT + layout.rows.length * ROW_HEIGHT + 8 };
}

const STYLE = [
  'svg { background: #ffffff; }',
  'text { font: 12px ui-sans-serif, system-ui, "Segoe UI", Helvetica, Arial, sans-serif; fill: #1f2328; white-space: pre; }',
  '.heading { font-weight: 600; font-size: 14px; }',
  '.id { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; fill: #57606a; }',
  '.tag { font-weight: 600; fill: #8250df; }',
  '.date { fill: #6e7781; }',
  '.edge { fill: none; stroke-width: 2; }',
  '.edge.depends-on { stroke: #6e7781; stroke-dasharray: 4 3; stroke-width: 1.5; }',
  '.dot { stroke: #ffffff; stroke-width: 1.5; }',
  '.head .dot { stroke: #1f2328; }',
  '.missing-parent .dot { fill: #cf222e; }',
  ...LANE_COLOURS.map((c, i) => `.edge.lane-${i} { stroke: ${c}; } .dot.lane-${i} { fill: ${c}; }`),
].join('\n');

/** The whole picture: each project under its heading, one below the other. */
export function renderGraphSvg(projects: readonly SvgProject[]): string {
  const parts: string[] = [];
  let top = 0;
  let width = 320;
  for (const p of projects) {
    const drawn = drawProject(p, top, layoutLanes(p.revisions));
    parts.push(...drawn.markup);
    top += drawn.height;
    width = Math.max(width, drawn.width + GRAPH_LEFT);
  }
  const height = Math.max(top, ROW_HEIGHT);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${xmlEscape(`Alembic revision graph: ${projects.map((p) => p.title).join(', ')}`)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
