/**
 * Every `alembic.*` command, registered from one table: each command is a small factory
 * `(ctx) => handler` in the file of its theme (run, revisions, sql, navigation). A command that
 * throws is logged with its stack and reported once, with the log one click away.
 */
import * as vscode from 'vscode';
import { reportFailure, type Ctx, type Target } from '../ctx';
import { runCommands } from './run';
import { revisionCommands } from './revisions';
import { sqlCommands } from './sql';
import { navigationCommands } from './navigation';
import { doctorCommands } from './doctor';
import { branchCommands } from './branch';
import { graphCommands } from './graph';
import { verifyCommands } from './verify';
import { squashCommands } from './squash';

export type CommandTable = Record<string, (ctx: Ctx) => (arg: Target) => unknown>;

export const COMMANDS: CommandTable = {
  ...runCommands,
  ...revisionCommands,
  ...sqlCommands,
  ...navigationCommands,
  ...doctorCommands,
  ...branchCommands,
  ...graphCommands,
  ...verifyCommands,
  ...squashCommands,
};

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, make]) => {
    const handler = make(ctx);
    return vscode.commands.registerCommand(id, async (arg?: Target) => {
      try {
        await handler(arg);
      } catch (e) {
        ctx.log.error(`[command] ${id}: ${(e as Error).stack ?? String(e)}`);
        void reportFailure(ctx.log, `Alembic: ${id} failed — ${(e as Error).message}`);
      }
    });
  });
}
