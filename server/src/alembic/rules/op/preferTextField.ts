import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { typeName } from './callArgs';

const id = 'prefer-text-field';

export const preferTextField: OpRule = {
  id,
  meta: catalogMeta(id),
  checkColumnType(t, context) {
    const tn = typeName(t);
    if ((tn === 'String' || tn === 'VARCHAR' || tn === 'Unicode') && t.kind === 'call' && t.args.some((a) => a.name === undefined || a.name === 'length')) {
      context.report(
        id,
        t.range,
        'A length limit on a string column needs a table rewrite (or ACCESS EXCLUSIVE lock) to change later: prefer sa.Text() with a CHECK constraint if a limit is needed.',
      );
    }
  },
};
