import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { isFalse, kw } from './callArgs';

const id = 'adding-not-nullable-field';

export const addingNotNullableField: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (context.op !== 'alter_column' || !context.inUpgrade || context.isNew(context.table)) return;
    const nullable = kw(site.call, 'nullable');
    if (isFalse(nullable))
      context.report(
        id,
        nullable!.range,
        'SET NOT NULL scans the whole table under ACCESS EXCLUSIVE. On PostgreSQL 12+, first add `CHECK (col IS NOT NULL) NOT VALID`, VALIDATE it in another migration, then SET NOT NULL (instant) and drop the check.',
      );
  },
};
