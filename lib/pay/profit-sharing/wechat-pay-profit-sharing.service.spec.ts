import { DataSource } from 'typeorm';
import { decryptPayV3Sensitive } from '../../crypto/pay-v3.crypto';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayProfitShare } from '../../entities/pay-profit-share.entity';
import { PayRefund } from '../../entities/pay-refund.entity';
import { PayProfitSharingLimitError } from '../../errors/wechat-pay-profit-sharing.error';
import { WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import { resolveMiniProgramOptions } from '../../options/mini-program-options.validation';
import { SIMULATOR_DEV_V3, simulatorDevV3Options } from '../../testing/dev-keys/dev-v3-keys';
import { MemoryAccessTokenStore } from '../../wechat/access-token.store';
import type { PayEventRegistry } from '../pay-event.registry';
import { PayLedger } from '../pay-ledger';
import { WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import { WeChatPayV3Client } from '../v3/wechat-pay-v3.client';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { checkAddReceiver, checkReturn, checkSplit, normaliseSplit, splitDigest, splitLimit } from './profit-sharing-input';
import { PayProfitSharingLedger } from './profit-sharing-ledger';
import type { PayProfitSharingSettledEvent, RequestProfitSharingRequest } from './profit-sharing.interfaces';
import { WeChatPayProfitSharingService } from './wechat-pay-profit-sharing.service';

const MCH = '1900000109';
const APP_ID = 'wx4f4bc4dec97d474b';
const TXN = '4200000000202612060000000001';

/** The service on an in-memory SQLite database; no request leaves the process (`client.call` is a mock). */
async function setup(profitSharingMaxRatio?: number) {
  const options = resolveMiniProgramOptions({
    appId: APP_ID,
    appSecret: '0123456789abcdef0123456789abcdef',
    http: { retries: 0 },
    pay: {
      mchId: MCH,
      baseUrl: 'http://127.0.0.1:9',
      v3: simulatorDevV3Options('public-key', { notifyUrl: 'https://host/mp/wechatPayV3Callback' }),
      ...(profitSharingMaxRatio !== undefined ? { profitSharingMaxRatio } : {}),
    },
  });
  const db = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: [PayOrder, PayRefund, PayProfitShare],
    synchronize: true,
  });
  await db.initialize();
  const orders = db.getRepository(PayOrder);
  const shares = db.getRepository(PayProfitShare);
  const client = new WeChatPayV3Client(options, new WeChatPayHttpClient(options), new MemoryAccessTokenStore());
  const call = jest.spyOn(client, 'call').mockRejectedValue(new Error('no answer queued'));
  const settled: PayProfitSharingSettledEvent[] = [];
  const events = {
    profitSharingSettled: jest.fn(async (e: PayProfitSharingSettledEvent) => void settled.push(e)),
  } as unknown as PayEventRegistry;
  const ledger = new PayLedger(events, orders, db.getRepository(PayRefund));
  const service = new WeChatPayProfitSharingService(
    options,
    new WeChatPayV3Api(options, client),
    new PayProfitSharingLedger(events, ledger, shares),
    orders,
    shares,
  );
  const order = await orders.save(
    orders.create({
      outTradeNo: 'T202612060001',
      body: 'x',
      totalFee: 1000,
      openId: 'o-user',
      status: 'SUCCESS',
      paid: true,
      transactionId: TXN,
    }),
  );
  return { db, call, service, order, shares, settled };
}

const answer = (json: Record<string, unknown>) => ({ status: 200, body: Buffer.from(JSON.stringify(json)), json });
const processing = (req: RequestProfitSharingRequest) =>
  answer({
    transaction_id: TXN,
    out_order_no: req.outOrderNo,
    order_id: '3008450740201411110007820472',
    state: 'PROCESSING',
    receivers: req.receivers.map((r) => ({
      type: r.type,
      account: r.account,
      amount: r.amount,
      description: r.description,
      result: 'PENDING',
    })),
  });

function split(order: PayOrder | number, amount: number, outOrderNo = 'P20261206001'): RequestProfitSharingRequest {
  return {
    order,
    outOrderNo,
    receivers: [{ type: 'MERCHANT_ID', account: '1900000110', amount, description: '分给商户' }],
    unfreezeUnsplit: false,
  };
}

