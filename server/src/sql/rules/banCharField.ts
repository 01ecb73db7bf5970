import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';
import { columnTypeName } from './columnDef';

const id = 'ban-char-field';

export const banCharField: SqlRule = {
  id,
  meta: catalogMeta(id),
  checkAlterCommand(cmd, context) {
    if (context.isNew(context.relation)) return;
    if (cmd.subtype === 'AT_AddColumn' && columnTypeName(cmd) === 'bpchar')
      context.report(id, cmd.keyword, 'CHAR(n) pads with spaces and is no faster than text in PostgreSQL: use text or varchar.');
  },
};
