import { createHash } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { AuthToken } from '../entities/auth-token.entity';
import { WeChatAccount } from '../entities/wechat-account.entity';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import { AuthTokenService } from './auth-token.service';

function options(token: Partial<ResolvedMiniProgramOptions['token']> = {}): ResolvedMiniProgramOptions {
  return {
    appId: 'wx4f4bc4dec97d474b',
    appSecret: '0123456789abcdef0123456789abcdef',
    apiBaseUrl: 'http://127.0.0.1:1',
    token: { ttlSeconds: 3600, cacheTtlSeconds: 30, cacheMaxEntries: 100, ...token },
    http: { timeoutMs: 1000, retries: 0, retryDelayMs: 0 },
  };
}

describe('AuthTokenService', () => {
  let dataSource: DataSource;
  let repo: Repository<AuthToken>;
  let accountId: number;

  beforeAll(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [WeChatAccount, AuthToken], synchronize: true });
    await dataSource.initialize();
    repo = dataSource.getRepository(AuthToken);
    accountId = (await dataSource.getRepository(WeChatAccount).insert({ openId: 'oTokenSpec' })).identifiers[0].id;
  });
  afterAll(() => dataSource.destroy());
  afterEach(() => jest.restoreAllMocks());

  it('stores only the hash, with the configured expiry', async () => {
    const service = new AuthTokenService(options({ ttlSeconds: 60 }), repo);
    const before = Date.now();
    const issued = await service.issue(accountId);
    const row = await repo.findOneByOrFail({ id: issued.tokenId });
    expect(row.tokenHash).toBe(createHash('sha256').update(issued.token).digest('hex'));
    expect(new Date(row.expiresAt!).getTime()).toBeGreaterThanOrEqual(before + 59_000);
    expect(new Date(row.expiresAt!).getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('issues tokens that never expire with ttlSeconds 0', async () => {
    const service = new AuthTokenService(options({ ttlSeconds: 0 }), repo);
    const issued = await service.issue(accountId);
    expect(issued.expiresAt).toBeNull();
    await expect(service.verify(issued.token)).resolves.toMatchObject({ ok: true, expiresAt: null });
  });

  it('answers a cached token without a query', async () => {
    const service = new AuthTokenService(options(), repo);
    const { token } = await service.issue(accountId);
    await service.verify(token);
    const spy = jest.spyOn(repo, 'findOne');
    await expect(service.verify(token)).resolves.toMatchObject({ ok: true, accountId });
    expect(spy).not.toHaveBeenCalled();
  });

  it('revokes at once in its own process, and within cacheTtlSeconds in another', async () => {
    const a = new AuthTokenService(options({ cacheTtlSeconds: 30 }), repo);
    const b = new AuthTokenService(options({ cacheTtlSeconds: 30 }), repo);
    const { token } = await a.issue(accountId);
    await a.verify(token);
    await b.verify(token);
    await expect(a.revoke(token)).resolves.toBe(true);
    await expect(a.verify(token)).resolves.toEqual({ ok: false, reason: 'revoked' });
    await expect(b.verify(token)).resolves.toMatchObject({ ok: true }); // still cached in b
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 30_001);
    await expect(b.verify(token)).resolves.toEqual({ ok: false, reason: 'revoked' });
  });

  it('expires a cached token at its expiry even while cached', async () => {
    const service = new AuthTokenService(options({ ttlSeconds: 10, cacheTtlSeconds: 3600 }), repo);
    const { token } = await service.issue(accountId);
    await service.verify(token);
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 10_001);
    await expect(service.verify(token)).resolves.toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects malformed and unknown tokens, and revoking them changes nothing', async () => {
    const service = new AuthTokenService(options(), repo);
    await expect(service.verify('short')).resolves.toEqual({ ok: false, reason: 'malformed' });
    await expect(service.verify(42 as never)).resolves.toEqual({ ok: false, reason: 'malformed' });
    await expect(service.verify('B'.repeat(40))).resolves.toEqual({ ok: false, reason: 'unknown' });
    await expect(service.revoke('B'.repeat(40))).resolves.toBe(false);
    await expect(service.revoke('short')).resolves.toBe(false);
  });

  it('revokeAll logs an account out everywhere', async () => {
    const service = new AuthTokenService(options(), repo);
    const other = (await dataSource.getRepository(WeChatAccount).insert({ openId: 'oRevokeAll' })).identifiers[0].id;
    const t1 = await service.issue(other);
    const t2 = await service.issue(other);
    await service.verify(t1.token);
    await expect(service.revokeAll(other)).resolves.toBe(2);
    await expect(service.verify(t1.token)).resolves.toEqual({ ok: false, reason: 'revoked' });
    await expect(service.verify(t2.token)).resolves.toEqual({ ok: false, reason: 'revoked' });
  });

  it('keeps the cache within cacheMaxEntries', async () => {
    const service = new AuthTokenService(options({ cacheMaxEntries: 2 }), repo);
    const tokens = await Promise.all([1, 2, 3].map(() => service.issue(accountId)));
    for (const t of tokens) await service.verify(t.token);
    const spy = jest.spyOn(repo, 'findOne');
    await service.verify(tokens[0].token); // evicted first
    expect(spy).toHaveBeenCalledTimes(1);
  });
});
