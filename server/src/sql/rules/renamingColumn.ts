import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'renaming-column';

export const renamingColumn: SqlRule = {
  id,
  meta: catalogMeta(id),
  check(statement, context) {
    if (statement.kind === 'RenameStmt' && statement.node.renameType === 'OBJECT_COLUMN') {
      context.report(
        id,
        context.at(/\bRENAME\b/),
        'Renaming a column breaks running code that still uses the old name: add the new column, write both, backfill, switch, drop the old one.',
      );
    }
  },
};
