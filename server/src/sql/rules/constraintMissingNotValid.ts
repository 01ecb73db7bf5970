import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';
import { addedConstraint } from './columnDef';

const id = 'constraint-missing-not-valid';

export const constraintMissingNotValid: SqlRule = {
  id,
  meta: { ...catalogMeta(id), absence: true },
  checkAlterCommand(cmd, context) {
    if (cmd.subtype !== 'AT_AddConstraint' || context.isNew(context.relation)) return;
    const k = addedConstraint(cmd);
    if ((k.contype === 'CONSTR_FOREIGN' || k.contype === 'CONSTR_CHECK') && !k.skip_validation) {
      context.report(
        id,
        cmd.keyword,
        'Adding this constraint validates every row while blocking writes: add it NOT VALID, then VALIDATE CONSTRAINT in a later migration.',
      );
    }
  },
};
