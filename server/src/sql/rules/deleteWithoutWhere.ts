import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'delete-without-where';

export const deleteWithoutWhere: SqlRule = {
  id,
  meta: { ...catalogMeta(id), absence: true },
  check(statement, context) {
    if (statement.kind === 'DeleteStmt' && !statement.node.whereClause)
      context.report(id, context.keyword, 'DELETE without WHERE removes every row: add the WHERE you meant, or use TRUNCATE deliberately.');
  },
};
