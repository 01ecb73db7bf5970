import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';

const id = 'adding-not-nullable-field';

export const addingNotNullableField: SqlRule = {
  id,
  meta: catalogMeta(id),
  checkAlterCommand(cmd, context) {
    if (context.isNew(context.relation)) return;
    if (cmd.subtype === 'AT_SetNotNull')
      context.report(
        id,
        cmd.keyword,
        `SET NOT NULL on ${String(cmd.node.name)} scans ${context.relation} under ACCESS EXCLUSIVE: add CHECK (… IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL.`,
      );
  },
};
