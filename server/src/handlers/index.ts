/** Every LSP request handler: `(state, params, token) → result` over the domain core. */
export { definition, references, prepareRename, rename, completion } from './navigation';
export {
  hover,
  documentSymbols,
  workspaceSymbols,
  projects,
  revisionGraph,
  projectsFromSnapshots,
  revisionGraphFromSnapshot,
  graphResult,
  revisionRisks,
} from './info';
export { codeActions, newRevision } from './codeActions';
export { gitInfo, locate } from './git';
export { squashPlan } from './squash';
