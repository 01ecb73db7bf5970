/**
 * The graph webview's page: a strict Content-Security-Policy (one script and one style block,
 * both with the nonce; nothing remote), the toolbar, the scroll container the script fills, and
 * the stylesheet — theme colours only (`var(--vscode-…)`), so light, dark and high-contrast
 * themes all read. Pure (no VS Code), so tests load the same page in a browser.
 */
import { LANE_COLOURS } from '../../../server/src/shared/graphSvg';

export interface GraphPageOptions {
  nonce: string;
  /** The webview's `cspSource` (where the script and images may come from). */
  cspSource: string;
  scriptUri: string;
  projectId: string;
}

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function graphPageHtml(o: GraphPageOptions): string {
  const nonce = attr(o.nonce);
  const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, `img-src ${o.cspSource}`, `font-src ${o.cspSource}`].join(
    '; ',
  );
  const script = attr(o.scriptUri);
  const projectId = attr(o.projectId);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">${GRAPH_CSS}</style>
<title>Revision graph</title>
</head>
<body data-project-id="${projectId}">
<header class="toolbar">
<input id="search" type="search" placeholder="Search id, message, label ( / )" aria-label="Search revisions by id prefix, message words or label">
<span id="count" aria-live="polite"></span>
<span id="database"></span>
<button id="export" title="Save this graph as an SVG file (the same as alembic-migrations graph --svg)">Export SVG</button>
</header>
<div id="scroller" tabindex="0" role="listbox" aria-label="Revisions">
<div id="spacer"><svg id="lanes" xmlns="http://www.w3.org/2000/svg" aria-hidden="true"></svg><div id="rows"></div></div>
</div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

const LANE_VARS = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-red',
  '--vscode-charts-yellow',
  '--vscode-terminal-ansiCyan',
  '--vscode-terminal-ansiMagenta',
];

const GRAPH_CSS = `
html, body { height: 100%; margin: 0; padding: 0; overflow: hidden; }
body { display: flex; flex-direction: column; color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
.toolbar { display: flex; gap: 12px; align-items: center; padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border, transparent); }
#search { flex: 0 1 320px; color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, transparent); padding: 3px 6px; }
#search:focus { outline: 1px solid var(--vscode-focusBorder); }
#count, #database { color: var(--vscode-descriptionForeground); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#count { flex: none; }
#database { min-width: 0; }
#database { flex: 1; text-align: right; }
button { flex: none; white-space: nowrap; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: 1px solid var(--vscode-button-border, transparent); padding: 3px 10px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
#scroller { flex: 1; overflow: auto; position: relative; outline: none; }
#scroller:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
#spacer { position: relative; min-width: 100%; }
#lanes { position: absolute; top: 0; z-index: 1; pointer-events: none; overflow: visible; }
.row, .fold { position: absolute; left: 0; right: 0; height: 22px; line-height: 22px; white-space: nowrap; cursor: pointer; box-sizing: border-box; }
.row:hover, .fold:hover { background: var(--vscode-list-hoverBackground); }
.row.unrelated { opacity: 0.55; }
.row.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); outline: 1px solid var(--vscode-list-focusOutline, transparent); outline-offset: -1px; }
.row.match .message { color: var(--vscode-list-highlightForeground); font-weight: 600; }
.fold { color: var(--vscode-descriptionForeground); font-style: italic; }
.fold.filtered { cursor: default; opacity: 0.8; }
.marker { position: absolute; left: 0; text-align: center; display: inline-block; }
.state-current { color: var(--vscode-testing-iconPassed); }
.state-applied { color: var(--vscode-testing-iconPassed); }
.state-pending { color: var(--vscode-testing-iconQueued, var(--vscode-descriptionForeground)); }
.text { position: absolute; right: 0; overflow: hidden; text-overflow: ellipsis; }
.text > span { margin-right: 8px; }
.id { font-family: var(--vscode-editor-font-family); color: var(--vscode-descriptionForeground); }
.row.selected .id, .row.selected .date, .row.selected .author { color: inherit; }
.tag, .badge { padding: 0 5px; border-radius: 8px; font-size: 0.9em; border: 1px solid var(--vscode-contrastBorder, transparent); }
.tag { color: var(--vscode-badge-foreground); background: var(--vscode-badge-background); }
.badge { color: var(--vscode-descriptionForeground); border-color: var(--vscode-descriptionForeground); }
.badge.error, .problem.error { color: var(--vscode-problemsErrorIcon-foreground, var(--vscode-errorForeground)); }
.problem.warning { color: var(--vscode-problemsWarningIcon-foreground); }
.date, .author { color: var(--vscode-descriptionForeground); }
.edge { fill: none; stroke-width: 2; }
.edge.depends-on { stroke: var(--vscode-descriptionForeground); stroke-dasharray: 4 3; stroke-width: 1.5; }
.edge.lit { stroke-width: 3.5; }
.dot { stroke: var(--vscode-editor-background); stroke-width: 1.5; }
.dot.state-current { stroke: var(--vscode-testing-iconPassed); stroke-width: 3; }
.dot.state-pending { fill: var(--vscode-editor-background) !important; stroke-width: 2; }
.dot.selected { stroke: var(--vscode-focusBorder); stroke-width: 3; }
${LANE_VARS.map((v, i) => `.edge.lane-${i} { stroke: var(${v}, ${LANE_COLOURS[i]}); } .dot.lane-${i} { fill: var(${v}, ${LANE_COLOURS[i]}); } .dot.state-pending.lane-${i} { stroke: var(${v}, ${LANE_COLOURS[i]}); }`).join('\n')}
`;
