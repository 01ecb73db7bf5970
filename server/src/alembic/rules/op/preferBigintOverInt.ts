import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';
import { isColumn, isTrue, kw, typeName } from './callArgs';

const id = 'prefer-bigint-over-int';

export const preferBigintOverInt: OpRule = {
  id,
  meta: catalogMeta(id),
  check(site, context) {
    for (const a of site.call.args) {
      const col = a.value;
      if (!isColumn(col)) continue;
      const colName = col.args[0]?.value.kind === 'string' ? (col.args[0].value as { value: string }).value : '';
      const typ = col.args.find((x, i) => i > 0 && x.name === undefined)?.value;
      if (typ && /^(Integer|INTEGER|INT)$/.test(typeName(typ)) && (isTrue(kw(col, 'primary_key')) || /^(id|.*_id)$/.test(colName))) {
        context.report(
          id,
          typ.range,
          `An integer id runs out at 2,147,483,647 and widening it later rewrites the table: use sa.BigInteger() for ${colName || 'ids'}.`,
        );
      }
    }
  },
};
