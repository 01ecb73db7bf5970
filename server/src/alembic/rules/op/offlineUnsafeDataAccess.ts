import type { Expr } from '../../migrationParser';
import type { OpRule } from '../../opRule';
import { catalogMeta } from '../../rules';

const id = 'offline-unsafe-data-access';

const FETCH = /^(fetchall|fetchone|fetchmany|scalar|scalars|scalar_one|scalar_one_or_none|first|one|one_or_none|all|mappings|keys)$/;

/** Data read through `op.get_bind()` with no `is_offline_mode()` guard: `alembic upgrade --sql` crashes on it. */
export const offlineUnsafeDataAccess: OpRule = {
  id,
  meta: catalogMeta(id),
  checkFile(parsed, context) {
    const binds = new Set(parsed.assignments.filter((a) => a.value.kind === 'call' && /^op\.get_bind$/.test(a.value.callee)).map((a) => a.name));
    const isBind = (e: Expr | undefined): boolean => !!e && ((e.kind === 'name' && binds.has(e.name)) || (e.kind === 'call' && e.callee === 'op.get_bind'));
    for (const site of parsed.calls) {
      if (site.guardedMode === 'online') continue;
      const c = site.call;
      let hit = false;
      if (/^(sa\.|sqlalchemy\.)?inspect$/.test(c.callee) && isBind(c.args[0]?.value)) hit = true;
      if (c.func.kind === 'attribute' && FETCH.test(c.func.attr)) {
        const inner = c.func.object;
        if (inner.kind === 'call' && /(?:^|\.)execute$/.test(inner.callee)) {
          const target =
            inner.func.kind === 'attribute'
              ? inner.func.object
              : inner.func.kind === 'name'
                ? ({ ...inner.func, name: inner.func.name.replace(/\.execute$/, '') } as Expr)
                : undefined;
          if (isBind(target)) hit = true;
        }
      }
      if (hit) {
        context.report(
          id,
          c.range,
          'Reading data through op.get_bind() fails in offline mode (`alembic upgrade --sql` has no database): guard it with `if not context.is_offline_mode():`, or write the change as plain SQL.',
        );
      }
    }
  },
};
