import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'update-without-where';

export const updateWithoutWhere: SqlRule = {
  id,
  meta: { ...catalogMeta(id), absence: true },
  check(statement, context) {
    if (statement.kind === 'UpdateStmt' && !statement.node.whereClause)
      context.report(
        id,
        context.keyword,
        'UPDATE without WHERE rewrites every row in one transaction, holding row locks on the whole table: batch by key ranges (`WHERE id BETWEEN … AND …`) or add the WHERE you meant.',
      );
  },
};
