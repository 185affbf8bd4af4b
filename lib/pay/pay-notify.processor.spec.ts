import { Logger } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { encryptPayV3Resource } from '../crypto/pay-v3.crypto';
import { PayOrder } from '../entities/pay-order.entity';
import { PayRefund } from '../entities/pay-refund.entity';
import { resolveMiniProgramOptions } from '../options/mini-program-options.validation';
import { SIMULATOR_DEV_V3, simulatorDevV3Options } from '../testing/dev-keys/dev-v3-keys';
import type { PayEventRegistry } from './pay-event.registry';
import { PayLedger } from './pay-ledger';
import { PayNotifyProcessor } from './pay-notify.processor';
import { WeChatPayV3Client } from './v3/wechat-pay-v3.client';
import { WeChatPayHttpClient } from './wechat-pay-http.client';
import { MemoryAccessTokenStore } from '../wechat/access-token.store';

const MCH = '1900000109';
const APP_ID = 'wx4f4bc4dec97d474b';
const TRANSACTION_ID = '4200000000202611240000000001';

/**
 * The v3 notification pipeline on an in-memory SQLite database. The signature check is the client's (tested in
 * wechat-pay-v3.client.spec.ts) and is stubbed here; the resource is encrypted with the APIv3 key as WeChat does.
 */
describe('PayNotifyProcessor, v3 notifications keyed by their data', () => {
  let db: DataSource;
  let orders: Repository<PayOrder>;
  let refunds: Repository<PayRefund>;
  let processor: PayNotifyProcessor;
  let events: { orderPaid: jest.Mock; refundSettled: jest.Mock };
  let order: PayOrder;
  let seq = 0;

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterAll(() => jest.restoreAllMocks());

  beforeEach(async () => {
    const options = resolveMiniProgramOptions({
      appId: APP_ID,
      appSecret: '0123456789abcdef0123456789abcdef',
      pay: {
        mchId: MCH,
        baseUrl: 'http://127.0.0.1:9',
        v3: simulatorDevV3Options('public-key', { notifyUrl: 'https://host/mp/wechatPayV3Callback' }),
      },
    });
    db = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [PayOrder, PayRefund], synchronize: true });
    await db.initialize();
    orders = db.getRepository(PayOrder);
    refunds = db.getRepository(PayRefund);
    const client = new WeChatPayV3Client(options, new WeChatPayHttpClient(options), new MemoryAccessTokenStore());
    jest.spyOn(client, 'verify').mockResolvedValue(undefined);
    events = { orderPaid: jest.fn(), refundSettled: jest.fn() };
    processor = new PayNotifyProcessor(
      options,
      orders,
      refunds,
      client,
      new PayLedger(events as unknown as PayEventRegistry, orders, refunds),
    );
    order = await orders.save(
      orders.create({
        outTradeNo: 'order-paid-0001',
        body: 'b',
        totalFee: 100,
        openId: 'o',
        status: 'SUCCESS',
        paid: true,
        transactionId: TRANSACTION_ID,
      }),
    );
    await refunds.save(refunds.create({ outRefundNo: 'R-0001', orderId: order.id, totalFee: 100, refundFee: 40, status: 'PROCESSING' }));
  });

  afterEach(() => db.destroy());

  function notify(eventType: string, originalType: 'refund' | 'transaction', plain: Record<string, unknown>) {
    const resource = encryptPayV3Resource(JSON.stringify(plain), SIMULATOR_DEV_V3.apiV3Key, { associatedData: originalType, originalType });
    const body = JSON.stringify({
      id: `EV-${++seq}`,
      create_time: '2026-11-24T16:00:00+08:00',
      event_type: eventType,
      resource_type: 'encrypt-resource',
      resource,
    });
    return processor.handleV3Notify({}, body);
  }

  const refundPlain = (refund_status: unknown) => ({
    mchid: MCH,
    out_trade_no: order.outTradeNo,
    transaction_id: TRANSACTION_ID,
    out_refund_no: 'R-0001',
    refund_id: '50000000382019052709732678859',
    refund_status,
    success_time: '2026-11-24T16:05:00+08:00',
    user_received_account: '支付用户零钱',
    amount: { total: 100, refund: 40, payer_total: 100, payer_refund: 40 },
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'PROCESSING', 'success', ''])(
    'answers 400 FAIL to refund_status %j and leaves the refund PROCESSING',
    async (refundStatus) => {
      const outcome = await notify('REFUND.SUCCESS', 'refund', refundPlain(refundStatus));
      expect(outcome).toMatchObject({ status: 'rejected', httpStatus: 400, body: { code: 'FAIL' } });
      expect(await refunds.findOneOrFail({ where: { outRefundNo: 'R-0001' } })).toMatchObject({ status: 'PROCESSING', refundId: null });
      expect(await orders.findOneOrFail({ where: { id: order.id } })).toMatchObject({ refundedFee: 0, status: 'SUCCESS' });
      expect(events.refundSettled).not.toHaveBeenCalled();
    },
  );

  it('answers 400 FAIL to a refund_status that is not a string', async () => {
    for (const refundStatus of [{ SUCCESS: 1 }, ['SUCCESS'], 1, null]) {
      expect(await notify('REFUND.SUCCESS', 'refund', refundPlain(refundStatus))).toMatchObject({
        httpStatus: 400,
        body: { code: 'FAIL' },
      });
    }
    expect(await refunds.findOneOrFail({ where: { outRefundNo: 'R-0001' } })).toMatchObject({ status: 'PROCESSING' });
  });

  it('settles the refund once for a genuine refund_status', async () => {
    expect(await notify('REFUND.SUCCESS', 'refund', refundPlain('SUCCESS'))).toMatchObject({ status: 'processed', httpStatus: 204 });
    expect(await refunds.findOneOrFail({ where: { outRefundNo: 'R-0001' } })).toMatchObject({ status: 'SUCCESS' });
    expect(await orders.findOneOrFail({ where: { id: order.id } })).toMatchObject({ refundedFee: 40, status: 'REFUND' });
    expect(events.refundSettled).toHaveBeenCalledTimes(1);
  });

  it.each(['constructor', '__proto__', 'NOTPAY', undefined])(
    'answers 400 FAIL to a TRANSACTION.SUCCESS with trade_state %j',
    async (tradeState) => {
      const unpaid = await orders.save(
        orders.create({ outTradeNo: 'order-unpaid-01', body: 'b', totalFee: 100, openId: 'o', status: 'NOTPAY', paid: false }),
      );
      const outcome = await notify('TRANSACTION.SUCCESS', 'transaction', {
        appid: APP_ID,
        mchid: MCH,
        out_trade_no: unpaid.outTradeNo,
        transaction_id: '4200000000202611240000000002',
        trade_state: tradeState,
        amount: { total: 100, payer_total: 100, currency: 'CNY' },
      });
      expect(outcome).toMatchObject({ status: 'rejected', httpStatus: 400, body: { code: 'FAIL' } });
      expect(await orders.findOneOrFail({ where: { id: unpaid.id } })).toMatchObject({ status: 'NOTPAY', paid: false });
      expect(events.orderPaid).not.toHaveBeenCalled();
    },
  );
});
