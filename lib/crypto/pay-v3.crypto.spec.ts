import { createPrivateKey, createPublicKey, KeyObject, sign as nodeSign, X509Certificate } from 'node:crypto';
import { Formatter, Rsa } from 'wechatpay-axios-plugin';
import { v3Vector } from '../../test/fixtures/vectors';
import { prng } from '../../test/utils/prng';
import {
  certificateSerialNo,
  loadPayV3PublicKey,
  PAY_V3_AEAD_ALGORITHM,
  PAY_V3_AUTH_SCHEMA,
  payV3JsapiPaySign,
  payV3Message,
  signPayV3,
  verifyPayV3,
  verifyPayV3Signature,
} from './pay-v3.crypto';
import {
  DEV,
  ec,
  ed25519,
  expectReason,
  flipByte,
  goNotify,
  goPlatform,
  goSign,
  javaAuth,
  javaSign,
  pem,
  pemBody,
  randomText,
  rsa1024,
} from './pay-v3.crypto.spec-kit';

const docJsapi = v3Vector<
  { appId: string; timeStamp: string; nonceStr: string; package: string; private_key_pem: string },
  { message: string; paySign: string }
>('v3_jsapi_pay_sign_official_doc_inputs');

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
