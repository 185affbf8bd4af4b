import { createPrivateKey } from 'node:crypto';
import { Formatter, Rsa } from 'wechatpay-axios-plugin';
import { prng } from '../../test/utils/prng';
import { buildPayV3Authorization, parsePayV3Authorization, PAY_V3_AUTH_SCHEMA, payV3Message, signPayV3 } from './pay-v3.crypto';
import { DEV, ec, expectReason, javaAuth, pem, randomAlnum, randomText, rsa1024 } from './pay-v3.crypto.spec-kit';

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
