import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  privateDecrypt,
  publicEncrypt,
  sign as nodeSign,
  X509Certificate,
} from 'node:crypto';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { v3Vector, vector } from '../../test/fixtures/vectors';
import { prng } from '../../test/utils/prng';
import { PayCryptoError, PayCryptoReason } from '../errors/pay-crypto.error';
import { SIMULATOR_DEV_V3 } from '../testing/dev-keys/dev-v3-keys';
import {
  buildPayV3Authorization,
  certificateSerialNo,
  decryptPayV3Resource,
  decryptPayV3Sensitive,
  encryptPayV3Resource,
  encryptPayV3Sensitive,
  isPayV3ApiKey,
  isPayV3PublicKeyId,
  loadPayV3PrivateKey,
  loadPayV3PublicKey,
  parsePayV3Authorization,
  PAY_V3_AEAD_ALGORITHM,
  PAY_V3_AUTH_SCHEMA,
  payV3JsapiPaySign,
  payV3Message,
  signPayV3,
  verifyPayV3,
  verifyPayV3Signature,
} from './pay-v3.crypto';

// ---------------------------------------------------------------------------------------------------------------------
// Vectors (test/fixtures/wechat-v3-vectors.json and wechat-vectors.json; each names its source).

const goSign = v3Vector<{ message: string; private_key_pem: string }, { signature: string }>('v3_sign_sha256withrsa_wechatpay_go');
const goPlatform = v3Vector<
  { certificate_pem: string; message: string; wrong_message: string; signature: string },
  { verifies: boolean; wrong_message_verifies: boolean; serial_no: string }
>('v3_verify_platform_certificate_wechatpay_go');
const goNotify = v3Vector<
  { certificate_pem: string; headers: Record<string, string>; body: string },
  { verifies: boolean; serial_no: string }
>('v3_notify_signature_wechatpay_go');
type AeadInputs = { apiv3_key: string; nonce: string; associated_data: string; ciphertext: string };
const goNotifyResource = v3Vector<AeadInputs, { plaintext: string }>('v3_notify_resource_aes128_key_wechatpay_go');
const goAes128 = v3Vector<AeadInputs, { plaintext: string }>('v3_aes_gcm_aes128_key_wechatpay_go');
const javaAead = v3Vector<{ apiv3_key: string; nonce: string; associated_data: string; plaintext: string }, { ciphertext: string }>(
  'v3_aead_aes_256_gcm_wechatpay_java',
);
const javaDownload = v3Vector<
  { apiv3_key: string; encrypt_certificate: AeadInputs & { algorithm: string }; serial_no: string },
  { serial_no: string; subject_cn: string; issuer_cn: string; plaintext_starts_with: string }
>('v3_download_certificate_wechatpay_java');
const javaSign = v3Vector<{ message: string; private_key_pem: string; certificate_pem: string }, { signature: string; serial_no: string }>(
  'v3_sign_merchant_key_wechatpay_java',
);
const javaOaep = v3Vector<{ ciphertext: string; private_key_pem: string }, { plaintext: string }>(
  'v3_sensitive_rsa_oaep_decrypt_wechatpay_java',
);
const javaAuth = v3Vector<
  {
    mchid: string;
    serial_no: string;
    method: string;
    url: string;
    timestamp: string;
    nonce: string;
    body: string;
    private_key_pem: string;
  },
  { message: string; signature: string }
>('v3_authorization_get_wechatpay_java_inputs');
const docJsapi = v3Vector<
  { appId: string; timeStamp: string; nonceStr: string; package: string; private_key_pem: string },
  { message: string; paySign: string }
>('v3_jsapi_pay_sign_official_doc_inputs');
const axiosGcm = v3Vector<
  { apiv3_key: string; nonce: string; cases: { plaintext: string; associated_data: string }[] },
  { ciphertexts: string[] }
>('v3_aes_gcm_wechatpay_axios_plugin');
const leadingZero = v3Vector<{ certificate_pem: string }, { serial_no: string; key_type: string }>(
  'v3_certificate_serial_leading_zero_openssl',
);
const easyWeChat = vector<{ apiv3_key: string; nonce: string; associated_data: string; ciphertext: string }, { plaintext: string }>(
  'v3_notify_resource_easywechat_node',
);

const DEV = SIMULATOR_DEV_V3;

// Key material made in the test: what WeChat Pay v3 must refuse.
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ed25519 = generateKeyPairSync('ed25519');
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const pem = (key: KeyObject, type: 'pkcs8' | 'spki' | 'pkcs1') => key.export({ format: 'pem', type } as never) as unknown as string;

function catchPayCryptoError(run: () => unknown): PayCryptoError {
  try {
    run();
  } catch (err) {
    if (err instanceof PayCryptoError) return err;
    throw err;
  }
  throw new Error('expected a PayCryptoError, but nothing was thrown');
}

/** Expects a PayCryptoError with `reason` whose surfaces hold none of `secrets`. */
function expectReason(run: () => unknown, reason: PayCryptoReason, secrets: string[] = []): PayCryptoError {
  const err = catchPayCryptoError(run);
  expect(err.name).toBe('PayCryptoError');
  expect(err.reason).toBe(reason);
  expect(err.message).toMatch(/^Cannot (decrypt WeChat Pay data|use WeChat Pay key material): /);
  for (const surface of [err.message, String(err), err.stack ?? '', JSON.stringify(err)]) {
    for (const secret of secrets) expect(surface).not.toContain(secret);
  }
  return err;
}

/** A base64 line of a PEM (a recognisable slice of the secret). */
function pemBody(text: string): string {
  const line = text.split('\n').find((l) => /^[A-Za-z0-9+/=]{16,}$/.test(l));
  if (!line) throw new Error('not a PEM');
  return line;
}

function flipByte(base64: string, index: number): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[index % bytes.length] ^= 0x01;
  return bytes.toString('base64');
}

function randomText(rand: () => number, max: number): string {
  const pieces = ['a', 'Z', '0', ' ', '"', '\n', '{', '}', ':', ',', '微', '信', '支付', 'é', '😀', '\\', '/', '+', '='];
  let out = '';
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) out += pieces[Math.floor(rand() * pieces.length)];
  return out;
}

function randomAlnum(rand: () => number, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rand() * alphabet.length)];
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------

