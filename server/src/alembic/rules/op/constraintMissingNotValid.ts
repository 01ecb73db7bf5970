import { stringArg } from '../../downgradeGen';
import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { isTrue, kw } from './callArgs';

const id = 'constraint-missing-not-valid';

export const constraintMissingNotValid: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (context.op !== 'create_foreign_key' && context.op !== 'create_check_constraint') return;
    const t = context.batch ? context.table : stringArg(site.call, 1, context.op === 'create_foreign_key' ? 'source_table' : 'table_name');
    if (context.inUpgrade && !context.isNew(t) && !isTrue(kw(site.call, 'postgresql_not_valid'))) {
      context.report(
        id,
        context.name,
        'Adding a constraint to an existing table scans it while blocking writes: pass postgresql_not_valid=True, then `ALTER TABLE … VALIDATE CONSTRAINT …` in a later migration (it does not block writes).',
      );
    }
  },
};
