import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'transaction-nesting';

export const transactionNesting: SqlRule = {
  id,
  meta: catalogMeta(id),
  check(statement, context) {
    if (statement.kind !== 'TransactionStmt') return;
    if (/BEGIN|START|COMMIT|ROLLBACK|PREPARE/.test(typeof statement.node.kind === 'string' ? statement.node.kind : '')) {
      context.report(
        id,
        context.keyword,
        'Alembic already runs each migration in a transaction: BEGIN/COMMIT/ROLLBACK here ends it early or nests it. Use `with op.get_context().autocommit_block():` for statements that must run outside a transaction.',
      );
    }
  },
};
