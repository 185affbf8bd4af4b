import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { DataSource, EntityManager, EntityMetadata, ObjectLiteral, QueryRunner, Repository } from 'typeorm';
import { AuthToken } from '../entities/auth-token.entity';
import { WeChatAccount } from '../entities/wechat-account.entity';

/** The profile columns `updateUserInfo` writes, in the order of {@link AccountStatements.updateProfile}'s values. */
const PROFILE_FIELDS = ['nickName', 'avatarUrl', 'gender', 'city', 'province', 'country', 'language'] as const;

/** The profile fields of an `updateUserInfo`; `unionId` is stored only where the account has none. @internal */
export type ProfileValues = Pick<WeChatAccount, (typeof PROFILE_FIELDS)[number]> & { unionId: string | null };

/**
 * How an engine is spoken to: `returning` (SQLite, PostgreSQL) writes and reads back in one statement; `mysql`
 * (MySQL, MariaDB) reads the insert id off the result; `portable` (any other TypeORM driver) goes through the
 * repository API.
 */
type Dialect = 'returning' | 'mysql' | 'portable';

interface Sql {
  selectAccount: string;
  selectSession: string;
  touchSession: string;
  selectIdByOpenId: string;
  updateSessionById: string;
  insertAccount: string;
  updateProfile: string;
  insertToken: string;
}

/**
 * The statements of login, `updateUserInfo` and the guard's account lookup, written once per data source with its
 * own quoting and placeholders, from the entities' metadata (so custom table names and schemas hold).
 *
 * Why not the repository API on this path: TypeORM builds each statement anew per call (its query builder was 40%
 * of `updateUserInfo`'s CPU), and its SQLite driver writes numeric parameters into the SQL text, so each account id
 * made a statement of its own that better-sqlite3 had to prepare again (another 15%). Here the text never changes,
 * every value is a bound parameter, and an engine that can returns the row from the statement that wrote it.
 * Entity listeners and subscribers of `WeChatAccount` and `AuthToken` are not called for these writes, as for any
 * raw query.
 * @internal
 */
export class AccountStatements {
  private static readonly bySource = new WeakMap<DataSource, AccountStatements>();
  private built?: { dialect: Dialect; sql: Sql; accountColumns: ColumnMetadata[] };
  private readonly accounts: Repository<WeChatAccount>;
  private readonly tokens: Repository<AuthToken>;

  /** The statements of the data source `manager` belongs to (one set per data source). */
  static of(manager: EntityManager): AccountStatements {
    let statements = AccountStatements.bySource.get(manager.connection);
    if (!statements) AccountStatements.bySource.set(manager.connection, (statements = new AccountStatements(manager)));
    return statements;
  }

  private constructor(manager: EntityManager) {
    this.accounts = manager.getRepository(WeChatAccount);
    this.tokens = manager.getRepository(AuthToken);
  }

  /** The account with every selectable column, or `null`. */
  async findAccount(id: number): Promise<WeChatAccount | null> {
    const { dialect, sql } = this.build();
    if (dialect === 'portable') return this.accounts.findOne({ where: { id } });
    const rows = await this.run(sql.selectAccount, [id]);
    return rows.length ? this.hydrate(rows[0]) : null;
  }

  /** The account's openid and session key (never set on an entity, so never serialised), or `null`. */
  async findSession(id: number): Promise<{ openId: string; sessionKey: string | null } | null> {
    const { dialect, sql } = this.build();
    if (dialect === 'portable') {
      const account = await this.accounts.findOne({ where: { id }, select: { id: true, openId: true, sessionKey: true } });
      return account ? { openId: account.openId, sessionKey: account.sessionKey ?? null } : null;
    }
    const rows = await this.run(sql.selectSession, [id]);
    if (!rows.length) return null;
    return { openId: String(rows[0].openId), sessionKey: (rows[0].sessionKey as string | null) ?? null };
  }

