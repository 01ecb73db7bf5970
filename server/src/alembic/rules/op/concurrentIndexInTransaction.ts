import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { isTrue, kw } from './callArgs';

const id = 'concurrent-index-in-transaction';

export const concurrentIndexInTransaction: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (context.op !== 'create_index' && context.op !== 'drop_index') return;
    const concurrently = kw(site.call, 'postgresql_concurrently');
    if (isTrue(concurrently) && !site.inAutocommitBlock) {
      context.report(
        id,
        concurrently!.range,
        `${context.op === 'create_index' ? 'CREATE' : 'DROP'} INDEX CONCURRENTLY cannot run inside a transaction block: wrap the call in \`with op.get_context().autocommit_block():\`.`,
      );
    }
  },
};