describe('profit sharing input', () => {
  it('refuses bad requests with every problem at once', () => {
    expect(() => checkSplit('requestSplit', null)).toThrow(WeChatPayInputError);
    try {
      checkSplit('requestSplit', {
        order: 0,
        outOrderNo: 'with space',
        receivers: [
          { type: 'BANK', account: '1', amount: -1, description: '' },
          { type: 'PERSONAL_OPENID', account: 'o-1', amount: 1, description: 'a' },
          { type: 'PERSONAL_OPENID', account: 'o-1', amount: 1, description: 'b' },
        ],
        unfreezeUnsplit: 'yes',
      });
      throw new Error('not refused');
    } catch (error) {
      expect((error as WeChatPayInputError).problems).toEqual(
        expect.arrayContaining([
          'order must be a PayOrder or its id',
          'outOrderNo must be 1–64 characters of [0-9A-Za-z_-|*@]',
          'unfreezeUnsplit must be a boolean',
          'receivers[0].type must be one of MERCHANT_ID, PERSONAL_OPENID',
          'receivers[2] names a receiver given already',
        ]),
      );
    }
    expect(() => checkSplit('requestSplit', { ...split(1, 1), receivers: Array(51).fill(split(1, 1).receivers[0]) })).toThrow(/1–50/);
    expect(() => checkAddReceiver('add', { type: 'MERCHANT_ID', account: MCH, relationType: 'PARTNER' })).toThrow(/name/);
    expect(() => checkAddReceiver('add', { type: 'PERSONAL_OPENID', account: 'o-1', relationType: 'CUSTOM' })).toThrow(/customRelation/);
    expect(() => checkReturn('ret', { outReturnNo: 'R1', returnMchId: MCH, amount: 1, description: 'x' })).toThrow(/exactly one/);
  });

  it('computes the limit in whole fen at the configured ratio', () => {
    expect(splitLimit(1000, 0.3)).toBe(300);
    expect(splitLimit(999, 0.3)).toBe(299);
    expect(splitLimit(1, 0.3)).toBe(0);
    expect(splitLimit(1000, 1)).toBe(1000);
    expect(splitLimit(333, 0.25)).toBe(83);
  });

  it('keys the digest with the APIv3 key and covers the names', () => {
    const req = split(1, 10);
    const named = { ...req, receivers: [{ ...req.receivers[0], name: '张三' }] };
    expect(splitDigest('k'.repeat(32), 1, req)).not.toBe(splitDigest('j'.repeat(32), 1, req));
    expect(splitDigest('k'.repeat(32), 1, req)).not.toBe(splitDigest('k'.repeat(32), 1, named));
    expect(splitDigest('k'.repeat(32), 1, named)).not.toContain('张三');
  });

  it('normalises answers, dropping lines it cannot read and states it does not know', () => {
    const s = normaliseSplit({
      out_order_no: 'P1',
      state: 'SOMETHING',
      receivers: [{ type: 'X' }, { type: 'MERCHANT_ID', account: MCH, amount: 5, result: 'CLOSED', fail_reason: 'NO_RELATION' }],
    });
    expect(s.state).toBeUndefined();
    expect(s.receivers).toEqual([expect.objectContaining({ account: MCH, amount: 5, result: 'CLOSED', failReason: 'NO_RELATION' })]);
  });
});

