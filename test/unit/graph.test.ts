import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevisionGraph } from '../../server/src/alembic/revisionGraph';
import { resolveRevisionSpec, upgradeSteps, revisionsInRange } from '../../server/src/alembic/revisionSpec';
import { graphProblems } from '../../server/src/alembic/graphProblems';
import { revisionFlags } from '../../server/src/alembic/revisionFlags';
import { scanMigration } from '../../server/src/alembic/migrationScanner';
import { textAt } from '../support/sourceText';
import type { MigrationFile } from '../../server/src/alembic/types';

/** A migration file from source text, as the index would hold it. */
function file(name: string, source: string): MigrationFile {
  return { file: `/p/versions/${name}.py`, versionLocation: '/p/versions', decls: scanMigration(source) };
}

function rev(id: string, down: string | string[] | null, extra = ''): MigrationFile {
  const d = down === null ? 'None' : Array.isArray(down) ? `(${down.map((x) => `'${x}'`).join(', ')})` : `'${down}'`;
  return file(
    id,
    `"""${id} message\n\nRevision ID: ${id}\nRevises: ${Array.isArray(down) ? down.join(', ') : (down ?? '')}\n"""\nrevision = '${id}'\ndown_revision = ${d}\n${extra}`,
  );
}

const ids = (r: ReturnType<typeof resolveRevisionSpec>): string[] | string => (r.kind === 'revisions' ? r.ids : `error: ${r.message}`);

test('a linear chain has one head and one base; walks run oldest first', () => {
  const g = new RevisionGraph([rev('aaaa1', null), rev('bbbb2', 'aaaa1'), rev('cccc3', 'bbbb2')]);
  assert.deepEqual(g.heads, ['cccc3']);
  assert.deepEqual(g.bases, ['aaaa1']);
  assert.deepEqual(ids(upgradeSteps(g, [], 'head')), ['aaaa1', 'bbbb2', 'cccc3']);
  assert.deepEqual(ids(upgradeSteps(g, ['aaaa1'], '+1')), ['bbbb2']);
  assert.deepEqual(ids(resolveRevisionSpec(g, '-1', { current: ['cccc3'] })), ['bbbb2']);
  assert.deepEqual(ids(resolveRevisionSpec(g, '-3', { current: ['cccc3'] })), []);
  assert.deepEqual(ids(resolveRevisionSpec(g, 'bbbb2+1')), ['cccc3']);
  assert.deepEqual(ids(resolveRevisionSpec(g, 'current', { current: ['bbbb2'] })), ['bbbb2']);
  assert.deepEqual(ids(resolveRevisionSpec(g, 'base')), []);
  assert.deepEqual(ids(revisionsInRange(g, 'aaaa1', 'cccc3')), ['cccc3', 'bbbb2', 'aaaa1']);
});

test('branch points, a three-parent merge and merge points', () => {
  const g = new RevisionGraph([
    rev('base0', null),
    rev('left1', 'base0'),
    rev('mid11', 'base0'),
    rev('right', 'base0'),
    rev('merge', ['left1', 'mid11', 'right']),
  ]);
  assert.ok(g.isBranchPoint('base0'));
  assert.ok(g.isMergePoint('merge'));
  assert.deepEqual(g.heads, ['merge']);
  assert.deepEqual([...g.ancestors('merge')].sort(), ['base0', 'left1', 'mid11', 'right']);
  assert.deepEqual([...g.descendants('base0')].sort(), ['left1', 'merge', 'mid11', 'right']);
  const steps = ids(upgradeSteps(g, [], 'heads')) as string[];
  assert.equal(steps[0], 'base0');
  assert.equal(steps[steps.length - 1], 'merge');
  assert.equal(resolveRevisionSpec(g, 'base0+1').kind, 'error', 'walking up from a branch point is ambiguous');
});

test('branch labels propagate to descendants; label@head and label@base resolve on the branch', () => {
  const g = new RevisionGraph([rev('core1', null), rev('core2', 'core1'), rev('feat1', null, "branch_labels = ('feature',)\n"), rev('feat2', 'feat1')]);
  assert.deepEqual(g.labelsOf('feat2'), ['feature']);
  assert.deepEqual(g.labelsOf('core2'), []);
  assert.deepEqual(ids(resolveRevisionSpec(g, 'feature@head')), ['feat2']);
  assert.deepEqual(ids(resolveRevisionSpec(g, 'feature@heads')), ['feat2']);
  assert.equal(resolveRevisionSpec(g, 'head').kind, 'error');
  assert.match((resolveRevisionSpec(g, 'head') as { message: string }).message, /^Multiple head revisions are present for given argument 'head'/);
  assert.deepEqual(ids(resolveRevisionSpec(g, 'heads')).toString(), ['core2', 'feat2'].toString());
  // Independent labelled branches are not a multiple-heads problem for the unlabelled one alone.
  const problems = graphProblems(
    g,
    g.nodes().map((n) => n.migration),
  );
  assert.ok(!problems.some((p) => p.ruleId === 'multiple-heads'), JSON.stringify(problems.map((p) => p.message)));
});

