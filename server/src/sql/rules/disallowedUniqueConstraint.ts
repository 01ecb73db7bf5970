import { catalogMeta } from '../../alembic/rules';
import type { SqlRule } from '../sqlRule';
import { addedConstraint } from './columnDef';

const id = 'disallowed-unique-constraint';

export const disallowedUniqueConstraint: SqlRule = {
  id,
  meta: catalogMeta(id),
  checkAlterCommand(cmd, context) {
    if (cmd.subtype !== 'AT_AddConstraint' || context.isNew(context.relation)) return;
    const k = addedConstraint(cmd);
    if ((k.contype === 'CONSTR_UNIQUE' || k.contype === 'CONSTR_PRIMARY') && !k.indexname) {
      context.report(
        id,
        cmd.keyword,
        'ADD UNIQUE builds its index while blocking writes: CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX.',
      );
    }
  },
};