describe('PAY_V3_AUTH_SCHEMA and payV3Message', () => {
  it('names the scheme WeChat documents', () => {
    expect(PAY_V3_AUTH_SCHEMA).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(PAY_V3_AEAD_ALGORITHM).toBe('AEAD_AES_256_GCM');
  });

  it('ends every part with a line feed, the last one included', () => {
    expect(payV3Message()).toBe('');
    expect(payV3Message('')).toBe('\n');
    expect(payV3Message('a', 'b')).toBe('a\nb\n');
    expect(payV3Message('a\n', '')).toBe('a\n\n\n');
  });

  it('builds the request message of the wechatpay-java credential test (v3_authorization_get_wechatpay_java_inputs)', () => {
    const { method, url, timestamp, nonce, body } = javaAuth.inputs;
    expect(payV3Message(method, url, timestamp, nonce, body)).toBe(javaAuth.expected.message);
  });

  it('builds the four-line sign string of the official wx.requestPayment example (v3_jsapi_pay_sign_official_doc_inputs)', () => {
    const { appId, timeStamp, nonceStr, package: pkg } = docJsapi.inputs;
    expect(payV3Message(appId, timeStamp, nonceStr, pkg)).toBe(docJsapi.expected.message);
  });

  it('joins like Formatter.joinedByLineFeed of wechatpay-axios-plugin', () => {
    const rand = prng(0x5eed_3001);
    for (let i = 0; i < 200; i++) {
      const parts = Array.from({ length: Math.floor(rand() * 6) }, () => randomText(rand, 12));
      expect(payV3Message(...parts)).toBe(Formatter.joinedByLineFeed(...parts));
    }
  });
});

describe('signPayV3 (SHA256withRSA, PKCS#1 v1.5: deterministic, so published signatures are vectors)', () => {
  it('gives the signature of the wechatpay-go test (v3_sign_sha256withrsa_wechatpay_go)', () => {
    const { message, private_key_pem } = goSign.inputs;
    expect(signPayV3(message, private_key_pem)).toBe(goSign.expected.signature);
    expect(signPayV3(message, createPrivateKey(private_key_pem))).toBe(goSign.expected.signature);
    expect(signPayV3(Buffer.from(message), private_key_pem)).toBe(goSign.expected.signature);
  });

  it('gives the signature of the wechatpay-java test (v3_sign_merchant_key_wechatpay_java)', () => {
    const { message, private_key_pem } = javaSign.inputs;
    expect(signPayV3(message, private_key_pem)).toBe(javaSign.expected.signature);
  });

  it('gives the same signature from the PKCS#1 form of the key', () => {
    const pkcs1 = pem(createPrivateKey(goSign.inputs.private_key_pem), 'pkcs1');
    expect(pkcs1).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(signPayV3(goSign.inputs.message, pkcs1)).toBe(goSign.expected.signature);
  });

  it('signs UTF-8 bytes of a string', () => {
    const text = '{"description":"微信支付 😀"}';
    expect(signPayV3(text, DEV.merchantPrivateKey)).toBe(signPayV3(Buffer.from(text, 'utf8'), DEV.merchantPrivateKey));
    expect(signPayV3(text, DEV.merchantPrivateKey)).toBe(
      nodeSign('sha256', Buffer.from(text, 'utf8'), createPrivateKey(DEV.merchantPrivateKey)).toString('base64'),
    );
  });

  it('refuses keys WeChat Pay v3 cannot use, with V3_PRIVATE_KEY', () => {
    for (const key of [ec.privateKey, ed25519.privateKey, rsa1024.privateKey, createPublicKey(DEV.merchantPrivateKey)]) {
      expectReason(() => signPayV3('m', key), 'V3_PRIVATE_KEY');
    }
    for (const key of [pem(ec.privateKey, 'pkcs8'), pem(rsa1024.privateKey, 'pkcs8'), DEV.wechatPayPublicKey, 'not a key', '']) {
      expectReason(() => signPayV3('m', key), 'V3_PRIVATE_KEY', key.includes('-----') ? [pemBody(key)] : []);
    }
  });
});

