/**
 * Every `op.*` rule, in the order their findings are reported (RULES.md "Operations").
 *
 * One module per rule in this folder (server/src/alembic/rules/op/), in the shape of opRule.ts;
 * their SQL forms are in server/src/sql/rules/. A rule is added by adding its file and listing
 * it here; a test checks that every file's rule is listed and every catalog id has its module.
 */
import type { OpRule } from '../../opRule';
import { addingFieldWithVolatileDefault } from './addingFieldWithVolatileDefault';
import { addingNotNullableField } from './addingNotNullableField';
import { addingRequiredField } from './addingRequiredField';
import { banCharField } from './banCharField';
import { banDropColumn } from './banDropColumn';
import { banDropTable } from './banDropTable';
import { changingColumnType } from './changingColumnType';
import { concurrentIndexInTransaction } from './concurrentIndexInTransaction';
import { constraintMissingNotValid } from './constraintMissingNotValid';
import { disallowedUniqueConstraint } from './disallowedUniqueConstraint';
import { downgradeNotReversing } from './downgradeNotReversing';
import { emptyDowngrade } from './emptyDowngrade';
import { identifierTooLong } from './identifierTooLong';
import { modelImport } from './modelImport';
import { offlineUnsafeDataAccess } from './offlineUnsafeDataAccess';
import { preferBigintOverInt } from './preferBigintOverInt';
import { preferTextField } from './preferTextField';
import { preferTimestamptz } from './preferTimestamptz';
import { renamingColumn } from './renamingColumn';
import { renamingTable } from './renamingTable';
import { requireConcurrentIndexCreation } from './requireConcurrentIndexCreation';
import { requireConcurrentIndexDeletion } from './requireConcurrentIndexDeletion';
import { vagueRevisionMessage } from './vagueRevisionMessage';

export const OP_RULES: readonly OpRule[] = [
  // Column types and names, on any call that declares them.
  preferTimestamptz,
  banCharField,
  preferTextField,
  identifierTooLong,
  preferBigintOverInt,
  // One operation each.
  addingRequiredField,
  addingFieldWithVolatileDefault,
  addingNotNullableField,
  changingColumnType,
  renamingColumn,
  renamingTable,
  banDropColumn,
  banDropTable,
  concurrentIndexInTransaction,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  constraintMissingNotValid,
  disallowedUniqueConstraint,
  // The whole migration.
  downgradeNotReversing,
  offlineUnsafeDataAccess,
  emptyDowngrade,
  modelImport,
  // What the migration says about itself (category naming).
  vagueRevisionMessage,
];
