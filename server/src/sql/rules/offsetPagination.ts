import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'offset-pagination';

export const offsetPagination: SqlRule = {
  id,
  meta: catalogMeta(id),
  check(statement, context) {
    if (statement.kind === 'SelectStmt' && statement.node.limitOffset && statement.node.limitCount) {
      context.report(
        id,
        context.keyword,
        'LIMIT … OFFSET batching rescans every earlier row (quadratic) and, without ORDER BY, skips or repeats rows: batch by key ranges (`WHERE id > :last ORDER BY id LIMIT :n`).',
      );
    }
  },
};
