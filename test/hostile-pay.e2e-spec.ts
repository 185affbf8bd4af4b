import { getDataSourceToken } from '@nestjs/typeorm';
import { createServer } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { DataSource } from 'typeorm';
import { AuthToken, PayOrder, PayRefund, WeChatAccount, WeChatPayService, WeChatUnavailableError } from '../lib';
import { startSampleApp, SampleApp } from '../sample-app/src/bootstrap';
import { loadConfig } from '../sample-app/src/config';
import { PickupOrder } from '../sample-app/src/pickup-order.entity';
import { paySnapshot, PayHarness, startPayHarness, until } from './src/pay-fixture';
import {
  answerCode,
  encryptReqInfo,
  paymentFields,
  rawRequest,
  RawResponse,
  refundInfoFields,
  refundOuterFields,
  signed,
  xmlOf,
} from './src/pay-notifications';
import { startHarness } from './utils/harness';
import { sampleAppEnv } from './utils/platform';

const PAY = '/miniprogram_auth/wechatPayCallback';
const REFUND = '/miniprogram_auth/wechatRefundCallback';

function expectXmlFail(res: RawResponse): void {
  expect(res.status).toBe(200);
  expect(res.contentType).toMatch(/^text\/xml/);
  expect(answerCode(res.text)).toBe('FAIL');
}

/**
 * Streams `total` bytes of a body (a valid-looking start, then filler) in chunks with backpressure,
 * and resolves the answer; writes failing after the server has answered are ignored.
 */
function streamBody(port: number, path: string, total: number, { chunked }: { chunked: boolean }): Promise<RawResponse & { ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'text/xml' };
    if (!chunked) headers['content-length'] = String(total);
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
          ms: Date.now() - started,
        });
        req.destroy();
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const head = Buffer.from('<xml><return_code>SUCCESS</return_code><a>');
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !answered) {
        const piece =
          sent === 0
            ? Buffer.concat([head, chunk]).subarray(0, Math.min(chunk.length, total))
            : chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (sent >= total) req.end();
    };
    pump();
  });
}

/** A raw TCP client: writes `parts` with pauses, then closes (`end` = half-close, `destroy` = reset); resolves what came back. */
function slowClient(
  port: number,
  parts: Array<string | Buffer>,
  { pauseMs = 30, close }: { pauseMs?: number; close: 'end' | 'destroy' },
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const safety = setTimeout(() => socket.destroy(), 3000);
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(safety);
      resolve(received);
    });
    let i = 0;
    const next = (): void => {
      if (socket.destroyed) return;
      if (i < parts.length) {
        socket.write(parts[i++]);
        setTimeout(next, pauseMs);
      } else if (close === 'end') {
        socket.end();
      } else {
        socket.destroy();
      }
    };
    socket.once('connect', next);
  });
}

