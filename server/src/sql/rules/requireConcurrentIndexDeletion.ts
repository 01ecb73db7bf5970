import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'require-concurrent-index-deletion';

export const requireConcurrentIndexDeletion: SqlRule = {
  id,
  meta: { ...catalogMeta(id), absence: true },
  check(statement, context) {
    if (statement.kind === 'DropStmt' && statement.node.removeType === 'OBJECT_INDEX' && !statement.node.concurrent) {
      context.report(
        id,
        context.keyword,
        'DROP INDEX takes ACCESS EXCLUSIVE on the table: use DROP INDEX CONCURRENTLY inside `with op.get_context().autocommit_block():`.',
      );
    }
  },
};
