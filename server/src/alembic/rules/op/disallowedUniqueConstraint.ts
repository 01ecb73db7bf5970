import { stringArg } from '../../downgradeGen';
import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';

const id = 'disallowed-unique-constraint';

export const disallowedUniqueConstraint: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    if (context.op !== 'create_unique_constraint') return;
    const t = context.batch ? context.table : stringArg(site.call, 1, 'table_name');
    if (context.inUpgrade && !context.isNew(t))
      context.report(
        id,
        context.name,
        'A unique constraint builds its index while blocking writes: create a unique index CONCURRENTLY (in an autocommit block), then `ADD CONSTRAINT … UNIQUE USING INDEX …`.',
      );
  },
};
