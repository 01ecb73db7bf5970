import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { columnAddedToLiveTable, exprText, kw, quoteSource } from './callArgs';

const id = 'adding-field-with-volatile-default';

const VOLATILE =
  /\b(now|gen_random_uuid|uuid_generate_v[14]|random|clock_timestamp|timeofday|nextval|statement_timestamp|transaction_timestamp)\s*\(|\bcurrent_timestamp\b/i;

export const addingFieldWithVolatileDefault: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    const col = columnAddedToLiveTable(site, context);
    if (!col) return;
    const def = kw(col, 'server_default');
    if (def && VOLATILE.test(exprText(context.parsed, def.value))) {
      context.report(
        id,
        def.range,
        `A volatile server_default (${quoteSource(exprText(context.parsed, def.value))}) makes PostgreSQL rewrite the whole ${context.table ?? 'table'} under ACCESS EXCLUSIVE (or gives every existing row the migration's timestamp). Add the column without a default, then set the default and backfill in batches.`,
      );
    }
  },
};
