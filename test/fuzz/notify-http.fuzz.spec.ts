import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { PayOrder, PayRefund } from '../../lib';
import { paySnapshot, PayHarness, startPayHarness } from '../src/pay-fixture';
import {
  answerCode,
  encryptReqInfo,
  paymentFields,
  rawRequest,
  refundInfoFields,
  refundOuterFields,
  signed,
  SignType,
  signV2,
  xmlOf,
} from '../src/pay-notifications';
import { anyString, xmlish } from './arbitraries';
import { configureFuzz } from './fuzz-settings';
import { testPlatform } from '../utils/platform';

configureFuzz();

const PAY_PATH = '/miniprogram_auth/wechatPayCallback';
const REFUND_PATH = '/miniprogram_auth/wechatRefundCallback';

/**
 * Content types Nest's default body parsers (json, urlencoded; on either platform) consume before the route runs:
 * for them a notification cannot reach the library, and the host's parser may answer 4xx itself.
 * Everything else (text/xml, none, anything unknown) is read raw by the route.
 */
const PARSED_BY_HOST = new Set(['application/json', 'application/x-www-form-urlencoded']);
/** Fastify answers 415 to a `Content-Type` header that is not a media type at all (an empty one) before any route. */
const refusedByPlatform = (contentType: string) => testPlatform() === 'fastify' && contentType.trim() === '';
/** Fastify reads `text/plain` with its own parser, as a UTF-8 string, before the route sees it. */
const decodedByPlatform = (contentType: string | null) =>
  testPlatform() === 'fastify' && contentType !== null && contentType.split(';')[0].trim().toLowerCase() === 'text/plain';
const reachesRoute = (contentType: string | null) =>
  contentType === null || !(PARSED_BY_HOST.has(contentType.split(';')[0].trim().toLowerCase()) || refusedByPlatform(contentType));

const contentType: fc.Arbitrary<string | null> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom<string | null>(
      'text/xml',
      'text/xml; charset=utf-8',
      'application/xml',
      'TEXT/XML',
      'text/plain',
      'application/octet-stream',
      'text/html',
      'application/soap+xml',
      '',
      null,
      'text/xml; charset=gbk',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8') },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,8}\/[a-z0-9.+-]{1,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom('multipart/form-data; boundary=zz', 'text/xml; charset=utf-16', 'x/y; a="b"') },
);

/** A deterministic shuffle (so that a seed reproduces the same body). */
function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const envelope = fc.record({
  style: fc.constantFrom<'cdata' | 'text'>('cdata', 'text'),
  shuffle: fc.option(fc.nat(), { nil: undefined }),
  prefix: fc.constantFrom('', '\ufeff', '<?xml version="1.0" encoding="UTF-8"?>\n', '\n  '),
  whitespace: fc.boolean(),
  extraEmpty: fc.option(fc.stringMatching(/^zz_[a-z]{1,6}$/), { nil: undefined }),
});
type Envelope = typeof envelope extends fc.Arbitrary<infer T> ? T : never;

/** Writes fields as XML the way a genuine sender may: any order, CDATA or text, BOM, declaration, whitespace, extra empty fields. */
function writeGenuine(fields: Record<string, string>, e: Envelope, root = 'xml'): Buffer {
  let pairs = Object.entries(fields);
  if (e.extraEmpty !== undefined) pairs.push([e.extraEmpty, '']);
  if (e.shuffle !== undefined) pairs = shuffle(pairs, e.shuffle);
  let xml = xmlOf(pairs, { root, style: e.style });
  if (e.whitespace)
    xml = xml.replace(new RegExp(`<(/?)(${pairs.map(([k]) => k).join('|')})>`, 'g'), (m, slash: string) => (slash ? m : `\n\t${m}`));
  return Buffer.from(`${e.prefix}${xml}`, 'utf8');
}

const garbage: fc.Arbitrary<Buffer> = fc.oneof(
  anyString.map((s) => Buffer.from(s, 'utf8')),
  xmlish.map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.alloc(0), Buffer.from('<xml></xml>'), Buffer.from('<xml/>'), Buffer.from('{"return_code":"SUCCESS"}')),
);

const wrongKey = fc.stringMatching(/^[0-9A-Za-z]{32}$/);

