import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';
import { columnTypeName } from './columnDef';

const id = 'prefer-timestamptz';

export const preferTimestamptz: SqlRule = {
  id,
  meta: catalogMeta(id),
  checkAlterCommand(cmd, context) {
    if (context.isNew(context.relation)) return;
    if (cmd.subtype === 'AT_AddColumn' && columnTypeName(cmd) === 'timestamp')
      context.report(id, cmd.keyword, 'TIMESTAMP WITHOUT TIME ZONE stores wall-clock time with no offset: use timestamptz.');
  },
};