describe('verifyPayV3Signature', () => {
  const { headers, body, certificate_pem } = goNotify.inputs;
  const signed = {
    timestamp: headers['Wechatpay-Timestamp'],
    nonce: headers['Wechatpay-Nonce'],
    body,
    signature: headers['Wechatpay-Signature'],
  };

  describe('the notification of the wechatpay-go test (v3_notify_signature_wechatpay_go)', () => {
    it('verifies with the platform certificate, as PEM or as a loaded key', () => {
      expect(verifyPayV3Signature(signed, certificate_pem)).toBe(goNotify.expected.verifies);
      expect(verifyPayV3Signature(signed, loadPayV3PublicKey(certificate_pem))).toBe(true);
      expect(verifyPayV3Signature(signed, new X509Certificate(certificate_pem).publicKey)).toBe(true);
    });

    it('verifies the raw body bytes (the body holds UTF-8) and a numeric timestamp', () => {
      expect(verifyPayV3Signature({ ...signed, body: Buffer.from(body, 'utf8') }, certificate_pem)).toBe(true);
      expect(verifyPayV3Signature({ ...signed, body: new Uint8Array(Buffer.from(body, 'utf8')) }, certificate_pem)).toBe(true);
      expect(verifyPayV3Signature({ ...signed, timestamp: Number(signed.timestamp) }, certificate_pem)).toBe(true);
    });

    it('names the certificate by its serial (Wechatpay-Serial)', () => {
      expect(certificateSerialNo(certificate_pem)).toBe(headers['Wechatpay-Serial']);
      expect(certificateSerialNo(certificate_pem)).toBe(goNotify.expected.serial_no);
    });

    it('refuses a tampered timestamp, nonce or body', () => {
      const cases = [
        { ...signed, timestamp: String(Number(signed.timestamp) + 1) },
        { ...signed, nonce: signed.nonce.slice(0, -1) + 'A' },
        { ...signed, nonce: `${signed.nonce}\n` },
        { ...signed, body: body.replace('签约成功', '签约失败') },
        { ...signed, body: `${body} ` },
        { ...signed, body: body.replace('"summary"', '"Summary"') },
        { ...signed, body: Buffer.from(body, 'latin1') },
        { ...signed, timestamp: '', nonce: '' },
      ];
      for (const params of cases) {
        expect(JSON.stringify(params)).not.toBe(JSON.stringify(signed)); // each case really changes something
        expect(verifyPayV3Signature(params, certificate_pem)).toBe(false);
      }
    });

    it('refuses damaged, empty and malformed signatures without throwing', () => {
      const sig = signed.signature;
      const cases: unknown[] = [
        flipByte(sig, 0),
        flipByte(sig, 100),
        flipByte(sig, 255),
        sig.slice(4),
        `${sig}AAAA`,
        '',
        '!!!!',
        `WECHATPAY/SIGNTEST/${sig}`,
        Buffer.from('not a signature').toString('base64'),
        undefined,
        null,
        42,
      ];
      for (const signature of cases) {
        expect(verifyPayV3Signature({ ...signed, signature: signature as string }, certificate_pem)).toBe(false);
      }
    });

    it('refuses other keys, and keys of the wrong kind, without throwing', () => {
      const keys: unknown[] = [
        javaSign.inputs.certificate_pem,
        DEV.platformCertificate,
        DEV.wechatPayPublicKey,
        ec.publicKey,
        pem(ec.publicKey, 'spki'),
        ed25519.publicKey,
        createPrivateKey(goSign.inputs.private_key_pem), // the right key pair, but a private key
        goSign.inputs.private_key_pem,
        'not a key',
        '',
        undefined,
        {},
      ];
      for (const key of keys) expect(verifyPayV3Signature(signed, key as KeyObject)).toBe(false);
    });

    it('does not throw on a malformed argument', () => {
      expect(verifyPayV3Signature(undefined as never, certificate_pem)).toBe(false);
      expect(verifyPayV3Signature({ ...signed, body: undefined as never }, certificate_pem)).toBe(false);
      expect(verifyPayV3Signature({ ...signed, nonce: 1 as never }, certificate_pem)).toBe(false);
    });
  });

  it('refuses a valid signature made with a 1024-bit RSA key (too weak for WECHATPAY2-SHA256-RSA2048)', () => {
    const message = Buffer.from(payV3Message('1700000000', 'nonce', '{}'));
    const signature = nodeSign('sha256', message, rsa1024.privateKey).toString('base64');
    expect(verifyPayV3Signature({ timestamp: '1700000000', nonce: 'nonce', body: '{}', signature }, rsa1024.publicKey)).toBe(false);
    expect(verifyPayV3Signature({ timestamp: '1700000000', nonce: 'nonce', body: '{}', signature }, pem(rsa1024.publicKey, 'spki'))).toBe(
      false,
    );
  });

  it('verifies the "source" signature of the wechatpay-go verifier test with its platform certificate (v3_verify_platform_certificate_wechatpay_go)', () => {
    const { certificate_pem: cert, message, wrong_message, signature } = goPlatform.inputs;
    const key = loadPayV3PublicKey(cert);
    // The certificate holds the public half of the go test key that made the signature.
    expect(key.equals(createPublicKey(goSign.inputs.private_key_pem))).toBe(true);
    expect(signPayV3(message, goSign.inputs.private_key_pem)).toBe(signature);
    expect(verifyPayV3(message, signature, cert)).toBe(goPlatform.expected.verifies);
    expect(verifyPayV3(Buffer.from(message), signature, key)).toBe(true);
    expect(verifyPayV3(wrong_message, signature, cert)).toBe(goPlatform.expected.wrong_message_verifies);
    expect(certificateSerialNo(cert)).toBe(goPlatform.expected.serial_no);
  });
});

describe('verifyPayV3 (any message)', () => {
  it('verifies the wechatpay-java signature with its merchant certificate (v3_sign_merchant_key_wechatpay_java)', () => {
    const { message, certificate_pem } = javaSign.inputs;
    expect(verifyPayV3(message, javaSign.expected.signature, certificate_pem)).toBe(true);
    expect(verifyPayV3(`${message} `, javaSign.expected.signature, certificate_pem)).toBe(false);
  });

  it('verifies a request signature of the Authorization vector and the official paySign example', () => {
    const cert = javaSign.inputs.certificate_pem;
    expect(verifyPayV3(javaAuth.expected.message, javaAuth.expected.signature, cert)).toBe(true);
    expect(verifyPayV3(docJsapi.expected.message, docJsapi.expected.paySign, cert)).toBe(true);
    expect(verifyPayV3(docJsapi.expected.message, javaAuth.expected.signature, cert)).toBe(false);
  });

  it('verifies what Rsa.sign of wechatpay-axios-plugin makes, and they verify ours', () => {
    const rand = prng(0x5eed_3005);
    for (let i = 0; i < 30; i++) {
      const message = randomText(rand, 200);
      const theirs = Rsa.sign(message, DEV.platformPrivateKey);
      expect({ i, message, ok: verifyPayV3(message, theirs, DEV.platformCertificate) }).toEqual({ i, message, ok: true });
      expect(signPayV3(message, DEV.platformPrivateKey)).toBe(theirs);
      expect(Rsa.verify(message, signPayV3(message, DEV.platformPrivateKey), DEV.platformCertificate)).toBe(true);
    }
  });

  it('gives false, never throwing, for bad signatures, keys and arguments', () => {
    const { message, certificate_pem } = javaSign.inputs;
    const sig = javaSign.expected.signature;
    for (const [m, s, k] of [
      [message, '', certificate_pem],
      [message, '***', certificate_pem],
      [message, flipByte(sig, 3), certificate_pem],
      [message, sig, ec.publicKey],
      [message, sig, javaSign.inputs.private_key_pem],
      [message, sig, 'garbage'],
      [undefined, sig, certificate_pem],
      [message, undefined, certificate_pem],
    ] as [string, string, string][]) {
      expect(verifyPayV3(m, s, k)).toBe(false);
    }
  });
});