describe('hostile input to the WeChat Pay notification endpoints (fixture host + simulator)', () => {
  let h: PayHarness;
  let token: string;
  let openId: string;
  /** Forged notifications name it: it must stay unpaid. */
  let target: PayOrder;
  let other: PayOrder;
  let paid: PayOrder;
  let refund: PayRefund;
  /** Orders a test pays on purpose (a valid edge case); excluded from the final "nothing changed". */
  const paidOnPurpose = new Set<number>();
  let baseline: Awaited<ReturnType<typeof paySnapshot>>;
  let baselineCounts: number[];
  let txSeq = 0;
  const newTransactionId = () => `4200008888${String(++txSeq).padStart(18, '0')}`;

  const orders = () => h.dataSource.getRepository(PayOrder);
  const counts = async () => [await h.dataSource.getRepository(WeChatAccount).count(), await h.dataSource.getRepository(AuthToken).count()];
  const genuineFor = (order: PayOrder, transactionId = newTransactionId()) =>
    signed(paymentFields(h.merchant, { outTradeNo: order.outTradeNo, totalFee: order.totalFee, openId }, transactionId), h.merchant.apiKey);
  const refundInfo = (overrides: Record<string, string> = {}) => ({
    ...refundInfoFields({
      outTradeNo: paid.outTradeNo,
      transactionId: paid.transactionId!,
      outRefundNo: refund.outRefundNo,
      refundId: refund.refundId ?? '',
      totalFee: paid.totalFee,
      refundFee: refund.refundFee,
      status: 'SUCCESS',
    }),
    ...overrides,
  });
  const refundBody = (reqInfo: string, outer: Record<string, string> = {}) =>
    Buffer.from(xmlOf(Object.entries({ ...refundOuterFields(h.merchant, reqInfo), ...outer })));
  const sealed = (fields: Record<string, string>, key = h.merchant.apiKey) =>
    encryptReqInfo(xmlOf(Object.entries(fields), { root: 'root' }), key);
  const post = (path: string, body: string | Buffer, contentType: string | null = 'text/xml') =>
    rawRequest(h.port, path, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), { contentType });

  beforeAll(async () => {
    h = await startPayHarness({ simOptions: { refundDelayMs: 3_600_000 } });
    ({ token, openId } = await h.login());
    target = (await h.pay.createJsapiPayment({ body: 'Hostile target', totalFee: 4321, openId })).order;
    other = (await h.pay.createJsapiPayment({ body: 'Another order', totalFee: 1234, openId })).order;
    const created = await h.pay.createJsapiPayment({ body: 'Paid order', totalFee: 5000, openId });
    await h.sim.pay({ prepayId: created.params.package.slice('prepay_id='.length) });
    paid = await until(async () => {
      const row = await orders().findOneByOrFail({ id: created.order.id });
      return row.paid ? row : null;
    });
    refund = await h.pay.refundOrder({ order: paid, refundFee: 700 });
    expect(refund.status).toBe('PROCESSING');
    baseline = await paySnapshot(h);
    baselineCounts = await counts();
  });
  afterAll(() => h?.close());

  describe('wrong HTTP methods', () => {
    it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'].flatMap((method) => [PAY, REFUND].map((path) => [method, path])))(
      'answers %s %s with 404/405, never 5xx',
      async (method, path) => {
        const res = await rawRequest(h.port, path, Buffer.from(xmlOf(Object.entries(genuineFor(target)))), { method });
        expect([404, 405]).toContain(res.status);
      },
    );
  });

  describe('huge bodies', () => {
    it.each([PAY, REFUND])('answers a 1 MiB XML body to %s with XML FAIL', async (path) => {
      expectXmlFail(await post(path, `<xml><return_code>SUCCESS</return_code><a>${'x'.repeat(1024 * 1024)}</a></xml>`));
    });

    it('refuses a genuine notification padded to 1 MiB (the size cap comes before anything else)', async () => {
      const xml = xmlOf(Object.entries(genuineFor(target)));
      expectXmlFail(await post(PAY, `${xml}${' '.repeat(1024 * 1024)}`));
      expect((await orders().findOneByOrFail({ id: target.id })).paid).toBe(false);
    });

    it('answers a 1 MiB JSON body with the host parser’s 413, not 500', async () => {
      const res = await post(PAY, JSON.stringify({ a: 'x'.repeat(1024 * 1024) }), 'application/json');
      expect(res.status).toBe(413);
    });

    it.each([
      ['chunked', true],
      ['with a content-length', false],
    ])('answers a streamed 10 MiB body (%s) with XML FAIL without reading it all first', async (_name, chunked) => {
      const res = await streamBody(h.port, PAY, 10 * 1024 * 1024, { chunked });
      expectXmlFail(res);
      expect(res.ms).toBeLessThan(10_000);
    });
  });

  describe('slow and aborted requests (raw sockets)', () => {
    const head = (length: number | 'chunked', path = PAY) =>
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n` +
      (length === 'chunked' ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${length}\r\n`) +
      '\r\n';

    it('survives a body dribbled in and then dropped (slowloris), changing nothing', async () => {
      const parts = [head(100_000), '<xml>', '<return_code>', 'SUCCESS', '</return_code>', '<a>'];
      await slowClient(h.port, parts, { close: 'destroy' });
      await slowClient(h.port, parts, { close: 'end' });
    });

    it('survives headers that never finish', async () => {
      await slowClient(h.port, ['POST /miniprogram_auth/wechatPayCallback HTTP/1.1\r\n', 'Host: 127.0.0.1\r\n', 'Content-Le'], {
        close: 'destroy',
      });
      await slowClient(h.port, ['POST /miniprogram_auth/wechatRefundCallback HTTP/1.1\r\nHost: x\r\n'], { close: 'end' });
    });

    it('survives a chunked body cut inside a chunk', async () => {
      await slowClient(h.port, [head('chunked', REFUND), 'ff\r\n<xml><return_code>SUCCESS', '</return_code>'], { close: 'destroy' });
      await slowClient(h.port, [head('chunked'), '10\r\n<xml><a>1</a></x\r\n', '5\r\nml>'], { close: 'end' });
    });

    it('does not act on a complete genuine notification whose request was cut short (Content-Length not reached)', async () => {
      const body = xmlOf(Object.entries(genuineFor(target)));
      const answer1 = await slowClient(h.port, [head(Buffer.byteLength(body) + 50), body], { close: 'end' });
      await slowClient(h.port, [head(Buffer.byteLength(body) + 50), body], { close: 'destroy' });
      expect(answer1).not.toContain('SUCCESS');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await orders().findOneByOrFail({ id: target.id })).paid).toBe(false);
    });

    it('still answers a normal request afterwards', async () => {
      await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${token}`).expect(200);
    });
  });

  describe('encodings', () => {
    it('accepts a genuine notification with a UTF-8 BOM (a legal XML document)', async () => {
      const order = (await h.pay.createJsapiPayment({ body: 'BOM order', totalFee: 77, openId })).order;
      paidOnPurpose.add(order.id);
      const res = await post(PAY, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xmlOf(Object.entries(genuineFor(order))))]));
      expect(answerCode(res.text)).toBe('SUCCESS');
      expect((await orders().findOneByOrFail({ id: order.id })).paid).toBe(true);
    });

    it.each(['text/xml; charset=utf-8', 'application/xml', 'text/plain', 'application/octet-stream', 'text/html', null])(
      'accepts a genuine notification sent as %p, as WeChat’s is read whatever its content type (both platforms)',
      async (contentType) => {
        const order = (await h.pay.createJsapiPayment({ body: 'Content-type order', totalFee: 79, openId })).order;
        paidOnPurpose.add(order.id);
        const res = await post(PAY, xmlOf(Object.entries(genuineFor(order))), contentType);
        expect(answerCode(res.text)).toBe('SUCCESS');
        expect((await orders().findOneByOrFail({ id: order.id })).paid).toBe(true);
      },
    );

    it.each([
      ['UTF-16LE with a BOM', (s: string) => Buffer.from(`\ufeff${s}`, 'utf16le')],
      ['UTF-16BE with a BOM', (s: string) => Buffer.from(`\ufeff${s}`, 'utf16le').swap16()],
      ['UTF-16LE without a BOM', (s: string) => Buffer.from(s, 'utf16le')],
      ['UTF-32LE', (s: string) => Buffer.concat([...s].map((c) => Buffer.from([c.charCodeAt(0), 0, 0, 0])))],
      ['Latin-1 bytes that are not UTF-8', (s: string) => Buffer.from(s.replace('JSAPI', 'JSAPÎ'), 'latin1')],
      [
        'a UTF-8 BOM in front of a forged sign',
        (s: string) => Buffer.from(`\ufeff${s.replace(/<sign>.*<\/sign>/, '<sign><![CDATA[00000000000000000000000000000000]]></sign>')}`),
      ],
    ])('refuses a genuine notification in %s', async (_name, encode) => {
      expectXmlFail(await post(PAY, encode(xmlOf(Object.entries(genuineFor(target))))));
      expect((await orders().findOneByOrFail({ id: target.id })).paid).toBe(false);
    });
  });

  describe('structure', () => {
    const genuineEntries = () => Object.entries(genuineFor(target));

    it.each([
      ['return_code twice (SUCCESS, FAIL)', () => [...genuineEntries(), ['return_code', 'FAIL']]],
      ['return_code twice (SUCCESS, SUCCESS)', () => [...genuineEntries(), ['return_code', 'SUCCESS']]],
      ['out_trade_no twice (another order)', () => [...genuineEntries(), ['out_trade_no', other.outTradeNo]]],
      ['sign twice', () => [...genuineEntries(), ['sign', genuineFor(target).sign]]],
    ] as Array<[string, () => Array<[string, string]>]>)('refuses a genuine notification with %s', async (_name, pairs) => {
      expectXmlFail(await post(PAY, xmlOf(pairs())));
    });

    it.each(['04321', '004321', '+4321', ' 4321', '4321 ', '4321.0', '4321e0', '４３２１'])(
      'refuses a correctly signed notification whose total_fee %p is not in WeChat’s canonical form',
      async (totalFee) => {
        const fields = paymentFields(h.merchant, { outTradeNo: target.outTradeNo, totalFee: target.totalFee, openId }, newTransactionId());
        expectXmlFail(await post(PAY, xmlOf(Object.entries(signed({ ...fields, total_fee: totalFee }, h.merchant.apiKey)))));
        expect((await orders().findOneByOrFail({ id: target.id })).paid).toBe(false);
      },
    );

    it.each([
      ['wrapped in a second <xml>', (x: string) => `<xml>${x}</xml>`],
      ['a nested value', (x: string) => x.replace(/<total_fee>(.*?)<\/total_fee>/, '<total_fee><v>$1</v></total_fee>')],
      ['an attribute', (x: string) => x.replace('<return_code>', '<return_code a="b">')],
      ['an attribute on the root', (x: string) => x.replace('<xml>', '<xml id="1">')],
      ['a DOCTYPE', (x: string) => `<!DOCTYPE xml>${x}`],
      [
        'an external entity',
        (x: string) =>
          `<!DOCTYPE xml [<!ENTITY t SYSTEM "file:///etc/hostname">]>${x.replace('<trade_type><![CDATA[JSAPI]]></trade_type>', '<trade_type>&t;</trade_type>')}`,
      ],
      ['a comment', (x: string) => x.replace('<xml>', '<xml><!-- hi -->')],
      ['a second root', (x: string) => `${x}<xml></xml>`],
      ['trailing text', (x: string) => `${x}junk`],
      ['1,000 levels of nesting', (x: string) => x.replace('<xml>', `<xml>${'<n>'.repeat(1000)}x${'</n>'.repeat(1000)}`)],
    ])('refuses a genuine notification with %s', async (_name, change) => {
      expectXmlFail(await post(PAY, change(xmlOf(genuineEntries()))));
    });

    /** `count` distinct element names of 2 and 3 characters, short enough for 10,000 of them to fit in 64 KiB. */
    function names(count: number): string[] {
      const first = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
      const rest = [...first, ...'0123456789_'.split('')];
      const out: string[] = [];
      for (const a of first) for (const b of rest) out.push(`${a}${b}`);
      for (const a of first) for (const b of rest) for (const c of rest) out.push(`${a}${b}${c}`);
      return out.filter((n) => n !== 'xml').slice(0, count);
    }

    it('refuses a forged notification with 10,000 fields quickly', async () => {
      const fields = names(10_000)
        .map((n) => `<${n}/>`)
        .join('');
      // How fast is the benchmarks' business (bench/micro.mjs); a blow-up in the parser shows here as the test's timeout.
      const res = await post(PAY, `<xml><return_code>SUCCESS</return_code>${fields}<sign>00</sign></xml>`);
      expectXmlFail(res);
      // …and the same number of fields in a forged notification for the target, under the cap.
      const empties = names(10_000)
        .map((n) => `<${n}/>`)
        .join('');
      expectXmlFail(
        await post(
          PAY,
          `<xml>${empties}${xmlOf(genuineEntries())
            .slice(5, -6)
            .replace(/<sign>.*<\/sign>/, '<sign>00</sign>')}</xml>`,
        ),
      );
    });

    it('accepts a genuine notification carrying 10,000 extra empty fields (they are not signed)', async () => {
      const order = (await h.pay.createJsapiPayment({ body: '10k order', totalFee: 88, openId })).order;
      paidOnPurpose.add(order.id);
      const empties = names(10_000)
        .filter((n) => !(n in genuineFor(order)))
        .map((n) => `<${n}/>`)
        .join('');
      const body = `<xml>${empties}${xmlOf(Object.entries(genuineFor(order))).slice(5, -6)}</xml>`;
      expect(Buffer.byteLength(body)).toBeLessThan(64 * 1024);
      const res = await post(PAY, body);
      expect(answerCode(res.text)).toBe('SUCCESS');
      expect((await orders().findOneByOrFail({ id: order.id })).paid).toBe(true);
    });

    it('refuses 10,000 fields that exceed the 64 KiB cap', async () => {
      expectXmlFail(
        await post(
          PAY,
          `<xml>${names(10_000)
            .map((n) => `<${n}>12345</${n}>`)
            .join('')}</xml>`,
        ),
      );
    });
  });

  describe('refund notifications', () => {
    const stillProcessing = async () => {
      expect((await h.dataSource.getRepository(PayRefund).findOneByOrFail({ id: refund.id })).status).toBe('PROCESSING');
      expect((await orders().findOneByOrFail({ id: paid.id })).refundedFee).toBe(0);
      expect(await h.dataSource.getRepository(PayRefund).count()).toBe(baseline.refunds.length);
    };

    it.each([
      ['garbage (not base64)', () => 'this is not base64!!'],
      ['37 random bytes', () => Buffer.alloc(37, 0x5a).toString('base64')],
      ['three random blocks', () => Buffer.alloc(48, 0xa5).toString('base64')],
      ['binary-looking text', () => '\u00ff\u00fe<>&;'],
      ['an oversized value under the size cap', () => 'QUFB'.repeat(15_000)],
      ['an oversized value over the size cap', () => 'QUFB'.repeat(50_000)],
      ['another merchant’s key', () => sealed(refundInfo(), 'Z'.repeat(32))],
      ['a truncated ciphertext', () => sealed(refundInfo()).slice(0, 44)],
    ])('refuses a req_info of %s', async (_name, reqInfo) => {
      expectXmlFail(await post(REFUND, refundBody(reqInfo())));
      await stillProcessing();
    });

    it('refuses an empty and a missing req_info', async () => {
      expectXmlFail(await post(REFUND, refundBody('')));
      expectXmlFail(
        await post(
          REFUND,
          xmlOf([
            ['return_code', 'SUCCESS'],
            ['appid', h.merchant.appId],
            ['mch_id', h.merchant.mchId],
          ]),
        ),
      );
      await stillProcessing();
    });

    it.each([
      ['an unknown order', { out_trade_no: 'nosuchorder000001', out_refund_no: 'nosuchrefund0001' }],
      ['an unknown order but a known refund', { out_trade_no: 'nosuchorder000001' }],
      ['another order of ours', { out_trade_no: 'OTHER' }],
      ['refund_status PROCESSING', { refund_status: 'PROCESSING' }],
      ['refund_status in lower case', { refund_status: 'success' }],
      ['an unknown refund_status', { refund_status: 'REFUNDED' }],
      ['no refund_status', { refund_status: '' }],
      ['another refund_fee', { refund_fee: '701' }],
      ['a refund_fee that is not an integer', { refund_fee: '700.00' }],
      ['a refund_fee with a leading zero', { refund_fee: '0700' }],
      ['a refund_fee with a sign', { refund_fee: '+700' }],
      ['a refund_fee with a space', { refund_fee: ' 700' }],
      ['a refund_fee in full-width digits', { refund_fee: '７００' }],
      ['no out_refund_no', { out_refund_no: '' }],
    ] as Array<[string, Record<string, string>]>)('refuses a correctly encrypted req_info for %s', async (_name, overrides) => {
      const fields = refundInfo(overrides.out_trade_no === 'OTHER' ? { ...overrides, out_trade_no: other.outTradeNo } : overrides);
      expectXmlFail(await post(REFUND, refundBody(sealed(fields))));
      await stillProcessing();
    });

    it.each([
      ['another mch_id', { mch_id: '1900000999' }],
      ['another appid', { appid: 'wx0000000000000000' }],
      ['return_code FAIL', { return_code: 'FAIL' }],
    ])('refuses a correctly encrypted req_info with %s outside', async (_name, outer) => {
      expectXmlFail(await post(REFUND, refundBody(sealed(refundInfo()), outer)));
      await stillProcessing();
    });

    it('refuses a req_info whose plaintext is not the flat <root> document', async () => {
      for (const text of [
        xmlOf(Object.entries(refundInfo()), { root: 'xml' }),
        `<!DOCTYPE root>${xmlOf(Object.entries(refundInfo()), { root: 'root' })}`,
        xmlOf([...Object.entries(refundInfo()), ['refund_fee', '1']], { root: 'root' }),
        JSON.stringify(refundInfo()),
        '',
      ]) {
        expectXmlFail(await post(REFUND, refundBody(encryptReqInfo(text, h.merchant.apiKey))));
      }
      await stillProcessing();
    });
  });

  describe('afterwards', () => {
    it('has changed nothing it must not have changed', async () => {
      const now = await paySnapshot(h);
      expect(now.refunds).toEqual(baseline.refunds);
      expect(now.orders.filter((o) => !paidOnPurpose.has(o.id))).toEqual(baseline.orders);
      expect(now.orders.filter((o) => paidOnPurpose.has(o.id)).every((o) => o.paid)).toBe(true);
      expect(await counts()).toEqual(baselineCounts);
    });

    it('still serves: a guarded request, a genuine payment and a genuine refund notification', async () => {
      await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${token}`).expect(200);
      const transactionId = newTransactionId();
      expect(answerCode((await post(PAY, xmlOf(Object.entries(genuineFor(target, transactionId))))).text)).toBe('SUCCESS');
      expect(await orders().findOneByOrFail({ id: target.id })).toMatchObject({ paid: true, transactionId });
      expect(answerCode((await post(REFUND, refundBody(sealed(refundInfo())))).text)).toBe('SUCCESS');
      expect((await h.dataSource.getRepository(PayRefund).findOneByOrFail({ id: refund.id })).status).toBe('SUCCESS');
      expect((await orders().findOneByOrFail({ id: paid.id })).refundedFee).toBe(700);
    });
  });
});

