import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';

const id = 'model-import';

export const modelImport: OpRule = {
  id,
  meta: catalogMeta(id),
  checkFile(parsed, context) {
    for (const imp of parsed.imports) {
      const segs = imp.module.split('.');
      if (/^(sqlalchemy|alembic|sqlmodel|typing|__future__)$/.test(segs[0])) continue;
      if (segs.some((s) => s === 'models' || s === 'model')) {
        context.report(
          id,
          imp.range,
          `Importing ${imp.module} ties this migration to today's models: when they change, old migrations break. Describe tables with sa.table()/sa.column() inside the migration instead.`,
        );
      }
    }
  },
};