describe('buildPayV3Authorization', () => {
  const { mchid, serial_no, method, url, timestamp, nonce, body, private_key_pem } = javaAuth.inputs;
  const expectedHeader =
    `WECHATPAY2-SHA256-RSA2048 mchid="${mchid}",nonce_str="${nonce}",signature="${javaAuth.expected.signature}",` +
    `timestamp="${timestamp}",serial_no="${serial_no}"`;

  it("builds the header of the wechatpay-java inputs, the signature being openssl's (v3_authorization_get_wechatpay_java_inputs)", () => {
    expect(
      buildPayV3Authorization({ mchId: mchid, serialNo: serial_no, privateKey: private_key_pem, method, url, body, timestamp, nonce }),
    ).toBe(expectedHeader);
  });

  it('defaults the body to "" (a GET), takes a numeric timestamp, a lowercase method and bytes', () => {
    const base = { mchId: mchid, serialNo: serial_no, privateKey: private_key_pem, url, nonce };
    expect(buildPayV3Authorization({ ...base, method: 'GET', timestamp })).toBe(expectedHeader);
    expect(buildPayV3Authorization({ ...base, method: 'get', timestamp: Number(timestamp), body: Buffer.alloc(0) })).toBe(expectedHeader);
  });

  it('uses the current time and 32 random alphanumeric characters by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const header = buildPayV3Authorization({
      mchId: '1900000109',
      serialNo: DEV.merchantSerialNo,
      privateKey: DEV.merchantPrivateKey,
      method: 'GET',
      url: '/v3/certificates',
    });
    const after = Math.floor(Date.now() / 1000);
    const fields = parsePayV3Authorization(header)!;
    expect(Number(fields.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(fields.timestamp)).toBeLessThanOrEqual(after);
    expect(fields.nonce_str).toMatch(/^[A-Za-z0-9]{32}$/);
    const other = parsePayV3Authorization(
      buildPayV3Authorization({
        mchId: '1900000109',
        serialNo: DEV.merchantSerialNo,
        privateKey: DEV.merchantPrivateKey,
        method: 'GET',
        url: '/v3/certificates',
      }),
    )!;
    expect(other.nonce_str).not.toBe(fields.nonce_str);
    const message = Formatter.request('GET', '/v3/certificates', fields.timestamp, fields.nonce_str, '');
    expect(Rsa.verify(message, fields.signature, DEV.merchantCertificate)).toBe(true);
  });

  it('matches wechatpay-axios-plugin (Rsa.sign over Formatter.request, Formatter.authorization) for random requests', () => {
    const rand = prng(0x5eed_3002);
    const key = createPrivateKey(DEV.merchantPrivateKey);
    for (let i = 0; i < 40; i++) {
      const verb = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'][i % 5];
      const path = `/v3/pay/transactions/out-trade-no/${randomAlnum(rand, 1 + Math.floor(rand() * 20))}${rand() < 0.5 ? '?mchid=1900000109' : ''}`;
      const payload = verb === 'GET' ? '' : JSON.stringify({ description: randomText(rand, 30), amount: { total: i } });
      const ts = String(1_700_000_000 + Math.floor(rand() * 1e8));
      const nonceStr = Formatter.nonce(32);
      const context = `case ${i}: ${JSON.stringify({ verb, path, payload, ts, nonceStr })}`;
      const ours = buildPayV3Authorization({
        mchId: '1900000109',
        serialNo: DEV.merchantSerialNo,
        privateKey: key,
        method: verb,
        url: path,
        body: payload,
        timestamp: ts,
        nonce: nonceStr,
      });
      const theirSignature = Rsa.sign(Formatter.request(verb, path, ts, nonceStr, payload), key);
      const theirs = Formatter.authorization('1900000109', nonceStr, theirSignature, ts, DEV.merchantSerialNo);
      // Same fields and same signature; they write the fields in another order (WeChat accepts any).
      expect({ context, fields: parsePayV3Authorization(ours) }).toEqual({ context, fields: parsePayV3Authorization(theirs) });
      const f = parsePayV3Authorization(theirs)!;
      expect({ context, ours }).toEqual({
        context,
        ours: `${PAY_V3_AUTH_SCHEMA} mchid="${f.mchid}",nonce_str="${f.nonce_str}",signature="${f.signature}",timestamp="${f.timestamp}",serial_no="${f.serial_no}"`,
      });
    }
  });

  it('refuses a full URL, an odd method or timestamp, and values that cannot be quoted, with TypeError', () => {
    const base = {
      mchId: '1900000109',
      serialNo: DEV.merchantSerialNo,
      privateKey: DEV.merchantPrivateKey,
      method: 'GET',
      url: '/v3/certificates',
    };
    const bad: Partial<typeof base & { timestamp: unknown; nonce: unknown; body: unknown }>[] = [
      { url: 'https://api.mch.weixin.qq.com/v3/certificates' },
      { url: 'v3/certificates' },
      { url: '/v3/cert ificates' },
      { url: '' },
      { method: 'GE T' },
      { method: '' },
      { timestamp: 'abc' },
      { timestamp: 1.5 },
      { timestamp: -1 },
      { mchId: '19000"00109' },
      { mchId: '' },
      { serialNo: 'AB CD' },
      { nonce: 'a"b' },
      { nonce: '' },
      { body: 42 },
    ];
    for (const patch of bad) {
      expect(() => buildPayV3Authorization({ ...base, ...patch } as never)).toThrow(TypeError);
    }
  });

  it('refuses an unusable key with V3_PRIVATE_KEY', () => {
    const base = { mchId: '1900000109', serialNo: DEV.merchantSerialNo, method: 'GET', url: '/v3/certificates' };
    expectReason(() => buildPayV3Authorization({ ...base, privateKey: ec.privateKey }), 'V3_PRIVATE_KEY');
    expectReason(() => buildPayV3Authorization({ ...base, privateKey: pem(rsa1024.privateKey, 'pkcs1') }), 'V3_PRIVATE_KEY');
  });
});

describe('parsePayV3Authorization', () => {
  const header = `WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="abc",signature="c2ln+/=",timestamp="1700000000",serial_no="7AE6"`;
  const fields = { mchid: '1900000109', nonce_str: 'abc', signature: 'c2ln+/=', timestamp: '1700000000', serial_no: '7AE6' };

  it('reads the five fields in any order', () => {
    expect(parsePayV3Authorization(header)).toEqual(fields);
    // wechatpay-axios-plugin's order, and wechatpay-java's.
    expect(parsePayV3Authorization(Formatter.authorization('1900000109', 'abc', 'c2ln+/=', '1700000000', '7AE6'))).toEqual(fields);
    expect(
      parsePayV3Authorization(
        `WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="abc",timestamp="1700000000",serial_no="7AE6",signature="c2ln+/="`,
      ),
    ).toEqual(fields);
  });

  it('reads what buildPayV3Authorization writes', () => {
    const built = buildPayV3Authorization({
      mchId: '1900000109',
      serialNo: DEV.merchantSerialNo,
      privateKey: DEV.merchantPrivateKey,
      method: 'POST',
      url: '/v3/pay/transactions/jsapi',
      body: '{}',
      timestamp: 1700000000,
      nonce: 'n0nce',
    });
    const parsed = parsePayV3Authorization(built)!;
    expect(parsed).toMatchObject({ mchid: '1900000109', nonce_str: 'n0nce', timestamp: '1700000000', serial_no: DEV.merchantSerialNo });
    expect(parsed.signature).toBe(
      signPayV3(payV3Message('POST', '/v3/pay/transactions/jsapi', '1700000000', 'n0nce', '{}'), DEV.merchantPrivateKey),
    );
  });

  it('allows spaces around the commas and after the scheme', () => {
    expect(parsePayV3Authorization(header.replace(/,/g, ', '))).toEqual(fields);
    expect(parsePayV3Authorization(header.replace(/,/g, ' ,\t'))).toEqual(fields);
    expect(parsePayV3Authorization(header.replace(' ', '   '))).toEqual(fields);
  });

  it('gives null for anything else', () => {
    const cases: unknown[] = [
      '',
      PAY_V3_AUTH_SCHEMA,
      `${PAY_V3_AUTH_SCHEMA} `,
      header.replace('WECHATPAY2-SHA256-RSA2048', 'wechatpay2-sha256-rsa2048'),
      header.replace('WECHATPAY2-SHA256-RSA2048', 'WECHATPAY2-SHA256-RSA'),
      header.replace('WECHATPAY2-SHA256-RSA2048 ', 'WECHATPAY2-SHA256-RSA2048'),
      header.replace('WECHATPAY2-SHA256-RSA2048 ', 'Bearer '),
      ` ${header}`,
      header.replace(',serial_no="7AE6"', ''),
      header.replace('mchid="1900000109",', ''),
      `${header},mchid="1900000109"`,
      `${header},extra="1"`,
      `${header},`,
      `${header} junk`,
      header.replace('"1900000109"', '1900000109'),
      header.replace('"1900000109"', '""'),
      header.replace('"1900000109"', '"1900000109'),
      header.replace('mchid=', 'MCHID='),
      header.replace('mchid=', 'mchid ='),
      header.replace(/,/g, ';'),
      undefined,
      null,
      42,
    ];
    for (const value of cases) expect({ value, parsed: parsePayV3Authorization(value as string) }).toEqual({ value, parsed: null });
  });
});

