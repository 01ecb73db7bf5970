/**
 * The client's pure parts of "a database on another branch's revision": the temporary config
 * that adds a folder to `version_locations` (every separator alembic knows, `%(here)s`, values
 * on several lines, no key at all), and the tree's "from branch" rows and branch filter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { branchConfigText } from '../../client/src/model/branchConfig';
import { fromBranchRows, GraphView, topRows } from '../../client/src/model/graphModel';
import type { GitInfoResult, LocateRevisionResult, RevisionGraphResult, RevisionNode } from '../../server/src/shared/protocol';

const base = { iniDir: '/p', versionLocations: ['/p/migrations/versions'], extraFolder: '/tmp/b/versions', osDelimiter: ':' };
const line = (text: string, key: string): string | undefined => text.split('\n').find((l) => l.startsWith(`${key} =`));

test('no version_locations: the project locations plus the folder, after the [alembic] header; %(here)s made absolute', () => {
  const out = branchConfigText({ ...base, iniText: '[alembic]\nscript_location = %(here)s/migrations\n\n[loggers]\nkeys = root\n' });
  assert.equal(line(out, 'version_locations'), 'version_locations = /p/migrations/versions /tmp/b/versions');
  assert.equal(line(out, 'script_location'), 'script_location = /p/migrations');
  assert.match(out, /\[loggers\]\nkeys = root/);
  assert.equal(out.split('\n')[1], 'version_locations = /p/migrations/versions /tmp/b/versions');
});

test("an existing value keeps its entries and gets the folder with the ini's own separator", () => {
  const cases: Array<[string, string]> = [
    ['', 'version_locations = %(here)s/a %(here)s/b'],
    ['version_path_separator = os', 'version_locations = %(here)s/a:%(here)s/b'],
    ['version_path_separator = semicolon', 'version_locations = %(here)s/a;%(here)s/b'],
    ['path_separator = colon', 'version_locations = %(here)s/a:%(here)s/b'],
  ];
  const expected = ['/p/a /p/b /tmp/b/versions', '/p/a:/p/b:/tmp/b/versions', '/p/a;/p/b;/tmp/b/versions', '/p/a:/p/b:/tmp/b/versions'];
  cases.forEach(([sep, v], i) => {
    const out = branchConfigText({ ...base, iniText: `[alembic]\nscript_location = migrations\n${sep}\n${v}\n` });
    assert.equal(line(out, 'version_locations'), `version_locations = ${expected[i]}`, sep);
  });
  const multi = branchConfigText({ ...base, iniText: '[alembic]\npath_separator = newline\nversion_locations =\n    %(here)s/a\n    %(here)s/b\nx = 1\n' });
  assert.match(multi, /version_locations = \n\/p\/a\n\/p\/b\n {4}\/tmp\/b\/versions\nx = 1/);
});

test('paths with spaces and no separator declared: version_path_separator = os is added; a missing section is an error', () => {
  const out = branchConfigText({ ...base, versionLocations: ['/my p/versions'], iniText: '[alembic]\nscript_location = migrations\n' });
  assert.equal(line(out, 'version_path_separator'), 'version_path_separator = os');
  assert.equal(line(out, 'version_locations'), 'version_locations = /my p/versions:/tmp/b/versions');
  assert.throws(() => branchConfigText({ ...base, iniText: '[other]\nx = 1\n' }), /no \[alembic\] section/);
  const pct = branchConfigText({ ...base, iniDir: '/100%/p', iniText: '[alembic]\nscript_location = %(here)s/m\n' });
  assert.equal(line(pct, 'script_location'), 'script_location = /100%%/p/m');
});

function node(id: string, parents: string[], children: string[]): RevisionNode {
  return {
    id,
    message: `m ${id}`,
    uri: `file:///p/${id}.py`,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
    parents,
    children,
    labels: [],
    dependencies: [],
    flags: [],
  };
}

test('tree: "from branch" rows first, greyed, newest first; the branch filter keeps only what this branch added', () => {
  const graph: RevisionGraphResult = { projectId: 'p', generation: 1, nodes: [node('b2', ['a1'], []), node('a1', [], ['b2'])], heads: ['b2'], bases: ['a1'] };
  const view = new GraphView(graph);
  const located: LocateRevisionResult = {
    kind: 'found',
    locations: [{ path: 'migrations/versions/f2.py', commit: 'c'.repeat(40), ref: 'feature/x' }],
    chain: {
      ref: 'feature/x',
      commit: 'c'.repeat(40),
      commonAncestors: ['a1'],
      migrations: [
        { id: 'f2', message: 'second', parents: ['f1'], repoPath: 'migrations/versions/f2.py', uri: 'file:///p/f2.py', text: '' },
        { id: 'f1', message: 'first', parents: ['a1'], repoPath: 'migrations/versions/f1.py', uri: 'file:///p/f1.py', text: '' },
      ],
    },
  };
  const git: GitInfoResult = {
    projectId: 'p',
    base: 'main',
    revisions: {
      a1: {
        onBase: true,
        addedOnBranch: false,
        shipped: true,
        added: { commit: 'a'.repeat(40), author: 'Ann', date: new Date().toISOString(), subject: 'init' },
      },
      b2: { onBase: false, addedOnBranch: true, shipped: false },
    },
  };
  const rows = topRows(view, new Map(), 'p', { git, fromBranches: new Map([['f2', located]]) });
  assert.deepEqual(
    rows.map((r) => [r.revision, r.icon, r.contextValue]),
    [
      ['f2', 'from-branch', 'fromBranch'],
      ['f1', 'from-branch', 'fromBranch'],
      ['b2', 'unknown', 'revision.unknown'],
      ['a1', 'unknown', 'revision.unknown'],
    ],
  );
  assert.match(rows[0].description, /second · from branch feature\/x · in the database/);
  assert.match(rows[0].tooltip, /joins this checkout at `a1`/);
  assert.match(rows[2].description, /this branch/);
  assert.match(rows[3].tooltip, /Git: added in aaaaaaa “init” by Ann, just now · on main/);
  const only = topRows(view, new Map(), 'p', { git, onlyThisBranch: true });
  assert.deepEqual(
    only.map((r) => r.revision),
    ['b2'],
  );
  const nowhere = fromBranchRows('p', 'p', 'zz', { kind: 'not-found', message: 'git has no file declaring revision zz', locations: [] });
  assert.equal(nowhere.length, 1);
  assert.match(nowhere[0].description, /git has it on no branch/);
});
