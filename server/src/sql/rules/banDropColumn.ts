import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'ban-drop-column';

export const banDropColumn: SqlRule = {
  id,
  meta: catalogMeta(id),
  checkAlterCommand(cmd, context) {
    if (context.isNew(context.relation)) return;
    if (cmd.subtype === 'AT_DropColumn')
      context.report(
        id,
        cmd.keyword,
        `Dropping column ${String(cmd.node.name)} breaks running code that still reads it: deploy code that no longer uses it first, then drop it in a contract migration.`,
      );
  },
};
