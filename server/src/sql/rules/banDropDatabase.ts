import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'ban-drop-database';

export const banDropDatabase: SqlRule = {
  id,
  meta: catalogMeta(id),
  check(statement, context) {
    if (statement.kind === 'DropdbStmt') context.report(id, context.keyword, 'DROP DATABASE has no place in a migration.');
  },
};
