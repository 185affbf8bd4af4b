import { QueryFailedError } from 'typeorm';

/**
 * Whether a TypeORM error is a unique-constraint violation on SQLite, PostgreSQL or
 * MySQL/MariaDB.
 * @internal
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = (error as QueryFailedError & { driverError?: { code?: unknown; errno?: unknown } }).driverError;
  const code = driverError?.code;
  return (
    code === '23505' || // PostgreSQL unique_violation
    code === 'ER_DUP_ENTRY' || // MySQL / MariaDB
    driverError?.errno === 1062 ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
