import { Logger } from '@nestjs/common';
import { randomBytes, X509Certificate } from 'node:crypto';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { type AccessTokenStore, MemoryAccessTokenStore } from '../../wechat/access-token.store';
import { PayV3SignatureError } from './wechat-pay-v3.client';
import {
  certificatesBody,
  fakePay,
  K,
  MCH,
  NEXT,
  PLATFORM,
  type Reply,
  settle,
  signedHeaders,
  SYSTEM_ERROR,
} from './wechat-pay-v3.client.spec-kit';

describe('WeChatPayV3Client platform certificates (stub HTTP client, fake clock)', () => {
  const body = Buffer.from('{}');
  const certs = (list: Array<{ pem: string; serial: string }>): Reply => ({ body: certificatesBody(list) });
  let now = Date.now();
  let warn: jest.SpyInstance;
  beforeEach(() => {
    now = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('near a certificate’s expiry, starts at most one background download per interval (5 verifies → 1 download)', async () => {
    now = Date.parse(new X509Certificate(K.platformCertificate).validTo) - 3600_000;
    const pay = fakePay(() => certs([PLATFORM]));
    for (let i = 0; i < 5; i++) {
      await expect(pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body)).resolves.toBeUndefined();
      await settle();
      now += 1000;
    }
    expect(pay.downloads()).toBe(1);
    now += 10 * 60_000;
    await pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body);
    await settle();
    expect(pay.downloads()).toBe(2);
  });

  it('with a stale list and failing downloads, retries in the background once per interval, not on every verify', async () => {
    let failing = false;
    const pay = fakePay(() => (failing ? SYSTEM_ERROR : certs([PLATFORM])));
    await pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body);
    now += 13 * 3600_000;
    failing = true;
    for (let i = 0; i < 5; i++) {
      await expect(pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body)).resolves.toBeUndefined();
      await settle();
      now += 1000;
    }
    expect(pay.downloads()).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('notifications with unknown serials cost at most one download while downloads fail; our own answers may force one', async () => {
    let failing = true;
    const pay = fakePay((path) =>
      path !== '/v3/certificates' ? { body: '{"trade_state":"NOTPAY"}' } : failing ? SYSTEM_ERROR : certs([PLATFORM]),
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const serial = randomBytes(20).toString('hex').toUpperCase();
      errors.push(await pay.client.verify('notify', signedHeaders(K.platformPrivateKey, serial), body).catch((e: unknown) => e));
      now += 1000;
    }
    expect(pay.downloads()).toBeLessThanOrEqual(1);
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    expect(errors.slice(1).every((e) => e instanceof PayV3SignatureError)).toBe(true);
    failing = false;
    await expect(pay.query()).resolves.toMatchObject({ status: 200 });
    expect(pay.downloads()).toBe(2);
  });

  it('replaces the cached list with each download: a certificate no longer listed is no longer trusted', async () => {
    let list = [PLATFORM];
    let signer = { key: K.platformPrivateKey, serial: K.platformSerialNo };
    const pay = fakePay((path) => ({ ...(path === '/v3/certificates' ? certs(list) : { body: '{}' }), ...signer }));
    await expect(pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body)).resolves.toBeUndefined();
    expect(pay.client.platformCertificateSerials()).toEqual([K.platformSerialNo]);

    // WeChat withdraws the first certificate; an answer signed with the new one forces a download.
    list = [NEXT];
    signer = { key: K.nextPlatformPrivateKey, serial: K.nextPlatformSerialNo };
    await expect(pay.query()).resolves.toMatchObject({ status: 200 });
    expect(pay.downloads()).toBe(2);
    expect(pay.client.platformCertificateSerials()).toEqual([K.nextPlatformSerialNo]);
    await expect(pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body)).rejects.toBeInstanceOf(
      PayV3SignatureError,
    );
  });

  it('ignores a certificate whose notBefore is in the future', async () => {
    now = Date.parse(new X509Certificate(K.platformCertificate).validFrom) - 3600_000;
    const pay = fakePay((path) => (path === '/v3/certificates' ? certs([PLATFORM]) : { body: '{}' }));
    const error = await pay.query().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatUnavailableError);
    expect((error as WeChatUnavailableError).kind).toBe('invalid-response');
    expect(pay.client.platformCertificateSerials()).toEqual([]);
  });
});

