import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';

const id = 'empty-downgrade';

/** Operations that read or wrap rather than change the schema. */
const NOT_A_CHANGE = /^(execute|get_bind|get_context|f|inline_literal|batch_alter_table)$/;

export const emptyDowngrade: OpRule = {
  id,
  meta: catalogMeta(id),
  checkFile(parsed, context) {
    const down = parsed.functions.find((f) => f.name === 'downgrade');
    if (!down?.isEmpty) return;
    if (context.operations.some(({ context: c }) => c.inUpgrade && !NOT_A_CHANGE.test(c.op))) {
      context.report(
        id,
        down.nameRange,
        'upgrade() changes the schema but downgrade() does nothing, so `alembic downgrade` silently leaves the changes in place. Write the reverse operations (quick fix: generate them).',
      );
    }
  },
};