/**
 * Ways to write an amount that are not WeChat's canonical form (ASCII digits, no sign, no leading zero, no spaces):
 * each, correctly signed or sealed, must be refused, never read as the amount.
 */
const nonCanonicalAmount = fc.record({
  form: fc.constantFrom('zeros', 'plus', 'space-before', 'space-after', 'tab', 'decimal', 'exponent', 'full-width', 'arabic-indic'),
  zeros: fc.integer({ min: 1, max: 4 }),
});
type NonCanonicalAmount = typeof nonCanonicalAmount extends fc.Arbitrary<infer T> ? T : never;

function writeAmount(fen: number, { form, zeros }: NonCanonicalAmount): string {
  const digits = String(fen);
  const shifted = (base: number) => [...digits].map((d) => String.fromCodePoint(base + Number(d))).join('');
  const forms: Record<NonCanonicalAmount['form'], string> = {
    zeros: `${'0'.repeat(zeros)}${digits}`,
    plus: `+${digits}`,
    'space-before': ` ${digits}`,
    'space-after': `${digits} `,
    tab: `\t${digits}`,
    decimal: `${digits}.${'0'.repeat(zeros)}`,
    exponent: `${digits}e0`,
    'full-width': shifted(0xff10),
    'arabic-indic': shifted(0x0660),
  };
  return forms[form];
}

