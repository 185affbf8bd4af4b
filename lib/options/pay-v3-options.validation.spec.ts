import { generateKeyPairSync } from 'node:crypto';
import { MiniProgramOptionsError } from '../errors/mini-program-options.error';
import { SIMULATOR_DEV_V3 } from '../testing/dev-v3-keys';
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
});
