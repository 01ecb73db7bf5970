import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';
import { columnConstraints, columnName } from './columnDef';

const id = 'adding-required-field';

export const addingRequiredField: SqlRule = {
  id,
  meta: { ...catalogMeta(id), absence: true },
  checkAlterCommand(cmd, context) {
    if (cmd.subtype !== 'AT_AddColumn' || context.isNew(context.relation)) return;
    const cons = columnConstraints(cmd);
    const dflt = cons.find((k) => k.contype === 'CONSTR_DEFAULT');
    if (
      cons.some((k) => k.contype === 'CONSTR_NOTNULL' || k.contype === 'CONSTR_PRIMARY') &&
      !dflt &&
      !cons.some((k) => k.contype === 'CONSTR_IDENTITY' || k.contype === 'CONSTR_GENERATED')
    ) {
      context.report(
        id,
        cmd.keyword,
        `ADD COLUMN ${columnName(cmd)} … NOT NULL without a DEFAULT fails on a populated ${context.relation}: add it nullable (or with a constant DEFAULT), backfill, then SET NOT NULL later.`,
      );
    }
  },
};
