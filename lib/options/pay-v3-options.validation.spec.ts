import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SIMULATOR_DEV_CERTIFICATES } from '../testing/dev-keys/dev-certificates';
import { MiniProgramOptionsError } from '../errors/mini-program-options.error';
import { SIMULATOR_DEV_V3 } from '../testing/dev-keys/dev-v3-keys';
import { resolveMiniProgramOptions } from './mini-program-options.validation';

const app = { appId: 'wx4f4bc4dec97d474b', appSecret: '0123456789abcdef0123456789abcdef' };
const v3 = {
  apiV3Key: SIMULATOR_DEV_V3.apiV3Key,
  merchantPrivateKey: SIMULATOR_DEV_V3.merchantPrivateKey,
  merchantSerialNo: SIMULATOR_DEV_V3.merchantSerialNo,
};
const pay = (extra: Record<string, unknown>) => ({ ...app, pay: { mchId: '1900000109', ...extra } });

function problems(raw: unknown): Record<string, string[]> {
  try {
    resolveMiniProgramOptions(raw as never);
  } catch (error) {
    expect(error).toBeInstanceOf(MiniProgramOptionsError);
    return Object.fromEntries((error as MiniProgramOptionsError).problems.map((p) => [p.key, p.messages]));
  }
  throw new Error('expected the options to be rejected');
}

