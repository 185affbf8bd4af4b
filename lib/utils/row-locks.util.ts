import type { EntityManager } from 'typeorm';

/** TypeORM drivers that run every query of a process on one shared connection, with no row locks (the SQLite family). */
const SINGLE_CONNECTION_DRIVERS = new Set<string>([
  'sqlite',
  'better-sqlite3',
  'sqljs',
  'capacitor',
  'cordova',
  'expo',
  'nativescript',
  'react-native',
]);

/**
 * Whether the database behind `manager` locks rows (`SELECT … FOR UPDATE`); the SQLite family shares one connection
 * per process instead, so work that must not interleave is queued in the process there.
 * @internal
 */
export function hasRowLocks(manager: EntityManager): boolean {
  return !SINGLE_CONNECTION_DRIVERS.has(manager.connection.options.type);
}
