import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'ban-truncate-cascade';

export const banTruncateCascade: SqlRule = {
  id,
  meta: catalogMeta(id),
  check(statement, context) {
    if (statement.kind === 'TruncateStmt' && statement.node.behavior === 'DROP_CASCADE')
      context.report(id, context.keyword, 'TRUNCATE … CASCADE also empties every table with a foreign key to this one, recursively.');
  },
};
