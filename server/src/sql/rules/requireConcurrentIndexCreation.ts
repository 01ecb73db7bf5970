import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'require-concurrent-index-creation';

export const requireConcurrentIndexCreation: SqlRule = {
  id,
  meta: { ...catalogMeta(id), absence: true },
  check(statement, context) {
    if (statement.kind !== 'IndexStmt' || statement.node.concurrent || context.isNew(context.relation)) return;
    context.report(
      id,
      context.keyword,
      `CREATE INDEX without CONCURRENTLY blocks writes to ${context.relation ?? 'the table'} while it builds: use CREATE INDEX CONCURRENTLY inside \`with op.get_context().autocommit_block():\`.`,
    );
  },
};
