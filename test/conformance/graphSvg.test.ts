/**
 * `alembic-migrations graph --svg` against the real Alembic CLI: on generated projects with
 * merges, branch labels and depends_on, the SVG draws exactly the revisions `alembic history`
 * lists and exactly its parent edges, and is well-formed XML whatever the messages hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { writeProject, benchRevisions, genId, type GenRevision } from '../support/generateProject';
import { tempDir } from '../support/tempDir';
import { cli } from '../support/cli';

const run = promisify(execFile);
const ALEMBIC = '/usr/bin/alembic';

/**
 * Revisions and `parent>child` edges as `alembic history` prints them: `a, b -> c (head), msg`,
 * with depends_on targets in parentheses after the parents (`a (d1, d2) -> c`).
 */
async function alembicHistory(ini: string): Promise<{ revisions: string[]; edges: string[] }> {
  const r = await run(ALEMBIC, ['-c', ini, 'history'], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, maxBuffer: 64 * 1024 * 1024 });
  const revisions: string[] = [];
  const edges: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const m = /^(.+?) -> (\w+)/.exec(line);
    assert.ok(m, `unexpected history line: ${line}`);
    revisions.push(m[2]);
    const parents = m[1].replace(/\s*\([^)]*\)/g, '');
    if (parents !== '<base>') for (const p of parents.split(', ')) edges.push(`${p}>${m[2]}`);
  }
  return { revisions: revisions.sort(), edges: edges.sort() };
}

const unescape = (s: string): string =>
  s.replace(/&#(\d+);|&(amp|lt|gt|quot|apos);/g, (_m, code: string | undefined, name: string | undefined) =>
    code ? String.fromCharCode(Number(code)) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name!],
  );

/** A strict well-formedness check: tags nest, attributes are quoted, every `&` starts a reference. */
function assertWellFormed(xml: string): void {
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  const body = xml.slice(xml.indexOf('\n') + 1);
  const badAmp = /&(?!#\d+;|#x[0-9a-fA-F]+;|amp;|lt;|gt;|quot;|apos;)/;
  const stack: string[] = [];
  let roots = 0;
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of body.matchAll(token)) {
    const [, close, name, attrs, selfClosing, text, stray] = m;
    assert.equal(stray, undefined, `a stray '<' at ${m.index}`);
    if (text !== undefined) {
      assert.ok(!badAmp.test(text), `a bare '&' in ${JSON.stringify(text)}`);
      assert.ok(stack.length > 0 || !text.trim(), 'text outside the root element');
      continue;
    }
    assert.ok(!badAmp.test(attrs), `a bare '&' in ${attrs}`);
    if (close) assert.equal(stack.pop(), name, `</${name}> closes another element`);
    else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name);
    }
  }
  assert.deepEqual(stack, [], 'every element closed');
  assert.equal(roots, 1, 'one root element');
}

function fromSvg(svg: string): { revisions: string[]; edges: string[]; dependsOn: string[] } {
  const revisions = [...svg.matchAll(/<g data-revision="([^"]*)"/g)].map((m) => unescape(m[1]));
  const edge = (kind: string): string[] =>
    [...svg.matchAll(new RegExp(`<path class="edge ${kind}[^"]*" data-from="([^"]*)" data-to="([^"]*)" d="M[^"]+"/>`, 'g'))].map(
      (m) => `${unescape(m[2])}>${unescape(m[1])}`,
    );
  return { revisions: revisions.sort(), edges: edge('parent').sort(), dependsOn: edge('depends-on').sort() };
}

