/** *Alembic: Show Revision Graph*: the lane graph of a project in a webview panel. */
import { graphPanelsOf } from '../graphView/graphPanel';
import { revisionOf } from './pickers';
import type { CommandTable } from './index';

export const graphCommands: CommandTable = {
  'alembic.showGraph': (ctx) => async (t) => {
    const p = await ctx.resolveProject(t);
    if (p) graphPanelsOf(ctx).show(p.id, revisionOf(t));
  },
};