const payMutation = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('genuine' as const),
      e: envelope,
      type: fc.constantFrom<SignType>('MD5', 'HMAC-SHA256'),
      lower: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('genuine-fail' as const), e: envelope }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat(), same: fc.boolean(), to: fc.string({ maxLength: 8 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('change' as const), pick: fc.nat(), to: fc.oneof(fc.string({ maxLength: 12 }), anyString) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('sign' as const), to: fc.oneof(fc.stringMatching(/^[0-9A-F]{32}$/), fc.string()) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('other-key' as const), key: wrongKey, type: fc.constantFrom<SignType>('MD5', 'HMAC-SHA256') }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('resigned' as const),
      what: fc.constantFrom('appid', 'mch_id', 'total_fee', 'out_trade_no', 'transaction_id', 'return_code', 'sign_type', 'drop-appid'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('wrap' as const),
      how: fc.constantFrom('doctype', 'entity', 'comment', 'nested', 'attribute', 'trailing', 'second-root', 'root-name', 'text', 'utf16'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unsigned' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('amount' as const), amount: nonCanonicalAmount }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('garbage' as const), body: garbage }) },
);
type PayMutation = typeof payMutation extends fc.Arbitrary<infer T> ? T : never;

/** `to`, or (when it happens to be the same) something else. */
function otherValue(value: string, to: string): string {
  if (to !== value) return to;
  return `${value}x`;
}

/** A body for the payment callback and whether it is a genuine notification (and of which kind). */
function payBody(
  m: PayMutation,
  merchant: { appId: string; mchId: string; apiKey: string },
  order: PayOrder,
  transactionId: string,
): { body: Buffer; genuine: false | 'paid' | 'failed' } {
  const base = paymentFields(merchant, { outTradeNo: order.outTradeNo, totalFee: order.totalFee, openId: order.openId }, transactionId);
  const good = signed(base, merchant.apiKey);
  const entries = Object.entries(good);
  const plain = (pairs: Array<[string, string]>) => Buffer.from(xmlOf(pairs), 'utf8');
  switch (m.kind) {
    case 'genuine': {
      const fields = m.type === 'MD5' ? { ...base } : { ...base, sign_type: m.type };
      const sign = signV2(fields, merchant.apiKey, m.type);
      return { body: writeGenuine({ ...fields, sign: m.lower ? sign.toLowerCase() : sign }, m.e), genuine: 'paid' };
    }
    case 'genuine-fail': {
      const fields = { ...base, result_code: 'FAIL', err_code: 'PAYERROR', err_code_des: '支付失败' };
      return { body: writeGenuine(signed(fields, merchant.apiKey), m.e), genuine: 'failed' };
    }
    case 'drop': {
      const at = m.pick % entries.length;
      return { body: plain(entries.filter((_, i) => i !== at)), genuine: false };
    }
    case 'duplicate': {
      const [k, v] = entries[m.pick % entries.length];
      return { body: plain([...entries, [k, m.same ? v : otherValue(v, m.to)]]), genuine: false };
    }
    case 'change': {
      const unsignedEntries = entries.filter(([k]) => k !== 'sign');
      const [k, v] = unsignedEntries[m.pick % unsignedEntries.length];
      return { body: plain(entries.map(([key, value]) => [key, key === k ? otherValue(v, m.to) : value])), genuine: false };
    }
    case 'sign':
      return { body: plain([...entries.filter(([k]) => k !== 'sign'), ['sign', otherValue(good.sign, m.to)]]), genuine: false };
    case 'other-key': {
      const fields = m.type === 'MD5' ? base : { ...base, sign_type: m.type };
      return { body: plain(Object.entries({ ...fields, sign: signV2(fields, m.key, m.type) })), genuine: false };
    }
    case 'resigned': {
      const changed: Record<string, string> = { ...base };
      if (m.what === 'appid') changed.appid = 'wx0000000000000000';
      else if (m.what === 'mch_id') changed.mch_id = '1900000999';
      else if (m.what === 'total_fee') changed.total_fee = String(order.totalFee + 1);
      else if (m.what === 'out_trade_no') changed.out_trade_no = `nosuch${order.outTradeNo}`.slice(0, 32);
      else if (m.what === 'transaction_id') changed.transaction_id = '';
      else if (m.what === 'return_code') changed.return_code = 'FAIL';
      else if (m.what === 'sign_type') changed.sign_type = 'SHA1';
      else delete changed.appid;
      const sign = signV2(m.what === 'sign_type' ? base : changed, merchant.apiKey);
      return { body: plain(Object.entries({ ...changed, sign })), genuine: false };
    }
    case 'wrap': {
      const xml = xmlOf(entries);
      const inner = xml.slice('<xml>'.length, -'</xml>'.length);
      const bodies: Record<typeof m.how, string> = {
        doctype: `<!DOCTYPE xml>${xml}`,
        entity: `<!DOCTYPE xml [<!ENTITY e "${order.outTradeNo}">]>${xml.replace(order.outTradeNo, '&e;')}`,
        comment: `<xml><!-- c -->${inner}</xml>`,
        nested: `<xml><outer>${inner}</outer></xml>`,
        attribute: `<xml id="1">${inner}</xml>`,
        trailing: `${xml}<extra/>`,
        'second-root': `${xml}${xml}`,
        'root-name': `<root>${inner}</root>`,
        text: `<xml>${inner}stray</xml>`,
        utf16: '',
      };
      if (m.how === 'utf16') return { body: Buffer.from(`\ufeff${xml}`, 'utf16le'), genuine: false };
      return { body: Buffer.from(bodies[m.how], 'utf8'), genuine: false };
    }
    case 'truncate': {
      const full = plain(entries);
      return { body: full.subarray(0, m.at % full.length), genuine: false };
    }
    case 'unsigned':
      return { body: plain(Object.entries(base)), genuine: false };
    case 'amount':
      return {
        body: plain(Object.entries(signed({ ...base, total_fee: writeAmount(order.totalFee, m.amount) }, merchant.apiKey))),
        genuine: false,
      };
    case 'garbage':
      return { body: m.body, genuine: false };
  }
}

const refundMutation = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('genuine' as const),
      status: fc.constantFrom('SUCCESS', 'REFUNDCLOSE', 'CHANGE'),
      inner: envelope,
      outer: envelope,
      wrap: fc.boolean(),
      extraInner: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('req-info' as const),
      value: fc.oneof(
        anyString,
        fc.constant(''),
        fc.base64String({ maxLength: 120 }),
        fc
          .integer({ min: 1, max: 6 })
          .chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n }).map((b) => Buffer.from(b).toString('base64'))),
        fc.integer({ min: 60_000, max: 70_000 }).map((n) => 'A'.repeat(n - (n % 4))),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('other-key' as const), key: wrongKey }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('amount' as const), amount: nonCanonicalAmount }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('inner' as const),
      what: fc.constantFrom(
        'status-processing',
        'status-missing',
        'status-lower',
        'unknown-trade',
        'other-order',
        'fee-other',
        'fee-zero',
        'fee-negative',
        'fee-decimal',
        'fee-missing',
        'refund-no-missing',
        'wrong-root',
        'nested',
        'duplicate',
        'not-xml',
        'doctype',
        'empty',
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('outer' as const),
      what: fc.constantFrom('appid', 'mch_id', 'no-appid', 'return-fail', 'no-req-info', 'duplicate-req-info', 'nested', 'doctype'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('garbage' as const), body: garbage }) },
);
type RefundMutation = typeof refundMutation extends fc.Arbitrary<infer T> ? T : never;

