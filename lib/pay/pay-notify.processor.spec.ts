import { Logger } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { encryptPayV3Resource } from '../crypto/pay-v3.crypto';
import { PayOrder } from '../entities/pay-order.entity';
import { PayRefund } from '../entities/pay-refund.entity';
import { PayTransfer } from '../entities/pay-transfer.entity';
import { PayTransferLedger } from './transfers/pay-transfer-ledger';
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
  let events: { orderPaid: jest.Mock; refundSettled: jest.Mock; transferFinished: jest.Mock };
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
    db = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [PayOrder, PayRefund, PayTransfer], synchronize: true });
    await db.initialize();
    orders = db.getRepository(PayOrder);
    refunds = db.getRepository(PayRefund);
    const client = new WeChatPayV3Client(options, new WeChatPayHttpClient(options), new MemoryAccessTokenStore());
    jest.spyOn(client, 'verify').mockResolvedValue(undefined);
    events = { orderPaid: jest.fn(), refundSettled: jest.fn(), transferFinished: jest.fn() };
    const ledger = new PayLedger(events as unknown as PayEventRegistry, orders, refunds);
    const transfers = db.getRepository(PayTransfer);
    processor = new PayNotifyProcessor(
      options,
      orders,
      refunds,
      client,
      ledger,
      transfers,
      new PayTransferLedger(events as unknown as PayEventRegistry, ledger, transfers),
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

  function notify(eventType: string, originalType: 'refund' | 'transaction' | 'mch_payment', plain: Record<string, unknown>) {
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

  describe('MCHTRANSFER.BILL.FINISHED', () => {
    const transferPlain = (overrides: Record<string, unknown> = {}) => ({
      mchid: MCH,
      out_bill_no: 'TB0001',
      transfer_bill_no: '1330000071100999991182020050700019480001',
      state: 'SUCCESS',
      transfer_amount: 500,
      openid: 'o-payee',
      create_time: '2026-11-24T16:00:00+08:00',
      update_time: '2026-11-24T16:01:00+08:00',
      ...overrides,
    });

    beforeEach(async () => {
      const transfers = db.getRepository(PayTransfer);
      await transfers.save(
        transfers.create({
          outBillNo: 'TB0001',
          openId: 'o-payee',
          transferAmount: 500,
          transferSceneId: '1000',
          transferRemark: 'r',
          state: 'WAIT_USER_CONFIRM',
          requestDigest: 'd',
        }),
      );
    });

    const stored = () => db.getRepository(PayTransfer).findOneByOrFail({ outBillNo: 'TB0001' });

    it.each<[string, Record<string, unknown>]>([
      ['another merchant', { mchid: '1900000999' }],
      ['an unknown out_bill_no', { out_bill_no: 'TB9999' }],
      ['another amount', { transfer_amount: 501 }],
      ['an amount as a string', { transfer_amount: '500' }],
      ['another payee', { openid: 'o-other' }],
      ['a state that is not final', { state: 'WAIT_USER_CONFIRM' }],
      ['an undocumented state', { state: '__proto__' }],
      ['no transfer_bill_no', { transfer_bill_no: undefined }],
    ])('answers 400 FAIL to %s and changes nothing', async (_name, overrides) => {
      const outcome = await notify('MCHTRANSFER.BILL.FINISHED', 'mch_payment', transferPlain(overrides));
      expect(outcome).toMatchObject({ status: 'rejected', httpStatus: 400, body: { code: 'FAIL' } });
      expect(await stored()).toMatchObject({ state: 'WAIT_USER_CONFIRM', transferBillNo: null });
      expect(events.transferFinished).not.toHaveBeenCalled();
    });

    it('ends the transfer once: a second notification with another id is a duplicate', async () => {
      expect(await notify('MCHTRANSFER.BILL.FINISHED', 'mch_payment', transferPlain())).toMatchObject({
        status: 'processed',
        httpStatus: 204,
      });
      expect(await notify('MCHTRANSFER.BILL.FINISHED', 'mch_payment', transferPlain())).toMatchObject({
        status: 'duplicate',
        httpStatus: 204,
      });
      expect(await notify('MCHTRANSFER.BILL.FINISHED', 'mch_payment', transferPlain({ state: 'FAIL' }))).toMatchObject({
        status: 'duplicate',
      });
      expect(await stored()).toMatchObject({ state: 'SUCCESS', transferBillNo: '1330000071100999991182020050700019480001' });
      expect(events.transferFinished).toHaveBeenCalledTimes(1);
      expect(events.transferFinished.mock.calls[0][0]).toMatchObject({ source: 'notify', transfer: { state: 'SUCCESS' } });
    });
  });
});
