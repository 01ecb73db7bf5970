import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderGraphSvg, xmlEscape, edgePath, shortDate } from '../../server/src/shared/graphSvg';
import { layoutLanes } from '../../server/src/shared/laneLayout';

test('xmlEscape: markup, quotes, brackets, controls and lone surrogates', () => {
  assert.equal(xmlEscape(`<a href="x">&'[`), '&#60;a href=&#34;x&#34;&#62;&#38;&#39;&#91;');
  assert.equal(xmlEscape('a\u0001b\u001bc\ud800d'), 'a\ufffdb\ufffdc\ufffdd');
  assert.equal(xmlEscape('tab\tand\nline \ud83d\ude00'), 'tab\tand\nline \ud83d\ude00');
});

test('edgePath: straight down a lane, an S between lanes, depends_on bulges right', () => {
  const l = layoutLanes([
    { id: 'm', parents: ['a', 'b'], dependencies: [], labels: [] },
    { id: 'a', parents: ['p'], dependencies: ['b'], labels: [] },
    { id: 'b', parents: ['p'], dependencies: [], labels: [] },
    { id: 'p', parents: [], dependencies: [], labels: [] },
  ]);
  const y = (row: number): number => row * 10;
  const path = (from: string, to: string, kind = 'parent'): string =>
    edgePath(
      l.edges.find((e) => e.from === from && e.to === to && e.kind === kind)!,
      y,
    );
  assert.equal(path('m', 'a'), 'M12 0L12 10');
  assert.equal(path('m', 'b'), 'M12 0C12 5 28 5 28 10L28 20');
  assert.equal(path('a', 'b', 'depends_on'), 'M12 10C52 10 52 20 28 20');
});

test('renderGraphSvg: one group per revision, deterministic, dates shortened', () => {
  const revisions = [
    { id: 'b2', parents: ['a1'], dependencies: [], labels: ['x'], message: 'second\nline', createDate: '2024-02-01 10:02:03.1' },
    { id: 'a1', parents: [], dependencies: [], labels: ['x'], message: '' },
  ];
  const svg = renderGraphSvg([{ title: 'p & q', revisions }]);
  assert.equal(svg, renderGraphSvg([{ title: 'p & q', revisions: JSON.parse(JSON.stringify(revisions)) as typeof revisions }]));
  assert.equal([...svg.matchAll(/<g data-revision="/g)].length, 2);
  assert.match(svg, /<tspan class="message">second line<\/tspan> <tspan class="date">2024-02-01 10:02<\/tspan>/);
  assert.match(svg, /<tspan class="message">\(no message\)<\/tspan>/);
  assert.match(svg, /<g data-project="p &#38; q">/);
  assert.equal(shortDate('2024-01-08'), '2024-01-08');
  assert.equal(shortDate('yesterday'), 'yesterday');
});
