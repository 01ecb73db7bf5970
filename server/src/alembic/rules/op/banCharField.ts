import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { typeName } from './callArgs';

const id = 'ban-char-field';

export const banCharField: OpRule = {
  id,
  meta: catalogMeta(id),
  checkColumnType(t, context) {
    const tn = typeName(t);
    if (tn === 'CHAR' || tn === 'NCHAR')
      context.report(id, t.range, 'CHAR(n) pads with spaces and is no faster than text in PostgreSQL: use sa.Text() or sa.String().');
  },
};
