/**
 * Every SQL rule, in the order their findings are reported (RULES.md "SQL inside migrations",
 * and the SQL forms of the operation rules, which share their ids).
 *
 * One module per rule in this folder (server/src/sql/rules/), in the shape of sqlRule.ts; the
 * op.* forms are in server/src/alembic/rules/op/. A rule is added by adding its file and
 * listing it here; a test checks that every file's rule is listed and every catalog id has its
 * module. Syntax errors and SQL that cannot be read (`sql-syntax-error`, `non-literal-sql`) are
 * outcomes of parsing, reported by sqlCheck.ts itself.
 */
import type { SqlRule } from '../sqlRule';
import { addingNotNullableField } from './addingNotNullableField';
import { addingRequiredField } from './addingRequiredField';
import { banCharField } from './banCharField';
import { banDropColumn } from './banDropColumn';
import { banDropDatabase } from './banDropDatabase';
import { banDropTable } from './banDropTable';
import { banTruncateCascade } from './banTruncateCascade';
import { changingColumnType } from './changingColumnType';
import { concurrentIndexInTransaction } from './concurrentIndexInTransaction';
import { constraintMissingNotValid } from './constraintMissingNotValid';
import { deleteWithoutWhere } from './deleteWithoutWhere';
import { disallowedUniqueConstraint } from './disallowedUniqueConstraint';
import { offsetPagination } from './offsetPagination';
import { preferTimestamptz } from './preferTimestamptz';
import { renamingColumn } from './renamingColumn';
import { renamingTable } from './renamingTable';
import { requireConcurrentIndexCreation } from './requireConcurrentIndexCreation';
import { requireConcurrentIndexDeletion } from './requireConcurrentIndexDeletion';
import { sqliteSyntax } from './sqliteSyntax';
import { transactionNesting } from './transactionNesting';
import { updateWithoutWhere } from './updateWithoutWhere';

export const SQL_RULES: readonly SqlRule[] = [
  // On the text, before parsing.
  sqliteSyntax,
  // On statements.
  updateWithoutWhere,
  deleteWithoutWhere,
  transactionNesting,
  banDropDatabase,
  banTruncateCascade,
  addingRequiredField,
  preferTimestamptz,
  banCharField,
  banDropColumn,
  changingColumnType,
  addingNotNullableField,
  constraintMissingNotValid,
  disallowedUniqueConstraint,
  renamingColumn,
  renamingTable,
  banDropTable,
  concurrentIndexInTransaction,
  requireConcurrentIndexDeletion,
  offsetPagination,
  requireConcurrentIndexCreation,
];