/** Merges, three labelled branches, depends_on on ids and labels, several bases and heads. */
function mixed(): GenRevision[] {
  const revs: GenRevision[] = benchRevisions(120, { mergeEvery: 20, finalHeads: 3 });
  const id = (n: number): string => genId(n, 7);
  revs.push({ id: id(0), down: [], labels: ['reports'], message: 'reports base <b>&amp; "quoted"</b>' });
  revs.push({ id: id(1), down: [id(0)], dependsOn: [revs[40].id], message: "reports needs core's 40 ##[error]not a command" });
  revs.push({ id: id(2), down: [id(1)], message: 'reports three' });
  revs.push({ id: id(3), down: [], labels: ['billing'], message: 'billing base' });
  revs.push({ id: id(4), down: [id(3)], dependsOn: ['reports'], message: 'billing depends on a label' });
  revs.push({ id: id(5), down: [id(3)], message: 'billing fork' });
  revs.push({ id: id(6), down: [id(4), id(5)], labels: ['billing_next'], message: 'billing merge' });
  revs.push({ id: id(7), down: [id(6), id(2)], message: 'a merge across labelled branches' });
  return revs;
}

const CASES: Record<string, GenRevision[]> = {
  'a three-parent merge': [
    { id: '000000000001', down: [], message: 'base' },
    { id: '00000000000a', down: ['000000000001'], message: 'branch a' },
    { id: '00000000000b', down: ['000000000001'], message: 'branch b' },
    { id: '00000000000c', down: ['000000000001'], message: 'branch c' },
    { id: '000000000m3p', down: ['00000000000a', '00000000000b', '00000000000c'], message: 'merge three' },
  ],
  'merges, labels and depends_on': mixed(),
  'generated 600 with merges': benchRevisions(600, { mergeEvery: 30, finalHeads: 2 }),
};

for (const [name, revisions] of Object.entries(CASES)) {
  test(`graph --svg draws the revisions and parent edges alembic history lists: ${name}`, async () => {
    const ini = writeProject(tempDir(`conf-svg-${name.replace(/\W+/g, '-')}-`), revisions);
    const [history, printed] = await Promise.all([alembicHistory(ini), cli(['graph', ini, '--svg'])]);
    assert.equal(printed.code, 0, printed.err);
    assertWellFormed(printed.out);
    const svg = fromSvg(printed.out);
    assert.equal(svg.revisions.length, revisions.length);
    assert.deepEqual(svg.revisions, history.revisions);
    assert.deepEqual(svg.edges, history.edges);
    const declaredDeps = revisions.flatMap((r) => (r.dependsOn ?? []).map((d) => `${d}>${r.id}`));
    assert.equal(svg.dependsOn.length, declaredDeps.length, 'one dashed edge per depends_on');
    for (const d of declaredDeps.filter((x) => /^[0-9a-f]{12}>/.test(x))) assert.ok(svg.dependsOn.includes(d), d);
  });
}

test('graph --svg --out writes the same picture to a file; messages are escaped, never markup', async () => {
  const dir = tempDir('conf-svg-out-');
  const ini = writeProject(dir, mixed());
  const out = path.join(dir, 'graph.svg');
  const [toFile, toStdout] = [await cli(['graph', ini, '--svg', '--out', out]), await cli(['graph', ini, '--svg'])];
  assert.equal(toFile.code, 0, toFile.err);
  assert.equal(toFile.out, '');
  const written = fs.readFileSync(out, 'utf8');
  assert.equal(written, toStdout.out);
  assert.ok(!written.includes('<b>'), 'a message is text, not markup');
  assert.ok(!written.includes('##['), 'no CI command in the file');
  assert.ok(written.includes('reports base &#60;b&#62;&#38;amp; &#34;quoted&#34;&#60;/b&#62;'), 'the message, escaped once');
  assert.ok(/<tspan class="tag">[^<]*\(reports\)[^<]*<\/tspan>/.test(written), 'the label is a tag');
  const bad = await cli(['graph', ini, '--svg', '--out', path.join(dir, 'no', 'such', 'dir', 'g.svg')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /could not write/);
  assert.equal((await cli(['graph', ini, '--svg', '--json'])).code, 2);
  assert.equal((await cli(['heads', ini, '--svg'])).code, 2);
  assert.equal((await cli(['graph', ini, '--out', out])).code, 2);
});