  /**
   * Stores a new session key (and a unionid, never replacing one with nothing) on the account of `openId`.
   * @returns the account's id, or `undefined` when there is no account for `openId`.
   */
  async touchSession(openId: string, sessionKey: string, unionId: string | null): Promise<number | undefined> {
    const { dialect, sql } = this.build();
    if (dialect === 'returning') {
      const rows = await this.run(sql.touchSession, [sessionKey, unionId, openId]);
      return rows.length ? Number(rows[0].id) : undefined;
    }
    if (dialect === 'mysql') {
      const rows = await this.run(sql.selectIdByOpenId, [openId]);
      if (!rows.length) return undefined;
      const id = Number(rows[0].id);
      await this.run(sql.updateSessionById, [sessionKey, unionId, id]);
      return id;
    }
    const existing = await this.accounts.findOne({ where: { openId }, select: { id: true } });
    if (!existing) return undefined;
    await this.accounts.update({ id: existing.id }, { sessionKey, ...(unionId ? { unionId } : {}) });
    return existing.id;
  }

  /** Creates the account of `openId`; fails with a unique violation when another request created it first. */
  async insertAccount(openId: string, sessionKey: string, unionId: string | null): Promise<number> {
    const { dialect, sql } = this.build();
    if (dialect === 'portable') {
      return Number((await this.accounts.insert({ openId, unionId, sessionKey })).identifiers[0].id);
    }
    return this.insertedId(await this.runStructured(sql.insertAccount, [openId, unionId, sessionKey]), dialect);
  }

  /** Writes the profile fields, then returns the account as stored, or `null` when it no longer exists. */
  async updateProfile(id: number, values: ProfileValues): Promise<WeChatAccount | null> {
    const { dialect, sql } = this.build();
    if (dialect === 'portable') {
      const { unionId, ...profile } = values;
      const account = await this.accounts.findOne({ where: { id }, select: { id: true, unionId: true } });
      await this.accounts.update({ id }, { ...profile, ...(unionId && !account?.unionId ? { unionId } : {}) });
      return this.findAccount(id);
    }
    const params = [...PROFILE_FIELDS.map((field) => values[field]), values.unionId, id];
    if (dialect === 'mysql') {
      await this.run(sql.updateProfile, params);
      return this.findAccount(id);
    }
    const rows = await this.run(sql.updateProfile, params);
    return rows.length ? this.hydrate(rows[0]) : null;
  }

  /** Stores a token's hash. @returns the token's id. */
  async insertToken(tokenHash: string, accountId: number, expiresAt: Date | null): Promise<number> {
    const { dialect, sql } = this.build();
    if (dialect === 'portable') {
      return Number((await this.tokens.insert({ tokenHash, accountId, expiresAt, revokedAt: null })).identifiers[0].id);
    }
    const metadata = this.tokens.metadata;
    const column = metadata.findColumnWithPropertyName('expiresAt')!;
    const stored = expiresAt === null ? null : this.accounts.manager.connection.driver.preparePersistentValue(expiresAt, column);
    return this.insertedId(await this.runStructured(sql.insertToken, [tokenHash, accountId, stored]), dialect);
  }

  private insertedId(result: { records?: ObjectLiteral[]; raw: unknown }, dialect: Dialect): number {
    if (dialect === 'returning') return Number(result.records![0].id);
    return Number((result.raw as { insertId: number | string }).insertId);
  }

  private async run(sql: string, params: unknown[]): Promise<ObjectLiteral[]> {
    return (await this.runStructured(sql, params)).records ?? [];
  }

  private async runStructured(sql: string, params: unknown[]): Promise<{ records?: ObjectLiteral[]; raw: unknown }> {
    const runner: QueryRunner = this.accounts.manager.connection.createQueryRunner();
    try {
      return await runner.query(sql, params, true);
    } finally {
      await runner.release();
    }
  }