function refundBody(
  m: RefundMutation,
  merchant: { appId: string; mchId: string; apiKey: string },
  refund: PayRefund,
  order: PayOrder,
  otherOrder: PayOrder,
): { body: Buffer; genuine: false | { status: string } } {
  const info = refundInfoFields({
    outTradeNo: order.outTradeNo,
    transactionId: order.transactionId ?? '',
    outRefundNo: refund.outRefundNo,
    refundId: refund.refundId ?? '',
    totalFee: order.totalFee,
    refundFee: refund.refundFee,
    status: 'SUCCESS',
  });
  const outer = (reqInfo: string) => Object.entries(refundOuterFields(merchant, reqInfo));
  const plain = (pairs: Array<[string, string]>) => Buffer.from(xmlOf(pairs), 'utf8');
  const sealed = (fields: Record<string, string>) => encryptReqInfo(xmlOf(Object.entries(fields), { root: 'root' }), merchant.apiKey);
  switch (m.kind) {
    case 'genuine': {
      const fields: Record<string, string> = { ...info, refund_status: m.status };
      if (m.extraInner) fields.refund_channel = 'ORIGINAL';
      let reqInfo = encryptReqInfo(
        writeGenuine(fields, { ...m.inner, prefix: m.inner.prefix === '\n  ' ? '' : m.inner.prefix }, 'root'),
        merchant.apiKey,
      );
      if (m.wrap) reqInfo = reqInfo.replace(/(.{64})/g, '$1\n');
      return { body: writeGenuine(refundOuterFields(merchant, reqInfo), m.outer), genuine: { status: m.status } };
    }
    case 'req-info':
      return { body: plain(outer(m.value)), genuine: false };
    case 'other-key':
      return { body: plain(outer(encryptReqInfo(xmlOf(Object.entries(info), { root: 'root' }), m.key))), genuine: false };
    case 'amount':
      return { body: plain(outer(sealed({ ...info, refund_fee: writeAmount(refund.refundFee, m.amount) }))), genuine: false };
    case 'inner': {
      const f: Record<string, string> = { ...info };
      let text: string | undefined;
      if (m.what === 'status-processing') f.refund_status = 'PROCESSING';
      else if (m.what === 'status-missing') delete f.refund_status;
      else if (m.what === 'status-lower') f.refund_status = 'success';
      else if (m.what === 'unknown-trade') f.out_trade_no = `nosuch${order.outTradeNo}`.slice(0, 32);
      else if (m.what === 'other-order') f.out_trade_no = otherOrder.outTradeNo;
      else if (m.what === 'fee-other') f.refund_fee = String(refund.refundFee + 1);
      else if (m.what === 'fee-zero') f.refund_fee = '0';
      else if (m.what === 'fee-negative') f.refund_fee = `-${refund.refundFee}`;
      else if (m.what === 'fee-decimal') f.refund_fee = `${refund.refundFee}.0`;
      else if (m.what === 'fee-missing') delete f.refund_fee;
      else if (m.what === 'refund-no-missing') f.out_refund_no = '';
      else if (m.what === 'wrong-root') text = xmlOf(Object.entries(f), { root: 'xml' });
      else if (m.what === 'nested') text = `<root><x>${xmlOf(Object.entries(f), { root: 'y' })}</x></root>`;
      else if (m.what === 'duplicate') text = xmlOf([...Object.entries(f), ['refund_status', 'SUCCESS']], { root: 'root' });
      else if (m.what === 'not-xml') text = JSON.stringify(f);
      else if (m.what === 'doctype') text = `<!DOCTYPE root>${xmlOf(Object.entries(f), { root: 'root' })}`;
      else text = '';
      return { body: plain(outer(text === undefined ? sealed(f) : encryptReqInfo(text, merchant.apiKey))), genuine: false };
    }
    case 'outer': {
      const reqInfo = sealed(info);
      const o: Record<string, string> = refundOuterFields(merchant, reqInfo);
      if (m.what === 'appid') o.appid = 'wx0000000000000000';
      else if (m.what === 'mch_id') o.mch_id = '1900000999';
      else if (m.what === 'no-appid') delete o.appid;
      else if (m.what === 'return-fail') o.return_code = 'FAIL';
      else if (m.what === 'no-req-info') delete o.req_info;
      else if (m.what === 'duplicate-req-info') return { body: plain([...Object.entries(o), ['req_info', reqInfo]]), genuine: false };
      else if (m.what === 'nested') return { body: Buffer.from(`<xml><n>${xmlOf(Object.entries(o))}</n></xml>`), genuine: false };
      else return { body: Buffer.from(`<!DOCTYPE xml>${xmlOf(Object.entries(o))}`), genuine: false };
      return { body: plain(Object.entries(o)), genuine: false };
    }
    case 'garbage':
      return { body: m.body, genuine: false };
  }
}