describe('decryptPayV3Resource (AEAD_AES_256_GCM)', () => {
  it('decrypts the node-easywechat notification resource, whose nonce is 16 characters (v3_notify_resource_easywechat_node)', () => {
    const { apiv3_key, nonce, associated_data, ciphertext } = easyWeChat.inputs;
    expect(nonce).toHaveLength(16);
    expect(decryptPayV3Resource({ ciphertext, nonce, associated_data }, apiv3_key)).toBe(easyWeChat.expected.plaintext);
  });

  it('decrypts the wechatpay-java AEAD vector (v3_aead_aes_256_gcm_wechatpay_java)', () => {
    const { apiv3_key, nonce, associated_data, plaintext } = javaAead.inputs;
    expect(decryptPayV3Resource({ ciphertext: javaAead.expected.ciphertext, nonce, associated_data }, apiv3_key)).toBe(plaintext);
  });

  it('decrypts the certificate download of wechatpay-java to a Tenpay platform certificate with the announced serial (v3_download_certificate_wechatpay_java)', () => {
    const { apiv3_key, encrypt_certificate, serial_no } = javaDownload.inputs;
    expect(encrypt_certificate.algorithm).toBe(PAY_V3_AEAD_ALGORITHM);
    const certificate = decryptPayV3Resource(encrypt_certificate, apiv3_key);
    expect(certificate.startsWith(javaDownload.expected.plaintext_starts_with)).toBe(true);
    expect(certificateSerialNo(certificate)).toBe(serial_no);
    expect(certificateSerialNo(certificate)).toBe(javaDownload.expected.serial_no);
    const x509 = new X509Certificate(certificate);
    expect(x509.subject).toContain(`CN=${javaDownload.expected.subject_cn}`);
    expect(x509.issuer).toContain(`CN=${javaDownload.expected.issuer_cn}`);
    expect(loadPayV3PublicKey(certificate).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('decrypts the wechatpay-axios-plugin vectors, a bare tag (empty plaintext) included (v3_aes_gcm_wechatpay_axios_plugin)', () => {
    const { apiv3_key, nonce, cases } = axiosGcm.inputs;
    cases.forEach(({ plaintext, associated_data }, i) => {
      const ciphertext = axiosGcm.expected.ciphertexts[i];
      expect(decryptPayV3Resource({ ciphertext, nonce, associated_data }, apiv3_key)).toBe(plaintext);
    });
  });

  it('reads absent or null associated_data as ""', () => {
    const { apiv3_key, nonce } = axiosGcm.inputs;
    const ciphertext = axiosGcm.expected.ciphertexts[0];
    expect(decryptPayV3Resource({ ciphertext, nonce }, apiv3_key)).toBe('');
    expect(decryptPayV3Resource({ ciphertext, nonce, associated_data: null }, apiv3_key)).toBe('');
  });

  it('refuses the 16-byte keys of the wechatpay-go vectors (genuine AES-128-GCM, not APIv3) with V3_KEY', () => {
    for (const v of [goNotifyResource, goAes128]) {
      const { apiv3_key, nonce, associated_data, ciphertext } = v.inputs;
      // The vector is genuine: plain node:crypto AES-128-GCM opens it...
      const data = Buffer.from(ciphertext, 'base64');
      const decipher = createDecipheriv('aes-128-gcm', Buffer.from(apiv3_key), Buffer.from(nonce));
      decipher.setAAD(Buffer.from(associated_data)).setAuthTag(data.subarray(-16));
      expect(Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()]).toString()).toBe(v.expected.plaintext);
      // ...but an APIv3 key is 32 bytes, so it is refused rather than silently used as AES-128.
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data }, apiv3_key), 'V3_KEY', [apiv3_key]);
    }
  });

  describe('refusals (typed, and never holding the key nor the plaintext)', () => {
    const { apiv3_key, nonce, associated_data, plaintext } = javaAead.inputs;
    const ciphertext = javaAead.expected.ciphertext;
    const secrets = [apiv3_key, plaintext];

    it('V3_KEY for a key that is not 32 bytes', () => {
      for (const key of ['', apiv3_key.slice(1), `${apiv3_key}x`, apiv3_key.slice(0, 16), undefined, 32, Buffer.from(apiv3_key)]) {
        expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data }, key as string), 'V3_KEY', secrets);
      }
    });

    it('V3_DECRYPT for another key, a tampered ciphertext, nonce or associated data', () => {
      const other = 'b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data }, other), 'V3_DECRYPT', [...secrets, other]);
      const length = Buffer.from(ciphertext, 'base64').length;
      for (let i = 0; i < length; i++) {
        expectReason(
          () => decryptPayV3Resource({ ciphertext: flipByte(ciphertext, i), nonce, associated_data }, apiv3_key),
          'V3_DECRYPT',
          secrets,
        );
      }
      expectReason(
        () => decryptPayV3Resource({ ciphertext, nonce: nonce.toUpperCase(), associated_data }, apiv3_key),
        'V3_DECRYPT',
        secrets,
      );
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce: `${nonce}0`, associated_data }, apiv3_key), 'V3_DECRYPT', secrets);
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data: 'transaction' }, apiv3_key), 'V3_DECRYPT', secrets);
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce }, apiv3_key), 'V3_DECRYPT', secrets);
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data: 1 as never }, apiv3_key), 'V3_DECRYPT', secrets);
    });

    it('V3_DECRYPT for a ciphertext cut short or lengthened (the tag is the last 16 bytes)', () => {
      const bytes = Buffer.from(ciphertext, 'base64');
      for (const changed of [
        bytes.subarray(1),
        bytes.subarray(0, -1),
        Buffer.concat([bytes, Buffer.from([0])]),
        Buffer.concat([Buffer.from([0]), bytes]),
      ]) {
        expectReason(
          () => decryptPayV3Resource({ ciphertext: changed.toString('base64'), nonce, associated_data }, apiv3_key),
          'V3_DECRYPT',
          secrets,
        );
      }
    });

    it('V3_CIPHERTEXT_LENGTH for fewer than 16 bytes', () => {
      for (const n of [0, 1, 15]) {
        expectReason(
          () => decryptPayV3Resource({ ciphertext: Buffer.alloc(n, 7).toString('base64'), nonce, associated_data }, apiv3_key),
          'V3_CIPHERTEXT_LENGTH',
          secrets,
        );
      }
    });

    it('INVALID_BASE64 for a ciphertext that is not standard base64', () => {
      for (const bad of ['*', `${ciphertext.slice(0, -2)}*=`, ciphertext.replace(/\+/g, '-').replace(/\//g, '_') + '!', undefined, 12]) {
        expectReason(
          () => decryptPayV3Resource({ ciphertext: bad as string, nonce, associated_data }, apiv3_key),
          'INVALID_BASE64',
          secrets,
        );
      }
    });

    it('V3_NONCE for an empty or missing nonce', () => {
      for (const bad of ['', undefined, 5]) {
        expectReason(() => decryptPayV3Resource({ ciphertext, nonce: bad as string, associated_data }, apiv3_key), 'V3_NONCE', secrets);
      }
      expectReason(() => decryptPayV3Resource(undefined as never, apiv3_key), 'V3_NONCE', secrets);
    });

    it('INVALID_UTF8 when the authentic plaintext is not UTF-8', () => {
      const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiv3_key), Buffer.from(nonce));
      cipher.setAAD(Buffer.from(associated_data));
      const sealed = Buffer.concat([cipher.update(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), cipher.final(), cipher.getAuthTag()]).toString(
        'base64',
      );
      expectReason(() => decryptPayV3Resource({ ciphertext: sealed, nonce, associated_data }, apiv3_key), 'INVALID_UTF8', secrets);
    });
  });
});