  private hydrate(row: ObjectLiteral): WeChatAccount {
    const { accountColumns } = this.build();
    const driver = this.accounts.manager.connection.driver;
    const account = this.accounts.metadata.create() as WeChatAccount;
    for (const column of accountColumns) {
      if (column.databaseName in row) column.setEntityValue(account, driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return account;
  }

  private build(): NonNullable<AccountStatements['built']> {
    if (this.built) return this.built;
    const driver = this.accounts.manager.connection.driver;
    const type = driver.options.type;
    const dialect: Dialect =
      type === 'postgres' || type === 'better-sqlite3' ? 'returning' : type === 'mysql' || type === 'mariadb' ? 'mysql' : 'portable';
    let n = 0;
    const p = () => (type === 'postgres' ? `$${++n}` : '?');
    const q = (name: string) => driver.escape(name);
    const table = (metadata: EntityMetadata) => metadata.tablePath.split('.').map(q).join('.');
    const col = (metadata: EntityMetadata, property: string) => q(metadata.findColumnWithPropertyName(property)!.databaseName);
    const A = this.accounts.metadata;
    const T = this.tokens.metadata;
    const accountColumns = A.columns.filter((c) => !c.relationMetadata && c.propertyName !== 'sessionKey');
    const selectable = accountColumns.filter((c) => c.isSelect).map((c) => q(c.databaseName));
    const list = selectable.join(', ');
    const now = 'CURRENT_TIMESTAMP';
    const updated = `${col(A, 'updatedAt')} = ${now}`;
    const returning = dialect === 'returning';
    const statement = (make: () => string) => ((n = 0), make());
    const sql: Sql = {
      selectAccount: statement(() => `SELECT ${list} FROM ${table(A)} WHERE ${col(A, 'id')} = ${p()}`),
      selectSession: statement(
        () =>
          `SELECT ${col(A, 'openId')} AS ${q('openId')}, ${col(A, 'sessionKey')} AS ${q('sessionKey')} FROM ${table(A)} WHERE ${col(A, 'id')} = ${p()}`,
      ),
      touchSession: statement(
        () =>
          `UPDATE ${table(A)} SET ${col(A, 'sessionKey')} = ${p()}, ${col(A, 'unionId')} = COALESCE(${p()}, ${col(A, 'unionId')}), ${updated} ` +
          `WHERE ${col(A, 'openId')} = ${p()} RETURNING ${col(A, 'id')} AS ${q('id')}`,
      ),
      selectIdByOpenId: statement(() => `SELECT ${col(A, 'id')} AS ${q('id')} FROM ${table(A)} WHERE ${col(A, 'openId')} = ${p()}`),
      updateSessionById: statement(
        () =>
          `UPDATE ${table(A)} SET ${col(A, 'sessionKey')} = ${p()}, ${col(A, 'unionId')} = COALESCE(${p()}, ${col(A, 'unionId')}), ${updated} ` +
          `WHERE ${col(A, 'id')} = ${p()}`,
      ),
      insertAccount: statement(
        () =>
          `INSERT INTO ${table(A)} (${col(A, 'openId')}, ${col(A, 'unionId')}, ${col(A, 'sessionKey')}, ${col(A, 'createdAt')}, ${col(A, 'updatedAt')}) ` +
          `VALUES (${p()}, ${p()}, ${p()}, ${now}, ${now})${returning ? ` RETURNING ${col(A, 'id')} AS ${q('id')}` : ''}`,
      ),
      updateProfile: statement(
        () =>
          `UPDATE ${table(A)} SET ${PROFILE_FIELDS.map((f) => `${col(A, f)} = ${p()}`).join(', ')}, ` +
          `${col(A, 'unionId')} = COALESCE(${col(A, 'unionId')}, ${p()}), ${updated} WHERE ${col(A, 'id')} = ${p()}` +
          (returning ? ` RETURNING ${list}` : ''),
      ),
      insertToken: statement(
        () =>
          `INSERT INTO ${table(T)} (${col(T, 'tokenHash')}, ${col(T, 'accountId')}, ${col(T, 'expiresAt')}, ${col(T, 'createdAt')}) ` +
          `VALUES (${p()}, ${p()}, ${p()}, ${now})${returning ? ` RETURNING ${col(T, 'id')} AS ${q('id')}` : ''}`,
      ),
    };
    this.built = { dialect, sql, accountColumns };
    return this.built;
  }
}