/** The answer must be XML 200 (or the host body parser's own 4xx where it consumes the body) and SUCCESS exactly for genuine ones. */
function checkAnswer(res: { status: number; contentType: string; text: string }, ct: string | null, genuine: boolean, body: Buffer): void {
  if (!genuine && res.status === 400 && decodedByPlatform(ct) && !isUtf8(body)) {
    // Fastify's own text/plain parser decodes the body and then finds its length differs from Content-Length.
    return;
  }
  if (reachesRoute(ct)) {
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/xml/);
    expect(answerCode(res.text)).toBe(genuine ? 'SUCCESS' : 'FAIL');
  } else if (res.status === 200) {
    expect(res.contentType).toMatch(/^text\/xml/);
    expect(answerCode(res.text)).toBe('FAIL');
  } else {
    // Nest's json/urlencoded parser refused the body before the route (bad JSON, too large, bad charset).
    expect([400, 413, 415]).toContain(res.status);
  }
}

const strip = ({ updatedAt: _u, version: _v, ...rest }: PayOrder) => rest;

describe('the notification endpoints under fuzzed HTTP input (one pay-enabled app with the simulator)', () => {
  let h: PayHarness;
  let token: string;
  let openId: string;
  const unpaid: PayOrder[] = [];
  const paid: PayOrder[] = [];
  const refunds: PayRefund[] = [];
  let reserve: PayOrder;
  let txSeq = 0;
  const newTransactionId = () => `4200009999${String(++txSeq).padStart(18, '0')}`;

  beforeAll(async () => {
    // Refunds stay PROCESSING at the simulator (settled only by the notifications sent here).
    h = await startPayHarness({ simOptions: { refundDelayMs: 3_600_000 } });
    const login = await h.login();
    token = login.token;
    openId = login.openId;
    const create = (i: number) => h.pay.createJsapiPayment({ body: `Fuzz order ${i}`, totalFee: 100 + i, openId });
    for (let i = 0; i < 40; i++) unpaid.push((await create(i)).order);
    reserve = (await create(999)).order;
    for (let i = 0; i < 24; i++) {
      const { order, params } = await create(200 + i);
      await h.sim.pay({ prepayId: params.package.slice('prepay_id='.length) });
      const row = await h.dataSource.getRepository(PayOrder).findOneByOrFail({ id: order.id });
      expect(row.paid).toBe(true);
      paid.push(row);
      refunds.push(await h.pay.refundOrder({ order: row, refundFee: 10 + i }));
    }
    expect(refunds.every((r) => r.status === 'PROCESSING')).toBe(true);
  }, 60_000);

  afterAll(() => h?.close());

  const fresh = async (order: PayOrder) => h.dataSource.getRepository(PayOrder).findOneByOrFail({ id: order.id });

  it('answers the payment callback XML, SUCCESS only for genuine notifications, and changes only what a genuine one changes', async () => {
    const plan = fc.record({
      pool: fc.constantFrom('unpaid', 'unpaid', 'paid'),
      target: fc.nat(),
      m: payMutation,
      ct: contentType,
      chunked: fc.boolean(),
    });
    let genuineSent = 0;
    await fc.assert(
      fc.asyncProperty(plan, async ({ pool, target, m, ct, chunked }) => {
        const order = await fresh((pool === 'paid' ? paid : unpaid)[target % (pool === 'paid' ? paid.length : unpaid.length)]);
        const transactionId = order.transactionId ?? newTransactionId();
        const { body, genuine } = payBody(m, h.merchant, order, transactionId);
        const before = await paySnapshot(h);
        const res = await rawRequest(h.port, PAY_PATH, body, { contentType: ct, chunked });
        const accepted = !!genuine && reachesRoute(ct);
        checkAnswer(res, ct, !!genuine, body);
        const after = await paySnapshot(h);
        expect(after.refunds).toEqual(before.refunds);
        expect(after.orders.length).toBe(before.orders.length);
        for (const [i, row] of after.orders.entries()) {
          const was = before.orders[i];
          if (row.id !== order.id || !accepted || was.paid) {
            expect(row).toEqual(was);
          } else if (genuine === 'paid') {
            genuineSent++;
            expect(row).toMatchObject({ paid: true, status: 'SUCCESS', transactionId, totalFee: was.totalFee });
          } else {
            expect(strip(row)).toEqual({ ...strip(was), status: 'PAYERROR' });
          }
        }
      }),
      { numRuns: 120, endOnFailure: true },
    );
    // The run must have exercised both outcomes, or it proves little.
    expect(genuineSent).toBeGreaterThan(0);
  }, 60_000);

  it('answers the refund callback XML, SUCCESS only for genuine notifications, and settles only what a genuine one settles', async () => {
    const plan = fc.record({ target: fc.nat(), other: fc.nat(), m: refundMutation, ct: contentType, chunked: fc.boolean() });
    let settled = 0;
    await fc.assert(
      fc.asyncProperty(plan, async ({ target, other, m, ct, chunked }) => {
        const refund = await h.dataSource.getRepository(PayRefund).findOneByOrFail({ id: refunds[target % refunds.length].id });
        const order = await fresh(paid.find((o) => o.id === refund.orderId)!);
        const otherOrder = paid.filter((o) => o.id !== order.id)[other % (paid.length - 1)];
        const { body, genuine } = refundBody(m, h.merchant, refund, order, otherOrder);
        const before = await paySnapshot(h);
        const res = await rawRequest(h.port, REFUND_PATH, body, { contentType: ct, chunked });
        checkAnswer(res, ct, !!genuine, body);
        const after = await paySnapshot(h);
        expect(after.refunds.length).toBe(before.refunds.length);
        expect(after.orders.length).toBe(before.orders.length);
        const settles = !!genuine && reachesRoute(ct) && refund.status === 'PROCESSING';
        if (!settles) {
          expect(after).toEqual(before);
          return;
        }
        settled++;
        const status = (genuine as { status: string }).status;
        for (const [i, row] of after.refunds.entries()) {
          if (row.id === refund.id) expect(row).toMatchObject({ status, refundFee: refund.refundFee, orderId: order.id });
          else expect(row).toEqual(before.refunds[i]);
        }
        for (const [i, row] of after.orders.entries()) {
          const was = before.orders[i];
          if (row.id === order.id && status === 'SUCCESS') {
            expect(strip(row)).toEqual({ ...strip(was), status: 'REFUND', refundedFee: was.refundedFee + refund.refundFee });
          } else {
            expect(row).toEqual(was);
          }
        }
      }),
      { numRuns: 120, endOnFailure: true },
    );
    expect(settled).toBeGreaterThan(0);
  }, 60_000);

  it('still serves afterwards: a normal request and a genuine notification succeed', async () => {
    await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${token}`).expect(200);
    const transactionId = newTransactionId();
    const fields = signed(
      paymentFields(h.merchant, { outTradeNo: reserve.outTradeNo, totalFee: reserve.totalFee, openId }, transactionId),
      h.merchant.apiKey,
    );
    const res = await rawRequest(h.port, PAY_PATH, Buffer.from(xmlOf(Object.entries(fields))));
    expect(answerCode(res.text)).toBe('SUCCESS');
    expect(await fresh(reserve)).toMatchObject({ paid: true, transactionId });
  });
});
