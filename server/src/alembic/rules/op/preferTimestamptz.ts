import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { exprText, isTrue, kw, quoteSource, typeName } from './callArgs';

const id = 'prefer-timestamptz';

export const preferTimestamptz: OpRule = {
  id,
  meta: catalogMeta(id),
  checkColumnType(t, context) {
    const tn = typeName(t);
    if ((tn === 'DateTime' || tn === 'TIMESTAMP') && !(t.kind === 'call' && isTrue(kw(t, 'timezone')))) {
      context.report(
        id,
        t.range,
        `${quoteSource(exprText(context.parsed, t))} stores a timestamp without time zone: use \`sa.DateTime(timezone=True)\` (timestamptz), which PostgreSQL stores as an absolute instant.`,
      );
    }
  },
};
