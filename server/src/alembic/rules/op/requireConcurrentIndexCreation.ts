import { stringArg } from '../../downgradeGen';
import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { isTrue, kw } from './callArgs';

const id = 'require-concurrent-index-creation';

export const requireConcurrentIndexCreation: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (context.op !== 'create_index' || isTrue(kw(site.call, 'postgresql_concurrently'))) return;
    const t = context.batch ? context.table : stringArg(site.call, 1, 'table_name');
    if (context.inUpgrade && !context.isNew(t)) {
      context.report(
        id,
        context.name,
        `Building an index on ${t ?? 'an existing table'} without CONCURRENTLY blocks writes until it finishes: pass postgresql_concurrently=True inside \`with op.get_context().autocommit_block():\`.`,
      );
    }
  },
};
