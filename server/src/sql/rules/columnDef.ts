/** Reading `ALTER TABLE … ADD COLUMN` commands, for the rules in this folder. */
import type { AlterCommand } from '../sqlRule';

function columnDef(cmd: AlterCommand): Record<string, unknown> {
  const def = cmd.node.def as Record<string, Record<string, unknown>> | undefined;
  return def?.ColumnDef ?? {};
}

/** The added column's name. */
export function columnName(cmd: AlterCommand): string {
  return String(columnDef(cmd).colname);
}

/** The added column's constraints (NOT NULL, DEFAULT, PRIMARY KEY, IDENTITY…). */
export function columnConstraints(cmd: AlterCommand): Array<Record<string, unknown>> {
  return ((columnDef(cmd).constraints as Array<{ Constraint: Record<string, unknown> }>) ?? []).map((x) => x.Constraint);
}

/** The added column's type as PostgreSQL names it (`timestamp`, `bpchar`, `int4`). */
export function columnTypeName(cmd: AlterCommand): string | undefined {
  const names = ((columnDef(cmd).typeName as { names?: Array<{ String: { sval: string } }> })?.names ?? []).map((n) => n.String?.sval);
  return names[names.length - 1];
}

/** The constraint an `ADD CONSTRAINT` command adds. */
export function addedConstraint(cmd: AlterCommand): Record<string, unknown> {
  const def = cmd.node.def as Record<string, Record<string, unknown>> | undefined;
  return def?.Constraint ?? {};
}