describe('hostile input to the pay flow of the sample app (pickup orders)', () => {
  let sample: SampleApp;
  let ds: DataSource;
  let token: string;
  let strangerToken: string;

  async function call(method: string, path: string, body?: unknown, auth: string | null = token, raw?: string) {
    const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const res = await fetch(`${sample.appUrl}${path}`, {
      method,
      // No content type without a body: Fastify refuses an empty body declared as JSON (400) before routing.
      headers: {
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth ? { authorization: `Token ${auth}` } : {}),
      },
      body: payload,
    });
    const text = await res.text();
    return { status: res.status, text, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown> };
  }
  const login = async () =>
    (await call('POST', '/miniprogram_auth/login', { code: sample.simulator!.login().code }, null)).body.token as string;
  const newOrder = async (totalFee = 100) => (await call('POST', '/orders', { description: 'Pickup order', totalFee })).body.id as number;
  const payOrders = () => ds.getRepository(PayOrder);

  beforeAll(async () => {
    sample = await startSampleApp(loadConfig(sampleAppEnv()), false);
    ds = sample.app.get<DataSource>(getDataSourceToken());
    token = await login();
    strangerToken = await login();
  });
  afterAll(() => sample?.close());

  it.each([
    ['a negative amount', { description: 'x', totalFee: -1 }],
    ['a fractional amount', { description: 'x', totalFee: 1.5 }],
    ['an amount as a string', { description: 'x', totalFee: '100' }],
    ['a huge amount', { description: 'x', totalFee: 1e20 }],
    ['NaN via JSON', { description: 'x', totalFee: null }],
    ['an empty description', { description: '', totalFee: 1 }],
    ['a description too long', { description: 'd'.repeat(128), totalFee: 1 }],
    ['a nested description', { description: { $gt: '' }, totalFee: 1 }],
    // PostgreSQL cannot store U+0000; WeChat Pay v2's XML cannot carry either.
    ['U+0000 in the description', { description: 'Pickup\u0000order', totalFee: 1 }],
    ['ESC in the description', { description: 'Pickup \u001b[31morder', totalFee: 1 }],
    ['a lone surrogate in the description', { description: 'Pickup \ud83d', totalFee: 1 }],
  ])('refuses to create an order with %s (400, nothing stored)', async (_name, body) => {
    const before = await ds.getRepository(PickupOrder).count();
    const res = await call('POST', '/orders', body);
    expect(res.status).toBe(400);
    expect(await ds.getRepository(PickupOrder).count()).toBe(before);
  });

  it('refuses a body nested 5,000 levels deep on every JSON route with 400 (no stack overflow)', async () => {
    const deep = `{"description":"x","totalFee":1,"x":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`;
    const before = await ds.getRepository(PickupOrder).count();
    const id = await newOrder();
    for (const path of ['/orders', `/orders/${id}/refund`, '/miniprogram_auth/login', '/miniprogram_auth/updateUserInfo']) {
      const res = await call('POST', path, undefined, token, deep);
      expect([path, res.status]).toEqual([path, 400]);
    }
    expect(await ds.getRepository(PickupOrder).count()).toBe(before + 1);
  });

  it('is not polluted by a __proto__ key (the key is dropped, nothing else changes)', async () => {
    const res = await call(
      'POST',
      '/orders',
      undefined,
      token,
      '{"description":"x","totalFee":1,"__proto__":{"admin":true},"constructor":{"prototype":{"y":1}}}',
    );
    expect([200, 400]).toContain(res.status);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(({} as Record<string, unknown>).y).toBeUndefined();
    expect(res.body.admin).toBeUndefined();
  });

  it('refuses bodies that are not JSON objects with 400', async () => {
    for (const raw of ['{"description":"x",', '[]', '"x"', 'null', '<xml/>']) {
      expect((await call('POST', '/orders', undefined, token, raw)).status).toBe(400);
    }
  });

  it.each(['abc', '-1', '0', '1.5', '1e3', '99999999999999999999', '%00', '1%20OR%201=1'])(
    'answers pay/refund/get of order id %s with 400 or 404',
    async (id) => {
      for (const [method, path] of [
        ['POST', `/orders/${id}/pay`],
        ['POST', `/orders/${id}/refund`],
        ['GET', `/orders/${id}`],
      ]) {
        expect([400, 404]).toContain((await call(method, path, method === 'POST' ? {} : undefined)).status);
      }
    },
  );

  it('keeps orders private and guarded, and answers wrong methods with 404', async () => {
    const id = await newOrder();
    expect((await call('POST', `/orders/${id}/pay`, {}, strangerToken)).status).toBe(404);
    expect((await call('POST', `/orders/${id}/refund`, {}, strangerToken)).status).toBe(404);
    expect((await call('POST', `/orders/${id}/pay`, {}, null)).status).toBe(401);
    expect((await call('POST', `/orders/${id}/pay`, {}, 'x'.repeat(40))).status).toBe(401);
    expect((await call('GET', `/orders/${id}/pay`)).status).toBe(404);
    expect((await call('PUT', `/orders/${id}/pay`, {})).status).toBe(404);
    expect((await call('DELETE', `/orders/${id}`)).status).toBe(404);
    expect(await payOrders().count()).toBe(0);
  });

  it('refuses refunds of unpaid orders and hostile refund amounts', async () => {
    const id = await newOrder(300);
    expect((await call('POST', `/orders/${id}/refund`, {})).status).toBe(409);
    expect((await call('POST', `/orders/${id}/pay`, {})).status).toBe(200);
    for (const refundFee of [-1, 0, 1.5, '10', 1e20]) {
      expect([400, 409]).toContain((await call('POST', `/orders/${id}/refund`, { refundFee })).status);
    }
    expect(await ds.getRepository(PayRefund).count()).toBe(0);
  });

  // Concurrent POST /orders/:id/pay on an order without a PayOrder must not create several PayOrders
  // (only one could be linked; paying another would charge the user for an order never fulfilled).
  it('creates one PayOrder per pickup order even when pay is tapped many times at once', async () => {
    const id = await newOrder(555);
    // WeChat answering unifiedorder in 100 ms (a normal latency) makes the window certain.
    sample.simulator!.addFault({ path: '/pay/unifiedorder', delayMs: 100, count: 10 });
    const results = await Promise.all(Array.from({ length: 10 }, () => call('POST', `/orders/${id}/pay`, {})));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(results.map((r) => r.body.package)).size).toBe(1);
  });

  it('never refunds more than was paid when refunds race', async () => {
    const sim = sample.simulator!;
    const id = await newOrder(1000);
    const params = await call('POST', `/orders/${id}/pay`, {});
    await sim.pay({ prepayId: (params.body.package as string).slice('prepay_id='.length) });
    await until(async () => (await call('GET', `/orders/${id}`)).body.paid === true);
    for (const refundFee of [-1, 0, 1.5, '10', 1e20, 1001]) {
      expect([400, 409]).toContain((await call('POST', `/orders/${id}/refund`, { refundFee })).status);
    }
    const partial = await Promise.all(Array.from({ length: 5 }, () => call('POST', `/orders/${id}/refund`, { refundFee: 600 })));
    const full = await Promise.all(Array.from({ length: 5 }, () => call('POST', `/orders/${id}/refund`, {})));
    // 502 is WeChat refusing a refund that passed our check while another one was in flight.
    for (const res of [...partial, ...full]) expect([200, 400, 409, 502]).toContain(res.status);
    expect(partial.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    const payOrderId = (await ds.getRepository(PickupOrder).findOneOrFail({ where: { id }, relations: { payOrder: true } })).payOrder!.id;
    const refunds = await ds.getRepository(PayRefund).findBy({ orderId: payOrderId });
    expect(refunds.reduce((sum, r) => sum + r.refundFee, 0)).toBeLessThanOrEqual(1000);
    for (const r of refunds) expect(sim.refund(r.outRefundNo)).toBeDefined();
  });

  it('does not fulfil an order on forged notifications, and fulfils it once on the genuine one', async () => {
    const sim = sample.simulator!;
    const id = await newOrder(250);
    const params = await call('POST', `/orders/${id}/pay`, {});
    const outTradeNo = (await call('GET', `/orders/${id}`)).body.outTradeNo as string;
    for (const kind of [
      'forged-sign',
      'wrong-key',
      'wrong-amount',
      'wrong-appid',
      'wrong-mchid',
      'fail-return-code',
      'unsigned',
    ] as const) {
      const [report] = await sim.notify({ outTradeNo, kind });
      expect(report.attempts[0].body).toContain('FAIL');
    }
    expect((await call('GET', `/orders/${id}`)).body).toMatchObject({ status: 'CREATED', paid: false, fulfilledCount: 0 });
    await sim.pay({ prepayId: (params.body.package as string).slice('prepay_id='.length) });
    await sim.notify({ outTradeNo, kind: 'duplicate', copies: 10 });
    expect((await call('GET', `/orders/${id}`)).body).toMatchObject({ status: 'FULFILLED', paid: true, fulfilledCount: 1 });
  });

  it('still serves afterwards', async () => {
    expect((await call('GET', '/health', undefined, null)).body).toEqual({ ok: true });
    expect((await call('GET', '/miniprogram_auth/me')).status).toBe(200);
  });
});

describe('hostile answers from the pay API', () => {
  // An answer naming an unknown sign_type is an unusable answer, not a programming error.
  it('turns an answer with an unknown sign_type into WeChatUnavailableError, not a TypeError', async () => {
    const fake = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'text/xml');
        res.end(
          '<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code><sign_type>FOO</sign_type><sign>ABC</sign></xml>',
        );
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const h = await startHarness({
      options: {
        pay: {
          mchId: '1900000109',
          apiKey: 'k'.repeat(32),
          notifyUrl: 'http://127.0.0.1:1/miniprogram_auth/wechatPayCallback',
          baseUrl: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
        },
        http: { timeoutMs: 1000, retries: 0, retryDelayMs: 1 },
      },
    });
    try {
      await expect(h.app.get(WeChatPayService).orderQuery({ outTradeNo: 'order0001' })).rejects.toBeInstanceOf(WeChatUnavailableError);
    } finally {
      await h.close();
      fake.close();
    }
  });
});
