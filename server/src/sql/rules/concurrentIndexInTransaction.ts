import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'concurrent-index-in-transaction';

export const concurrentIndexInTransaction: SqlRule = {
  id,
  meta: catalogMeta(id),
  check(statement, context) {
    if (!statement.node.concurrent || context.insideAutocommitBlock) return;
    if (statement.kind === 'IndexStmt') {
      context.report(
        id,
        context.keyword,
        'CREATE INDEX CONCURRENTLY cannot run inside a transaction block: wrap it in `with op.get_context().autocommit_block():`.',
      );
    } else if (statement.kind === 'DropStmt' && statement.node.removeType === 'OBJECT_INDEX') {
      context.report(
        id,
        context.keyword,
        'DROP INDEX CONCURRENTLY cannot run inside a transaction block: wrap it in `with op.get_context().autocommit_block():`.',
      );
    }
  },
};