describe('WeChatPayV3Client platform certificates in the shared store', () => {
  const KEY = `wechatpay:v3:certificates:${MCH}`;
  const answer = (list: Array<{ pem: string; serial: string }>) => (path: string) =>
    path === '/v3/certificates' ? { body: certificatesBody(list) } : { body: '{"trade_state":"NOTPAY"}' };
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined)));
  afterEach(() => jest.restoreAllMocks());

  it('a second instance verifies with the list the first one downloaded, without calling /v3/certificates', async () => {
    const store = new MemoryAccessTokenStore();
    const first = fakePay(answer([PLATFORM]), store);
    const second = fakePay(answer([PLATFORM]), store);
    await expect(first.query()).resolves.toMatchObject({ status: 200 });
    expect(first.downloads()).toBe(1);
    const stored = await store.get(KEY);
    expect(JSON.parse(stored!.token)).toMatchObject({ certificates: [{ serial: K.platformSerialNo, pem: K.platformCertificate }] });
    expect(stored!.expiresAt).toBeGreaterThan(Date.now() + 11 * 3600_000);

    await expect(second.query()).resolves.toMatchObject({ status: 200 });
    expect(second.paths).not.toContain('/v3/certificates');
    expect(second.client.platformCertificateSerials()).toEqual([K.platformSerialNo]);
  });

  it('downloads when the shared list lacks the wanted serial, and replaces the shared list', async () => {
    const store = new MemoryAccessTokenStore();
    await fakePay(answer([PLATFORM]), store).query();
    const second = fakePay(
      (path) => ({ ...answer([PLATFORM, NEXT])(path), key: K.nextPlatformPrivateKey, serial: K.nextPlatformSerialNo }),
      store,
    );
    await expect(second.query()).resolves.toMatchObject({ status: 200 });
    expect(second.downloads()).toBe(1);
    const shared = JSON.parse((await store.get(KEY))!.token) as { certificates: Array<{ serial: string }> };
    expect(shared.certificates.map((c) => c.serial).sort()).toEqual([K.platformSerialNo, K.nextPlatformSerialNo].sort());
  });

  it('ignores a shared list not written with the APIv3 key (whoever can write the store cannot add a certificate)', async () => {
    const store = new MemoryAccessTokenStore();
    await fakePay(answer([PLATFORM]), store).query();
    const entry = JSON.parse((await store.get(KEY))!.token) as { certificates: Array<{ serial: string; pem: string }> };
    entry.certificates.push({ ...NEXT, notAfter: Date.now() + 3600_000 } as never);
    await store.set(KEY, { token: JSON.stringify(entry), expiresAt: Date.now() + 3600_000 });
    const second = fakePay(answer([PLATFORM]), store);
    const headers = signedHeaders(K.nextPlatformPrivateKey, K.nextPlatformSerialNo);
    await expect(second.client.verify('notify', headers, Buffer.from('{}'))).rejects.toBeInstanceOf(PayV3SignatureError);
    expect(second.downloads()).toBe(1);
    expect(second.client.platformCertificateSerials()).toEqual([K.platformSerialNo]);
  });

  it('a failing store does not break verification: it logs (no PEM) and downloads', async () => {
    const store: AccessTokenStore = {
      get: () => Promise.reject(new Error(`store down ${K.platformCertificate}`)),
      set: () => Promise.reject(new Error('store down')),
      delete: () => Promise.resolve(),
      lock: () => Promise.reject(new Error('store down')),
    };
    const pay = fakePay(answer([PLATFORM]), store);
    await expect(pay.query()).resolves.toMatchObject({ status: 200 });
    expect(pay.downloads()).toBe(1);
    const lines = warn.mock.calls.map((c) => String(c[0]));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).not.toContain('BEGIN');
    expect(lines.join('\n')).not.toContain(K.apiV3Key);
  });

  it('uses the store lock: concurrent instances download once, the other takes the shared list after a short wait', async () => {
    class LockingStore extends MemoryAccessTokenStore {
      held = new Set<string>();
      async lock(key: string): Promise<(() => Promise<void>) | null> {
        if (this.held.has(key)) return null;
        this.held.add(key);
        return async () => void this.held.delete(key);
      }
    }
    const store = new LockingStore();
    const first = fakePay(answer([PLATFORM]), store, 50);
    const second = fakePay(answer([PLATFORM]), store, 50);
    await Promise.all([first.query(), second.query()]);
    expect(first.downloads() + second.downloads()).toBe(1);
    expect(store.held.size).toBe(0);
  });

  it('does not wait on a store that never answers longer than a short timeout', async () => {
    const never = new Promise<never>(() => undefined);
    const store: AccessTokenStore = { get: () => never, set: () => never, delete: () => never };
    const pay = fakePay(answer([PLATFORM]), store);
    const started = Date.now();
    await expect(pay.query()).resolves.toMatchObject({ status: 200 });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
