import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'ban-drop-table';

export const banDropTable: SqlRule = {
  id,
  meta: catalogMeta(id),
  check(statement, context) {
    if (statement.kind !== 'DropStmt' || statement.node.removeType !== 'OBJECT_TABLE') return;
    const names = ((statement.node.objects as Array<{ List: { items: Array<{ String: { sval: string } }> } }>) ?? []).map(
      (o) => o.List.items.at(-1)?.String.sval,
    );
    if (names.some((n) => !context.isNew(n)))
      context.report(
        id,
        context.keyword,
        'Dropping a table breaks running code and loses its data: stop using it, back it up, then drop it in a contract migration.',
      );
  },
};
