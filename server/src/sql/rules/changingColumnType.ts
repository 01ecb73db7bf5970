import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'changing-column-type';

export const changingColumnType: SqlRule = {
  id,
  meta: catalogMeta(id),
  checkAlterCommand(cmd, context) {
    if (context.isNew(context.relation)) return;
    if (cmd.subtype === 'AT_AlterColumnType')
      context.report(
        id,
        cmd.keyword,
        `Changing the type of ${String(cmd.node.name)} rewrites ${context.relation} under ACCESS EXCLUSIVE for most type changes: add a new column, backfill, switch, drop the old one.`,
      );
  },
};