describe('pay.v3 options', () => {
  it('accepts v3 alone: apiVersion v3, certificate mode, notify URL given', () => {
    const resolved = resolveMiniProgramOptions(pay({ v3: { ...v3, notifyUrl: 'https://host/mp/wechatPayV3Callback' } }) as never);
    expect(resolved.pay).toMatchObject({ apiVersion: 'v3', apiKey: undefined, notifyUrl: '' });
    expect(resolved.pay?.v3).toMatchObject({
      platformCertificates: true,
      notifyUrl: 'https://host/mp/wechatPayV3Callback',
      merchantSerialNo: SIMULATOR_DEV_V3.merchantSerialNo,
    });
    expect(resolved.pay?.v3?.merchantPrivateKey.type).toBe('private');
  });

  it('defaults to v2 when apiKey is set, derives the v3 notify URL, and uses public-key mode when a public key is given', () => {
    const resolved = resolveMiniProgramOptions(
      pay({
        apiKey: '0123456789abcdef0123456789abcdef',
        notifyUrl: 'https://host/mp/wechatPayCallback',
        v3: { ...v3, wechatPayPublicKey: SIMULATOR_DEV_V3.wechatPayPublicKey, wechatPayPublicKeyId: SIMULATOR_DEV_V3.publicKeyId },
      }) as never,
    );
    expect(resolved.pay?.apiVersion).toBe('v2');
    expect(resolved.pay?.v3).toMatchObject({
      platformCertificates: false,
      notifyUrl: 'https://host/mp/wechatPayV3Callback',
      wechatPayPublicKeyId: SIMULATOR_DEV_V3.publicKeyId,
    });
  });

  it('needs at least one of apiKey and v3', () => {
    expect(problems(pay({ notifyUrl: 'https://host/x' }))).toHaveProperty('pay');
  });

  it('refuses apiVersion v2 without apiKey, and v3 without pay.v3', () => {
    expect(problems(pay({ apiVersion: 'v2', v3: { ...v3, notifyUrl: 'https://h/n' } }))).toHaveProperty(['pay.apiVersion']);
    expect(problems(pay({ apiVersion: 'v3', apiKey: '0123456789abcdef0123456789abcdef', notifyUrl: 'https://h/n' }))).toHaveProperty([
      'pay.apiVersion',
    ]);
  });

  it('checks every v3 field without quoting key material', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const found = problems(
      pay({
        v3: {
          apiV3Key: 'short',
          merchantPrivateKey: weak,
          merchantSerialNo: 'not hex!',
          wechatPayPublicKey: SIMULATOR_DEV_V3.merchantPrivateKey,
          wechatPayPublicKeyId: 'KEY_1',
          platformCertificates: 'yes',
          notifyUrl: 'ftp://x',
          extra: 1,
        },
      }),
    );
    expect(Object.keys(found).sort()).toEqual(
      [
        'pay.v3.apiV3Key',
        'pay.v3.merchantPrivateKey',
        'pay.v3.merchantSerialNo',
        'pay.v3.wechatPayPublicKey',
        'pay.v3.wechatPayPublicKeyId',
        'pay.v3.platformCertificates',
        'pay.v3.notifyUrl',
        'pay.v3.extra',
      ].sort(),
    );
    const text = JSON.stringify(found);
    expect(text).not.toContain('BEGIN');
    expect(text).not.toContain('short');
  });

  it('wants the public key and its id together, and a way to verify answers', () => {
    expect(
      problems(pay({ v3: { ...v3, notifyUrl: 'https://h/n', wechatPayPublicKey: SIMULATOR_DEV_V3.wechatPayPublicKey } })),
    ).toHaveProperty(['pay.v3.wechatPayPublicKeyId']);
    expect(problems(pay({ v3: { ...v3, notifyUrl: 'https://h/n', platformCertificates: false } }))).toHaveProperty([
      'pay.v3.platformCertificates',
    ]);
  });

  it('needs a v3 notify URL when there is no pay.notifyUrl to derive it from', () => {
    expect(problems(pay({ v3 }))).toHaveProperty(['pay.v3.notifyUrl']);
  });

  it('still requires notifyUrl with apiKey (v2)', () => {
    expect(problems(pay({ apiKey: '0123456789abcdef0123456789abcdef' }))).toHaveProperty(['pay.notifyUrl']);
  });

  describe('wechatPayPublicKeyId and merchantSerialNo', () => {
    const withId = (wechatPayPublicKeyId: unknown) =>
      pay({ v3: { ...v3, notifyUrl: 'https://h/n', wechatPayPublicKey: SIMULATOR_DEV_V3.wechatPayPublicKey, wechatPayPublicKeyId } });

    it('accepts ids as WeChat issues them', () => {
      for (const id of ['PUB_KEY_ID_0114232134912410000000000000000000', SIMULATOR_DEV_V3.publicKeyId, 'PUB_KEY_ID_ab-C_1']) {
        expect(resolveMiniProgramOptions(withId(id) as never).pay?.v3?.wechatPayPublicKeyId).toBe(id);
      }
    });

    it.each([
      ['a double quote', 'PUB_KEY_ID_01"14'],
      ['CR LF', 'PUB_KEY_ID_0114\r\nX-Evil: 1'],
      ['a LF', 'PUB_KEY_ID_0114\n'],
      ['a space', 'PUB_KEY_ID_01 14'],
      ['a non-ASCII letter', 'PUB_KEY_ID_０１'],
      ['a comma', 'PUB_KEY_ID_01,14'],
      ['nothing after the prefix', 'PUB_KEY_ID_'],
      ['an overlong id', `PUB_KEY_ID_${'0'.repeat(65)}`],
      ['a number', 114],
    ])('refuses an id with %s, which would fail every request as a header', (_name, id) => {
      expect(problems(withId(id))).toHaveProperty(['pay.v3.wechatPayPublicKeyId']);
    });

    it('takes a 40-digit hex serial in either case, and refuses a serial that is not short hex', () => {
      const lower = resolveMiniProgramOptions(
        pay({ v3: { ...v3, notifyUrl: 'https://h/n', merchantSerialNo: SIMULATOR_DEV_V3.merchantSerialNo.toLowerCase() } }) as never,
      );
      expect(lower.pay?.v3?.merchantSerialNo).toBe(SIMULATOR_DEV_V3.merchantSerialNo);
      for (const merchantSerialNo of [
        '',
        'ABC',
        'A'.repeat(41),
        `${SIMULATOR_DEV_V3.merchantSerialNo}\r\n`,
        ' 7AE67AE2529F',
        '0x7AE67AE2529F',
      ]) {
        expect(problems(pay({ v3: { ...v3, notifyUrl: 'https://h/n', merchantSerialNo } }))).toHaveProperty(['pay.v3.merchantSerialNo']);
      }
    });
  });

  describe('pay.clientCert against the v3 merchant key', () => {
    const merchantCert = { cert: SIMULATOR_DEV_V3.merchantCertificate, key: SIMULATOR_DEV_V3.merchantPrivateKey };
    const withCert = (clientCert: unknown, extra: Record<string, unknown> = {}) =>
      pay({ clientCert, v3: { ...v3, notifyUrl: 'https://h/n', ...extra } });

    it('accepts the certificate of the merchant key with its serial (any case)', () => {
      expect(resolveMiniProgramOptions(withCert(merchantCert) as never).pay?.clientCert).toBe(merchantCert);
      const buffers = { cert: Buffer.from(merchantCert.cert), key: Buffer.from(merchantCert.key) };
      expect(() =>
        resolveMiniProgramOptions(withCert(buffers, { merchantSerialNo: SIMULATOR_DEV_V3.merchantSerialNo.toLowerCase() }) as never),
      ).not.toThrow();
    });

    it('refuses a certificate whose serial is not merchantSerialNo, naming both fields', () => {
      const found = problems(withCert(merchantCert, { merchantSerialNo: '0123456789ABCDEF0123456789ABCDEF01234567' }));
      expect(Object.keys(found)).toEqual(['pay.clientCert.cert']);
      expect(found['pay.clientCert.cert'].join(' ')).toMatch(/pay\.v3\.merchantSerialNo/);
      expect(found['pay.clientCert.cert'].join(' ')).toContain(SIMULATOR_DEV_V3.merchantSerialNo);
    });

    it('refuses a certificate of another key than merchantPrivateKey, without printing a key', () => {
      // The certificate and its own key agree (TLS would work), but v3 signs with another key.
      const found = problems(withCert(merchantCert, { merchantPrivateKey: SIMULATOR_DEV_V3.wechatPayPrivateKey }));
      expect(Object.keys(found)).toEqual(['pay.clientCert.cert']);
      expect(found['pay.clientCert.cert'].join(' ')).toMatch(/pay\.v3\.merchantPrivateKey/);
      expect(JSON.stringify(found)).not.toContain('BEGIN');
    });

    it('refuses a client certificate of another merchant key pair (serial and key both differ)', () => {
      const other = { cert: SIMULATOR_DEV_CERTIFICATES.clientCert, key: SIMULATOR_DEV_CERTIFICATES.clientKey };
      const found = problems(withCert(other));
      expect(Object.keys(found)).toEqual(['pay.clientCert.cert']);
      const text = found['pay.clientCert.cert'].join(' ');
      expect(text).toMatch(/pay\.v3\.merchantSerialNo/);
      expect(text).toMatch(/pay\.v3\.merchantPrivateKey/);
      expect(JSON.stringify(found)).not.toContain('BEGIN');
    });

    it('does not compare the client certificate when v3 is not configured', () => {
      expect(() =>
        resolveMiniProgramOptions({
          ...app,
          pay: {
            mchId: '1900000109',
            apiKey: '0123456789abcdef0123456789abcdef',
            notifyUrl: 'https://host/mp/wechatPayCallback',
            clientCert: { cert: SIMULATOR_DEV_CERTIFICATES.clientCert, key: SIMULATOR_DEV_CERTIFICATES.clientKey },
          },
        } as never),
      ).not.toThrow();
    });
  });

  describe('wechatPayPublicKey mixed up with the merchant key', () => {
    const merchantPublic = createPublicKey(SIMULATOR_DEV_V3.merchantPrivateKey).export({ type: 'spki', format: 'pem' }) as string;
    it.each([
      ['public key', merchantPublic],
      ['certificate', SIMULATOR_DEV_V3.merchantCertificate],
    ])("refuses the merchant's own %s as the WeChat Pay public key", (_name, wechatPayPublicKey) => {
      const found = problems(
        pay({ v3: { ...v3, notifyUrl: 'https://h/n', wechatPayPublicKey, wechatPayPublicKeyId: SIMULATOR_DEV_V3.publicKeyId } }),
      );
      expect(Object.keys(found)).toEqual(['pay.v3.wechatPayPublicKey']);
      expect(found['pay.v3.wechatPayPublicKey'].join(' ')).toMatch(/merchant/);
      expect(JSON.stringify(found)).not.toContain('BEGIN');
    });
  });
});
