/** The `graph --json` document: nodes, edges, heads, bases, labels and problems of a project. */
import type { ProjectIndex } from './projectIndex';
import { createDateOf, messageOf } from './migrationFacts';

export function graphJson(index: ProjectIndex): unknown {
  const g = index.graph;
  const nodes = g.nodesNewestFirst().map((n) => ({
    id: n.id,
    message: messageOf(n.migration),
    createDate: createDateOf(n.migration),
    file: n.migration.file,
    parents: n.parents,
    children: n.children,
    dependencies: n.dependencies,
    labels: [...n.labels],
    declaredLabels: n.declaredLabels,
    branchpoint: g.isBranchPoint(n.id),
    mergepoint: g.isMergePoint(n.id),
  }));
  const edges = [
    ...g.nodes().flatMap((n) => n.parents.map((p) => ({ from: p, to: n.id, kind: 'down_revision' }))),
    ...g.nodes().flatMap((n) => n.dependencies.map((d) => ({ from: d, to: n.id, kind: 'depends_on' }))),
  ];
  return {
    project: { name: index.project.name, config: index.project.configFile, versionLocations: index.project.versionLocations },
    nodes,
    edges,
    heads: g.heads,
    realHeads: g.realHeads,
    bases: g.bases,
    labels: Object.fromEntries(g.labels().map((l) => [l, g.labelRevision(l)])),
    problems: index.problems(),
  };
}
