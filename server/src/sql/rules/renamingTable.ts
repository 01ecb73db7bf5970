import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'renaming-table';

export const renamingTable: SqlRule = {
  id,
  meta: catalogMeta(id),
  check(statement, context) {
    if (statement.kind === 'RenameStmt' && statement.node.renameType === 'OBJECT_TABLE') {
      context.report(id, context.at(/\bRENAME\b/), 'Renaming a table breaks running code that still uses the old name.');
    }
  },
};