test('depends_on on a revision or a label: effective heads versus real heads', () => {
  const g = new RevisionGraph([rev('aaaa', null), rev('bbbb', null, "branch_labels = 'other'\n"), rev('cccc', 'aaaa', "depends_on = 'other'\n")]);
  assert.deepEqual(g.get('cccc')!.dependencies, ['bbbb']);
  assert.deepEqual(g.heads.sort(), ['bbbb', 'cccc'], 'bbbb is an effective head: alembic heads prints it');
  assert.deepEqual(g.realHeads, ['cccc'], 'but upgrade heads only needs cccc');
  assert.deepEqual((ids(upgradeSteps(g, [], 'heads')) as string[]).sort(), ['aaaa', 'bbbb', 'cccc']);
});

test('ambiguous prefixes are an error listing the candidates; short prefixes need four characters', () => {
  const g = new RevisionGraph([rev('abcd1111', null), rev('abcd2222', 'abcd1111')]);
  const r = resolveRevisionSpec(g, 'abcd');
  assert.equal(r.kind, 'error');
  assert.deepEqual(r.kind === 'error' ? r.candidates?.sort() : [], ['abcd1111', 'abcd2222']);
  assert.deepEqual(ids(resolveRevisionSpec(g, 'abcd2')), ['abcd2222']);
  assert.match(ids(resolveRevisionSpec(g, 'nope')) as string, /Can't locate revision identified by 'nope'/);
});

test('graph problems: missing parent on the exact string, duplicates point at each other, cycles terminate', () => {
  const orphanSrc = `revision = 'orph1'\ndown_revision = 'gone99'\n`;
  const orphan = file('orph1', orphanSrc);
  const dupA = rev('dupe1', null);
  const dupB = { ...rev('dupe1', null), file: '/p/versions/other.py' };
  const cycA = rev('cyc1', 'cyc2');
  const cycB = rev('cyc2', 'cyc1');
  const files = [orphan, dupA, dupB, cycA, cycB, rev('root0', null)];
  const g = new RevisionGraph(files);
  const problems = graphProblems(g, files);
  const missing = problems.find((p) => p.ruleId === 'missing-parent')!;
  assert.equal(textAt(orphanSrc, missing.range), "'gone99'");
  const dups = problems.filter((p) => p.ruleId === 'duplicate-revision');
  assert.deepEqual(dups.map((p) => p.file).sort(), ['/p/versions/dupe1.py', '/p/versions/other.py']);
  assert.equal(dups[0].related![0].file, dups[1].file);
  const cycles = problems
    .filter((p) => p.ruleId === 'revision-cycle')
    .map((p) => p.file)
    .sort();
  assert.deepEqual(cycles, ['/p/versions/cyc1.py', '/p/versions/cyc2.py']);
});

test('per-file rules: invalid ids, header drift, computed values, files without a revision', () => {
  const bad = file('bad', `revision = 'has-dash'\ndown_revision = None\n`);
  const drift = rev('driftx', 'aaaa');
  drift.decls.header.revises!.ids[0].value = 'zzzz';
  const computed = file('dyn', `revision = 'dyn1'\ndown_revision = None\nbranch_labels = (cli.EXPAND,)\n`);
  const empty = file('empty', `# nothing here\n`);
  const files = [bad, drift, computed, empty, rev('aaaa', null)];
  const problems = graphProblems(new RevisionGraph(files), files);
  const by = (id: string): string[] => problems.filter((p) => p.ruleId === id).map((p) => p.file.split('/').pop()!);
  assert.deepEqual(by('invalid-revision-id'), ['bad.py']);
  assert.deepEqual(by('header-mismatch'), ['driftx.py']);
  assert.deepEqual(by('dynamic-revision-value'), ['dyn.py']);
  assert.deepEqual(by('unparsable-migration'), ['empty.py']);
});

test('two unlabelled heads are a multiple-heads warning on each head, listing both', () => {
  const files = [rev('aaaa', null), rev('left', 'aaaa'), rev('rght', 'aaaa')];
  const problems = graphProblems(new RevisionGraph(files), files).filter((p) => p.ruleId === 'multiple-heads');
  assert.deepEqual(problems.map((p) => p.file.split('/').pop()).sort(), ['left.py', 'rght.py']);
  assert.equal(problems[0].severity, 'warning');
  assert.match(problems[0].message, /left.*rght|rght.*left/);
});

test('5,000 linear revisions build without recursion limits', () => {
  const files = [rev('r0', null)];
  for (let i = 1; i < 5000; i++) files.push(rev(`r${i}`, `r${i - 1}`));
  const g = new RevisionGraph(files);
  assert.deepEqual(g.heads, ['r4999']);
  assert.equal(g.ancestors('r4999').size, 4999);
  assert.equal((ids(upgradeSteps(g, [], 'head')) as string[]).length, 5000);
});

test('flags: a missing parent by id, in a merge, or none when the parent is named by its label', () => {
  const g = new RevisionGraph([
    rev('a', null, "branch_labels = ('trunk',)\n"),
    rev('b', 'trunk'),
    rev('c', 'gone'),
    rev('d', ['b', 'lost']),
    rev('e', ['b', 'c']),
  ]);
  assert.deepEqual(revisionFlags(g, 'a'), ['base']);
  assert.deepEqual(revisionFlags(g, 'b'), ['branchpoint']);
  assert.deepEqual(revisionFlags(g, 'c'), ['missing-parent']);
  assert.deepEqual(revisionFlags(g, 'd'), ['head', 'mergepoint', 'missing-parent']);
  assert.deepEqual(revisionFlags(g, 'e'), ['head', 'mergepoint']);
});

test('nodesChildrenFirst: children before parents, heads in load order, a cycle appended in load order', () => {
  const g = new RevisionGraph([rev('a', null), rev('b', 'a'), rev('c', 'a'), rev('x', 'y'), rev('y', 'x')]);
  assert.deepEqual(
    g.nodesChildrenFirst().map((n) => n.id),
    ['b', 'c', 'a', 'x', 'y'],
  );
});

test('updateDownRevision on a revision whose parent is also a dependency keeps each child list right', () => {
  const lists = (g: RevisionGraph): unknown => g.nodes().map((x) => [x.id, x.parents, x.children, x.allChildren, x.dependencies]);
  for (const [before, after] of [
    ['p', 'q'],
    ['q', 'p'],
  ]) {
    const files = [rev('p', null), rev('q', 'p'), rev('n', before, "depends_on = 'p'\n")];
    const g = new RevisionGraph(files);
    const next = rev('n', after, "depends_on = 'p'\n");
    assert.equal(g.updateDownRevision(files[2], next), true);
    assert.deepEqual(lists(g), lists(new RevisionGraph([files[0], files[1], next])), `${before} → ${after}`);
  }
});

test('updateDownRevision: random down_revision edits leave the graph equal to a rebuild from the edited files', () => {
  let seed = 20261129;
  const random = (n: number): number => {
    // mulberry32: deterministic, and its low bits are as random as its high ones.
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n) | 0;
  };
  const n = 60;
  const ids = Array.from({ length: n }, (_, i) => `r${String(i).padStart(3, '0')}`);
  const extra = (i: number): string => (i % 17 === 5 ? `branch_labels = ('lbl${i}',)\n` : '') + (i % 13 === 9 ? `depends_on = '${ids[2]}'\n` : '');
  const downs: Array<string | string[] | null> = ids.map((_, i) => (i === 0 ? null : i % 11 === 3 ? ids[i - 3] : ids[i - 1]));
  let files = ids.map((id, i) => rev(id, downs[i], extra(i)));
  let g = new RevisionGraph(files);
  const snapshot = (graph: RevisionGraph): unknown => ({
    nodes: graph.nodes().map((x) => ({
      id: x.id,
      file: x.migration.file,
      down: x.downRevisions,
      parents: x.parents,
      children: x.children,
      allChildren: x.allChildren,
      deps: x.dependencies,
      normalized: x.normalizedDependencies,
      labels: [...x.labels],
    })),
    heads: graph.heads,
    realHeads: graph.realHeads,
    bases: graph.bases,
    realBases: graph.realBases,
    issues: graph.issues.map((i) => JSON.stringify(i)).sort(),
    history: graph.nodesNewestFirst().map((x) => x.id),
  });
  let fast = 0;
  let revert: number | undefined;
  for (let step = 0; step < 400; step++) {
    // An edit to any id may close a cycle; the next step takes it back, as a user would.
    const k = revert ?? random(n);
    const pick = revert !== undefined ? 9 : random(10);
    revert = pick === 4 ? k : undefined;
    const down =
      pick === 0
        ? null
        : pick === 1
          ? `zz${random(99)}`
          : pick === 2
            ? [ids[random(k + 1)], ids[random(k + 1)]] // now and then a self reference
            : k === 0
              ? null
              : pick === 3
                ? `lbl${[5, 22, 39, 56].filter((l) => l < k)[0] ?? 5}`
                : pick === 4
                  ? ids[random(n)]
                  : ids[Math.max(0, k - 1 - random(4))];
    const next = rev(ids[k], down, extra(k));
    const updated = g.updateDownRevision(files[k], next);
    files = files.map((f, i) => (i === k ? next : f));
    if (updated) {
      fast++;
      assert.deepEqual(snapshot(g), snapshot(new RevisionGraph(files)), `step ${step}: ${ids[k]} → ${JSON.stringify(down)}`);
    } else {
      g = new RevisionGraph(files);
    }
  }
  // The fast path must actually have been taken (and cycles, labels and merges exercised).
  assert.ok(fast > 150, `only ${fast} of 400 edits took the in-place path`);
});