describe('encryptPayV3Resource', () => {
  it('gives the ciphertext of the wechatpay-java vector (v3_aead_aes_256_gcm_wechatpay_java)', () => {
    const { apiv3_key, nonce, associated_data, plaintext } = javaAead.inputs;
    expect(encryptPayV3Resource(plaintext, apiv3_key, { nonce, associatedData: associated_data }).ciphertext).toBe(
      javaAead.expected.ciphertext,
    );
  });

  it('gives the ciphertext of the node-easywechat notification (v3_notify_resource_easywechat_node)', () => {
    const { apiv3_key, nonce, associated_data, ciphertext } = easyWeChat.inputs;
    expect(encryptPayV3Resource(easyWeChat.expected.plaintext, apiv3_key, { nonce, associatedData: associated_data }).ciphertext).toBe(
      ciphertext,
    );
  });

  it('gives the ciphertexts of the wechatpay-axios-plugin vectors (v3_aes_gcm_wechatpay_axios_plugin)', () => {
    const { apiv3_key, nonce, cases } = axiosGcm.inputs;
    expect(cases.map((c) => encryptPayV3Resource(c.plaintext, apiv3_key, { nonce, associatedData: c.associated_data }).ciphertext)).toEqual(
      axiosGcm.expected.ciphertexts,
    );
  });

  it('writes a resource the way WeChat does: its field order, a 12-character nonce, "transaction" by default', () => {
    const resource = encryptPayV3Resource('{"out_trade_no":"1"}', DEV.apiV3Key);
    expect(Object.keys(resource)).toEqual(['original_type', 'algorithm', 'ciphertext', 'associated_data', 'nonce']);
    expect(resource).toMatchObject({ original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction' });
    expect(resource.nonce).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(encryptPayV3Resource('x', DEV.apiV3Key).nonce).not.toBe(resource.nonce);
    expect(decryptPayV3Resource(resource, DEV.apiV3Key)).toBe('{"out_trade_no":"1"}');
    const refund = encryptPayV3Resource('{}', DEV.apiV3Key, { associatedData: 'refund', originalType: 'refund', nonce: 'abcdefghijkl' });
    expect(refund).toMatchObject({ original_type: 'refund', associated_data: 'refund', nonce: 'abcdefghijkl' });
    expect(encryptPayV3Resource('{}', DEV.apiV3Key, { associatedData: '' }).associated_data).toBe('');
  });

  it('refuses a bad key (V3_KEY) or an empty nonce (V3_NONCE)', () => {
    expectReason(() => encryptPayV3Resource('secret plaintext', 'short'), 'V3_KEY', ['secret plaintext']);
    expectReason(() => encryptPayV3Resource('secret plaintext', DEV.apiV3Key, { nonce: '' }), 'V3_NONCE', [
      'secret plaintext',
      DEV.apiV3Key,
    ]);
  });

  it('interoperates with Aes.AesGcm of wechatpay-axios-plugin both ways, for random texts, nonces and associated data', () => {
    const rand = prng(0x5eed_3003);
    for (let i = 0; i < 300; i++) {
      const key = randomAlnum(rand, 32);
      const nonce = randomAlnum(rand, 1 + Math.floor(rand() * 32));
      const associatedData = randomText(rand, 16);
      const plaintext = randomText(rand, 80);
      const context = `case ${i}: ${JSON.stringify({ key, nonce, associatedData, plaintext })}`;
      const ours = encryptPayV3Resource(plaintext, key, { nonce, associatedData });
      const theirs = Aes.AesGcm.encrypt(plaintext, key, nonce, associatedData);
      expect({ context, ct: ours.ciphertext }).toEqual({ context, ct: theirs });
      expect({ context, plain: Aes.AesGcm.decrypt(ours.ciphertext, key, nonce, associatedData) }).toEqual({ context, plain: plaintext });
      expect({ context, plain: decryptPayV3Resource({ ciphertext: theirs, nonce, associated_data: associatedData }, key) }).toEqual({
        context,
        plain: plaintext,
      });
    }
  });
});

describe('payV3JsapiPaySign (wx.requestPayment, signType RSA)', () => {
  const { appId, timeStamp, nonceStr, package: pkg, private_key_pem } = docJsapi.inputs;

  it('signs the official example the way openssl does (v3_jsapi_pay_sign_official_doc_inputs)', () => {
    expect(payV3JsapiPaySign({ appId, timeStamp, nonceStr, package: pkg }, private_key_pem)).toBe(docJsapi.expected.paySign);
  });

  it('equals Rsa.sign over Formatter.joinedByLineFeed of wechatpay-axios-plugin, and verifies with the merchant certificate', () => {
    const paySign = payV3JsapiPaySign({ appId, timeStamp, nonceStr, package: pkg }, DEV.merchantPrivateKey);
    expect(paySign).toBe(Rsa.sign(Formatter.joinedByLineFeed(appId, timeStamp, nonceStr, pkg), DEV.merchantPrivateKey));
    expect(Rsa.verify(docJsapi.expected.message, paySign, DEV.merchantCertificate)).toBe(true);
  });

  it('refuses an empty field with TypeError and a bad key with V3_PRIVATE_KEY', () => {
    expect(() => payV3JsapiPaySign({ appId, timeStamp, nonceStr, package: '' }, private_key_pem)).toThrow(TypeError);
    expect(() => payV3JsapiPaySign({ appId, timeStamp: 1414561699 as never, nonceStr, package: pkg }, private_key_pem)).toThrow(TypeError);
    expectReason(() => payV3JsapiPaySign({ appId, timeStamp, nonceStr, package: pkg }, ec.privateKey), 'V3_PRIVATE_KEY');
  });
});

describe('encryptPayV3Sensitive and decryptPayV3Sensitive (RSA-OAEP, SHA-1, MGF1-SHA-1)', () => {
  const { ciphertext, private_key_pem } = javaOaep.inputs;

  it('decrypts the wechatpay-java vector (v3_sensitive_rsa_oaep_decrypt_wechatpay_java), whose padding is OAEP with SHA-1', () => {
    expect(decryptPayV3Sensitive(ciphertext, private_key_pem)).toBe(javaOaep.expected.plaintext);
    expect(decryptPayV3Sensitive(ciphertext, pem(createPrivateKey(private_key_pem), 'pkcs1'))).toBe(javaOaep.expected.plaintext);
    // SHA-1 matters: the same bytes are not valid OAEP-SHA-256.
    expect(() =>
      privateDecrypt(
        { key: private_key_pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(ciphertext, 'base64'),
      ),
    ).toThrow();
  });

  it('encrypts so that OAEP-SHA-1 opens it, randomized, 256 bytes for a 2048-bit key', () => {
    const a = encryptPayV3Sensitive('张三', DEV.wechatPayPublicKey);
    const b = encryptPayV3Sensitive('张三', DEV.wechatPayPublicKey);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64')).toHaveLength(256);
    const opened = privateDecrypt(
      { key: DEV.wechatPayPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(a, 'base64'),
    );
    expect(opened.toString('utf8')).toBe('张三');
    expect(decryptPayV3Sensitive(b, DEV.wechatPayPrivateKey)).toBe('张三');
  });

  it('takes the platform certificate, the SPKI public key or a loaded key', () => {
    for (const key of [
      DEV.platformCertificate,
      pem(createPublicKey(DEV.platformPrivateKey), 'spki'),
      loadPayV3PublicKey(DEV.platformCertificate),
    ]) {
      expect(decryptPayV3Sensitive(encryptPayV3Sensitive('13800138000', key), DEV.platformPrivateKey)).toBe('13800138000');
    }
  });

  it('interoperates with Rsa.encrypt and Rsa.decrypt of wechatpay-axios-plugin', () => {
    const rand = prng(0x5eed_3004);
    for (let i = 0; i < 20; i++) {
      const text = randomText(rand, 40);
      expect(Rsa.decrypt(encryptPayV3Sensitive(text, DEV.merchantCertificate), DEV.merchantPrivateKey)).toBe(text);
      expect(decryptPayV3Sensitive(Rsa.encrypt(text, DEV.merchantCertificate), DEV.merchantPrivateKey)).toBe(text);
    }
  });

  it('takes up to 214 UTF-8 bytes with a 2048-bit key, and refuses more with RangeError without the text', () => {
    const longest = 'a'.repeat(214);
    expect(decryptPayV3Sensitive(encryptPayV3Sensitive(longest, DEV.wechatPayPublicKey), DEV.wechatPayPrivateKey)).toBe(longest);
    const tooLong = `secret-${'b'.repeat(208)}`;
    expect(() => encryptPayV3Sensitive(tooLong, DEV.wechatPayPublicKey)).toThrow(RangeError);
    try {
      encryptPayV3Sensitive(tooLong, DEV.wechatPayPublicKey);
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-');
    }
  });

  it('refuses another key, damage, bad base64 and unusable keys with typed errors', () => {
    const secrets = [javaOaep.expected.plaintext, pemBody(private_key_pem)];
    expectReason(() => decryptPayV3Sensitive(ciphertext, DEV.merchantPrivateKey), 'V3_SENSITIVE', secrets);
    expectReason(() => decryptPayV3Sensitive(flipByte(ciphertext, 10), private_key_pem), 'V3_SENSITIVE', secrets);
    expectReason(
      () => decryptPayV3Sensitive(Buffer.from(ciphertext, 'base64').subarray(1).toString('base64'), private_key_pem),
      'V3_SENSITIVE',
      secrets,
    );
    expectReason(() => decryptPayV3Sensitive('', private_key_pem), 'V3_SENSITIVE', secrets);
    expectReason(() => decryptPayV3Sensitive('***', private_key_pem), 'INVALID_BASE64', secrets);
    expectReason(() => decryptPayV3Sensitive(ciphertext, ec.privateKey), 'V3_PRIVATE_KEY', secrets);
    expectReason(() => decryptPayV3Sensitive(ciphertext, DEV.wechatPayPublicKey), 'V3_PRIVATE_KEY', secrets);
    expectReason(() => encryptPayV3Sensitive('x', pem(ec.publicKey, 'spki')), 'V3_PUBLIC_KEY');
    expectReason(() => encryptPayV3Sensitive('x', rsa1024.publicKey), 'V3_PUBLIC_KEY');
    expectReason(() => encryptPayV3Sensitive('x', DEV.wechatPayPrivateKey), 'V3_PUBLIC_KEY', [pemBody(DEV.wechatPayPrivateKey)]);
  });

  it('gives INVALID_UTF8 when the authentic plaintext is not UTF-8', () => {
    const bytes = Buffer.from([0xc3, 0x28]);
    const sealed = publicEncrypt(
      { key: DEV.merchantCertificate, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      bytes,
    ).toString('base64');
    expectReason(() => decryptPayV3Sensitive(sealed, DEV.merchantPrivateKey), 'INVALID_UTF8');
  });
});

describe('key material', () => {
  describe('loadPayV3PrivateKey', () => {
    it('loads PKCS#8 and PKCS#1 RSA keys of 2048 bits', () => {
      for (const text of [
        DEV.merchantPrivateKey,
        pem(createPrivateKey(DEV.merchantPrivateKey), 'pkcs1'),
        Buffer.from(javaSign.inputs.private_key_pem),
      ]) {
        const key = loadPayV3PrivateKey(text);
        expect(key.type).toBe('private');
        expect(key.asymmetricKeyType).toBe('rsa');
        expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
      }
    });

    it('refuses EC, Ed25519, 1024-bit RSA, encrypted, public and non-keys with V3_PRIVATE_KEY, never echoing the PEM', () => {
      const encrypted = createPrivateKey(DEV.merchantPrivateKey).export({
        format: 'pem',
        type: 'pkcs8',
        cipher: 'aes-256-cbc',
        passphrase: 'pw',
      }) as string;
      const cases: unknown[] = [
        pem(ec.privateKey, 'pkcs8'),
        ec.privateKey.export({ format: 'pem', type: 'sec1' }),
        pem(ed25519.privateKey, 'pkcs8'),
        pem(rsa1024.privateKey, 'pkcs8'),
        pem(rsa1024.privateKey, 'pkcs1'),
        encrypted,
        DEV.wechatPayPublicKey,
        DEV.merchantCertificate,
        DEV.merchantPrivateKey.replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n'),
        'not a key',
        '',
        undefined,
        42,
      ];
      for (const text of cases) {
        const secrets = typeof text === 'string' && text.includes('-----') ? [pemBody(text)] : [];
        expectReason(() => loadPayV3PrivateKey(text as string), 'V3_PRIVATE_KEY', secrets);
      }
    });
  });

  describe('loadPayV3PublicKey', () => {
    it('loads an SPKI public key, a PKCS#1 public key and an X.509 certificate (RSA, 2048 bits)', () => {
      const fromSpki = loadPayV3PublicKey(DEV.wechatPayPublicKey);
      expect(fromSpki.equals(createPublicKey(DEV.wechatPayPrivateKey))).toBe(true);
      expect(loadPayV3PublicKey(pem(fromSpki, 'pkcs1')).equals(fromSpki)).toBe(true);
      const fromCert = loadPayV3PublicKey(DEV.platformCertificate);
      expect(fromCert.type).toBe('public');
      expect(fromCert.equals(createPublicKey(DEV.platformPrivateKey))).toBe(true);
      expect(loadPayV3PublicKey(Buffer.from(goNotify.inputs.certificate_pem)).equals(createPublicKey(goSign.inputs.private_key_pem))).toBe(
        true,
      );
    });

    it('refuses private keys, EC keys and certificates, weak keys and non-keys with V3_PUBLIC_KEY', () => {
      const cases: unknown[] = [
        DEV.wechatPayPrivateKey,
        pem(createPrivateKey(DEV.wechatPayPrivateKey), 'pkcs1'),
        pem(ec.publicKey, 'spki'),
        leadingZero.inputs.certificate_pem,
        pem(ed25519.publicKey, 'spki'),
        pem(rsa1024.publicKey, 'spki'),
        DEV.wechatPayPublicKey.replace('MII', 'XXX'),
        'not a key',
        '',
        undefined,
      ];
      for (const text of cases) {
        const secrets = typeof text === 'string' && text.includes('PRIVATE') ? [pemBody(text)] : [];
        expectReason(() => loadPayV3PublicKey(text as string), 'V3_PUBLIC_KEY', secrets);
      }
    });
  });

  describe('certificateSerialNo', () => {
    it('gives the serials the SDKs and openssl give, sign byte stripped and leading zero kept', () => {
      expect(certificateSerialNo(goNotify.inputs.certificate_pem)).toBe('D7CE59D1F522D701');
      expect(certificateSerialNo(goPlatform.inputs.certificate_pem)).toBe('F5765756002FDD77');
      expect(certificateSerialNo(javaSign.inputs.certificate_pem)).toBe(javaSign.expected.serial_no);
      expect(certificateSerialNo(leadingZero.inputs.certificate_pem)).toBe(leadingZero.expected.serial_no);
      expect(certificateSerialNo(leadingZero.inputs.certificate_pem)).toHaveLength(40);
      expect(certificateSerialNo(Buffer.from(DEV.platformCertificate))).toBe(DEV.platformSerialNo);
    });

    it('refuses what is not a certificate with V3_CERTIFICATE', () => {
      for (const text of [DEV.wechatPayPublicKey, DEV.merchantPrivateKey, 'not a certificate', '']) {
        expectReason(() => certificateSerialNo(text), 'V3_CERTIFICATE', text.includes('PRIVATE') ? [pemBody(text)] : []);
      }
    });
  });

  it('isPayV3PublicKeyId tells a WeChat Pay public key id from a certificate serial', () => {
    expect(isPayV3PublicKeyId('PUB_KEY_ID_0114232806862025050800382000000000')).toBe(true);
    expect(isPayV3PublicKeyId(DEV.publicKeyId)).toBe(true);
    for (const value of [DEV.platformSerialNo, 'PUB_KEY_ID_', 'pub_key_id_0114', ` PUB_KEY_ID_1`, '', undefined, 1]) {
      expect(isPayV3PublicKeyId(value)).toBe(false);
    }
  });

  it('isPayV3ApiKey wants exactly 32 bytes', () => {
    expect(isPayV3ApiKey(DEV.apiV3Key)).toBe(true);
    expect(isPayV3ApiKey(javaAead.inputs.apiv3_key)).toBe(true);
    expect(isPayV3ApiKey('é'.repeat(16))).toBe(true); // 32 bytes in UTF-8, as the SDKs read it
    for (const value of ['', 'a'.repeat(31), 'a'.repeat(33), 'é'.repeat(32), 'testMchAPIv3Key0', Buffer.alloc(32), undefined, 32]) {
      expect(isPayV3ApiKey(value)).toBe(false);
    }
  });
});