describe('WeChatPayProfitSharingService', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  afterEach(async () => {
    if (s?.db.isInitialized) await s.db.destroy();
  });

  it('adds a receiver with its name encrypted for the WeChat Pay public key, named by its serial', async () => {
    s = await setup();
    s.call.mockResolvedValueOnce(answer({ type: 'MERCHANT_ID', account: MCH, relation_type: 'PARTNER' }));
    const result = await s.service.addReceiver({ type: 'MERCHANT_ID', account: MCH, name: '示例商户', relationType: 'PARTNER' });
    expect(result).toMatchObject({ type: 'MERCHANT_ID', account: MCH, relationType: 'PARTNER' });
    const [, method, path, body, options] = s.call.mock.calls[0];
    expect([method, path]).toEqual(['POST', '/v3/profitsharing/receivers/add']);
    expect(body).toMatchObject({ appid: APP_ID, type: 'MERCHANT_ID', account: MCH, relation_type: 'PARTNER' });
    expect(body?.name).not.toBe('示例商户');
    expect(decryptPayV3Sensitive(body?.name as string, SIMULATOR_DEV_V3.wechatPayPrivateKey)).toBe('示例商户');
    expect(options).toEqual({ wechatpaySerial: SIMULATOR_DEV_V3.publicKeyId });
  });

  it('builds the split body from the stored order, receivers named encrypted', async () => {
    s = await setup();
    const req = split(s.order, 100);
    req.receivers[0].name = '收款商户';
    s.call.mockResolvedValueOnce(processing(req));
    const share = await s.service.requestSplit(req);
    expect(share).toMatchObject({ state: 'PROCESSING', amount: 100, wechatOrderId: '3008450740201411110007820472' });
    const [, , path, body] = s.call.mock.calls[0];
    expect(path).toBe('/v3/profitsharing/orders');
    expect(body).toMatchObject({ appid: APP_ID, transaction_id: TXN, out_order_no: req.outOrderNo, unfreeze_unsplit: false });
    const line = (body?.receivers as Array<Record<string, unknown>>)[0];
    expect(line).toMatchObject({ type: 'MERCHANT_ID', account: '1900000110', amount: 100, description: '分给商户' });
    expect(decryptPayV3Sensitive(line.name as string, SIMULATOR_DEV_V3.wechatPayPrivateKey)).toBe('收款商户');
  });

  it('applies the configured ratio; a refusal by WeChat releases the reservation', async () => {
    s = await setup(0.5);
    await expect(s.service.requestSplit(split(s.order, 501, 'P1'))).rejects.toBeInstanceOf(PayProfitSharingLimitError);
    s.call.mockRejectedValueOnce(new WeChatPayError('v3.request', { returnCode: 'FAIL', errCode: 'NOT_ENOUGH' }, 400));
    await expect(s.service.requestSplit(split(s.order, 500, 'P2'))).rejects.toBeInstanceOf(WeChatPayError);
    expect(await s.shares.count()).toBe(0);
    const req = split(s.order, 500, 'P3');
    s.call.mockResolvedValueOnce(processing(req));
    expect((await s.service.requestSplit(req)).amount).toBe(500);
    await expect(s.service.requestSplit(split(s.order, 1, 'P4'))).rejects.toMatchObject({ left: 0, requested: 1 });
  });

  it('takes the ratio from pay.profitSharingMaxRatio, refusing one outside 0.01–1 at boot', async () => {
    await expect(setup(2)).rejects.toThrow(/profitSharingMaxRatio/);
    await expect(setup(0)).rejects.toThrow(/profitSharingMaxRatio/);
  });

  it('a network failure keeps the reservation: the retry asks again and never splits twice', async () => {
    s = await setup();
    const req = split(s.order, 100);
    s.call.mockRejectedValueOnce(new Error('ECONNRESET'));
    await expect(s.service.requestSplit(req)).rejects.toThrow('ECONNRESET');
    expect(await s.shares.countBy({ outOrderNo: req.outOrderNo })).toBe(1);
    s.call.mockResolvedValueOnce(processing(req));
    const share = await s.service.requestSplit(req);
    expect(await s.shares.count()).toBe(1);
    expect(share.wechatOrderId).toBe('3008450740201411110007820472');
  });

  it('applies FINISHED once, whichever source tells it', async () => {
    s = await setup();
    const req = split(s.order, 100);
    const finished: Record<string, unknown> = { ...processing(req).json, state: 'FINISHED' };
    (finished.receivers as Array<Record<string, unknown>>)[0].result = 'SUCCESS';
    s.call.mockResolvedValue(answer(finished));
    const share = await s.service.requestSplit(req);
    expect(share).toMatchObject({ state: 'FINISHED', receivers: [expect.objectContaining({ result: 'SUCCESS' })] });
    expect((await s.service.syncSplit(req.outOrderNo)).state).toBe('FINISHED');
    expect(s.settled).toHaveLength(1);
  });
});
