/**
 * What PostgreSQL does when a flagged operation runs on a live table, by rule id: the words a
 * run's confirmation puts next to the table's size. Shared by the server (which finds the
 * operations) and the client (which reads the sizes and asks).
 */
export const RISK_EFFECTS: Readonly<Record<string, string>> = {
  'adding-required-field': 'fails on a table that has rows',
  'adding-not-nullable-field': 'scans the whole table under ACCESS EXCLUSIVE',
  'adding-field-with-volatile-default': 'full rewrite under ACCESS EXCLUSIVE',
  'changing-column-type': 'full rewrite under ACCESS EXCLUSIVE',
  'require-concurrent-index-creation': 'blocks writes until the index is built',
  'require-concurrent-index-deletion': 'ACCESS EXCLUSIVE while the index is dropped',
  'constraint-missing-not-valid': 'scans the whole table while blocking writes',
  'disallowed-unique-constraint': 'builds an index while blocking writes',
  'ban-drop-column': 'drops a column running code may still read',
  'ban-drop-table': 'drops the table and its rows',
  'renaming-column': 'breaks running code that uses the old name',
  'renaming-table': 'breaks running code that uses the old name',
  'ban-truncate-cascade': 'empties the table and every table that references it',
};

/**
 * Operations that lose data: an upgrade that runs one offers *Back Up First* (as every downgrade
 * and stamp does).
 */
export const DESTRUCTIVE_RULES: ReadonlySet<string> = new Set(['ban-drop-column', 'ban-drop-table', 'changing-column-type', 'ban-truncate-cascade']);

export const isRiskRule = (ruleId: string): boolean => Object.prototype.hasOwnProperty.call(RISK_EFFECTS, ruleId);
