import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { columnAddedToLiveTable, isFalse, isTrue, kw } from './callArgs';

const id = 'adding-required-field';

export const addingRequiredField: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    const col = columnAddedToLiveTable(site, context);
    if (!col) return;
    const nullable = kw(col, 'nullable');
    const notNull = isFalse(nullable) || isTrue(kw(col, 'primary_key'));
    if (notNull && !kw(col, 'server_default')) {
      context.report(
        id,
        (nullable ?? kw(col, 'primary_key'))!.range,
        `Adding a NOT NULL column without a server_default fails on a populated ${context.table ?? 'table'}. Add it nullable (or with a server_default), backfill it, then set NOT NULL in a later migration.`,
      );
    }
  },
};
