import { Logger } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { PayOrder } from '../entities/pay-order.entity';
import { PayRefund } from '../entities/pay-refund.entity';
import { PayTransfer } from '../entities/pay-transfer.entity';
import { PayTransferLedger } from './transfers/pay-transfer-ledger';
import { WeChatUnavailableError } from '../errors/wechat-api.error';
import { PayOrderStateError, WeChatPayError, WeChatPayInputError } from '../errors/wechat-pay.error';
import { resolveMiniProgramOptions } from '../options/mini-program-options.validation';
import { simulatorDevV3Options } from '../testing/dev-keys/dev-v3-keys';
import type { PayEventRegistry } from './pay-event.registry';
import { PayOrdersService } from './orders/pay-orders.service';
import { PayLedger } from './pay-ledger';
import { PayNotifyProcessor } from './pay-notify.processor';
import { WeChatPayV3Api } from './v3/wechat-pay-v3.api';
import { WeChatPayV3Client } from './v3/wechat-pay-v3.client';
import { WeChatPayV2Api } from './v2/wechat-pay-v2.api';
import { WeChatPayV2Client } from './v2/wechat-pay-v2.client';
import { WeChatPayHttpClient } from './wechat-pay-http.client';
import type { OrderQueryResult } from './wechat-pay.interfaces';
import { WeChatPayService } from './wechat-pay.service';
import { MemoryAccessTokenStore } from '../wechat/access-token.store';

const MCH = '1900000109';
const APP_ID = 'wx4f4bc4dec97d474b';

/** The service on an in-memory SQLite database; no request leaves the process (`client.call` is a mock). */
async function setup() {
  const options = resolveMiniProgramOptions({
    appId: APP_ID,
    appSecret: '0123456789abcdef0123456789abcdef',
    http: { retries: 0 },
    pay: {
      mchId: MCH,
      apiKey: '0123456789abcdef0123456789abcdef',
      notifyUrl: 'https://host/mp/wechatPayCallback',
      apiVersion: 'v3',
      baseUrl: 'http://127.0.0.1:9',
      v3: simulatorDevV3Options(),
    },
  });
  const db = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: [PayOrder, PayRefund, PayTransfer],
    synchronize: true,
  });
  await db.initialize();
  const orders: Repository<PayOrder> = db.getRepository(PayOrder);
  const refunds: Repository<PayRefund> = db.getRepository(PayRefund);
  const http = new WeChatPayHttpClient(options);
  const client = new WeChatPayV3Client(options, http, new MemoryAccessTokenStore());
  const call = jest.spyOn(client, 'call').mockRejectedValue(new Error('no answer queued'));
  const events = { orderPaid: jest.fn(), refundSettled: jest.fn() } as unknown as PayEventRegistry;
  const ledger = new PayLedger(events, orders, refunds);
  const transfers = db.getRepository(PayTransfer);
  const transferLedger = new PayTransferLedger(events, ledger, transfers);
  const notifications = new PayNotifyProcessor(options, orders, refunds, client, ledger, transfers, transferLedger);
  const v2 = new WeChatPayV2Api(options, new WeChatPayV2Client(options, http));
  const v3 = new WeChatPayV3Api(options, client);
  const payOrders = new PayOrdersService(options, ledger, orders, refunds, v2, v3);
  const service = new WeChatPayService(v2, v3, payOrders, notifications);
  return { db, orders, refunds, call, service };
}

type Setup = Awaited<ReturnType<typeof setup>>;

function paidOrder(s: Setup, totalFee = 100): Promise<PayOrder> {
  return s.orders.save(
    s.orders.create({
      outTradeNo: `order${Math.random().toString(36).slice(2, 12)}`,
      body: 'Pickup order',
      totalFee,
      openId: 'o-user',
      status: 'SUCCESS',
      paid: true,
      transactionId: '4200000000202611240000000001',
    }),
  );
}

const answer = (json: Record<string, unknown>) => ({ status: 200, body: Buffer.from(JSON.stringify(json)), json });

describe('WeChatPayService', () => {
  let s: Setup;

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  beforeEach(async () => {
    s = await setup();
  });

  afterEach(async () => {
    await s.db.destroy();
  });

  afterAll(() => jest.restoreAllMocks());

  describe('refundOrder through v3: input is checked before a PayRefund is recorded', () => {
    it('refuses "the rest" of a fully refunded order as a state error (nothing left) without recording a PayRefund', async () => {
      const order = await paidOrder(s);
      await s.refunds.save(
        s.refunds.create({ outRefundNo: 'R-done', orderId: order.id, totalFee: 100, refundFee: 100, status: 'SUCCESS' }),
      );
      const error = await s.service.refundOrder({ order: order.id, apiVersion: 'v3' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayOrderStateError);
      expect((error as Error).message).toMatch(/nothing is left to refund/);
      expect(await s.refunds.count()).toBe(1);
      expect(s.call).not.toHaveBeenCalled();
    });

    it.each([
      ['a negative refundFee', { refundFee: -5 }],
      ['a zero refundFee', { refundFee: 0 }],
      ['a fractional refundFee', { refundFee: 1.5 }],
      ['a refundFee that is not a number', { refundFee: '10' as unknown as number }],
      ['a refundDesc over 80 characters', { refundFee: 10, refundDesc: 'x'.repeat(81) }],
      ['an empty refundDesc', { refundFee: 10, refundDesc: '' }],
      ['an outRefundNo outside WeChat’s alphabet', { refundFee: 10, outRefundNo: 'R 1' }],
    ])('refuses %s with WeChatPayInputError and leaves no PayRefund', async (_name, patch) => {
      const order = await paidOrder(s);
      const error = await s.service.refundOrder({ order: order.id, apiVersion: 'v3', ...patch }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeChatPayInputError);
      expect(await s.refunds.count()).toBe(0);
      expect(s.call).not.toHaveBeenCalled();
    });

    it('refuses a bad refund through v2 the same way (no PayRefund)', async () => {
      const order = await paidOrder(s);
      const error = await s.service.refundOrder({ order: order.id, apiVersion: 'v2', refundFee: -5 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeChatPayInputError);
      expect(await s.refunds.count()).toBe(0);
    });

    it('records the PayRefund for a valid refund and keeps the refund id', async () => {
      const order = await paidOrder(s);
      s.call.mockResolvedValueOnce(
        answer({
          refund_id: '50000000382019052709732678859',
          out_refund_no: 'R-ok',
          status: 'PROCESSING',
          amount: { refund: 30, total: 100 },
        }),
      );
      const refund = await s.service.refundOrder({
        order: order.id,
        apiVersion: 'v3',
        refundFee: 30,
        outRefundNo: 'R-ok',
        refundDesc: 'broken',
      });
      expect(refund).toMatchObject({ outRefundNo: 'R-ok', refundFee: 30, status: 'PROCESSING', refundId: '50000000382019052709732678859' });
      const body = s.call.mock.calls[0][3] as Record<string, unknown>;
      expect(body).toMatchObject({ transaction_id: order.transactionId, out_refund_no: 'R-ok', reason: 'broken' });
      expect(body.amount).toEqual({ refund: 30, total: 100, currency: 'CNY' });
    });

    it('deletes the PayRefund only when WeChat refused for good; keeps it when the refund may have happened', async () => {
      const order = await paidOrder(s);
      s.call.mockRejectedValueOnce(new WeChatPayError('v3.refund', { returnCode: 'SUCCESS', errCode: 'NOT_ENOUGH', errCodeDes: 'x' }, 403));
      await expect(s.service.refundOrder({ order: order.id, apiVersion: 'v3', refundFee: 10, outRefundNo: 'R-refused' })).rejects.toThrow(
        WeChatPayError,
      );
      expect(await s.refunds.findOne({ where: { outRefundNo: 'R-refused' } })).toBeNull();

      const unknownOutcome = [
        new WeChatUnavailableError('v3.refund', 'timeout', 'no answer within 5000 ms'),
        new WeChatUnavailableError('v3.refund', 'network', 'ECONNRESET'),
        new WeChatUnavailableError('v3.refund', 'invalid-response', 'the signature does not verify'),
        new WeChatPayError('v3.refund', { returnCode: 'SUCCESS', errCode: 'SYSTEM_ERROR', errCodeDes: 'busy' }, 500),
        new WeChatPayError('v3.refund', { returnCode: 'SUCCESS', errCode: 'FREQUENCY_LIMITED', errCodeDes: 'busy' }, 502),
      ];
      for (const [n, error] of unknownOutcome.entries()) {
        s.call.mockRejectedValueOnce(error);
        await expect(s.service.refundOrder({ order: order.id, apiVersion: 'v3', refundFee: 10, outRefundNo: `R-maybe${n}` })).rejects.toBe(
          error,
        );
        expect(await s.refunds.findOne({ where: { outRefundNo: `R-maybe${n}` } })).toMatchObject({ status: 'PROCESSING', refundFee: 10 });
      }
    });
  });

  describe('syncOrder: an unknown trade_state does not overwrite the order', () => {
    async function pendingOrder(status: PayOrder['status'] = 'USERPAYING'): Promise<PayOrder> {
      return s.orders.save(s.orders.create({ outTradeNo: 'order-pending1', body: 'b', totalFee: 100, openId: 'o', status, paid: false }));
    }

    it.each([
      ['missing', {}],
      ['unknown', { trade_state: 'WEIRD' }],
      ['named after an Object property', { trade_state: 'constructor' }],
      ['not a string', { trade_state: 7 }],
    ])('v3: trade_state %s throws invalid-response and changes nothing', async (_name, state) => {
      const order = await pendingOrder();
      s.call.mockResolvedValueOnce(answer({ appid: APP_ID, mchid: MCH, out_trade_no: order.outTradeNo, ...state }));
      const error = await s.service.syncOrder(order.id, { apiVersion: 'v3' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeChatUnavailableError);
      expect(error).toMatchObject({ kind: 'invalid-response' });
      expect(await s.orders.findOneOrFail({ where: { id: order.id } })).toMatchObject({ status: 'USERPAYING', paid: false });
    });

    it('v3: a known trade_state is applied', async () => {
      const order = await pendingOrder();
      s.call.mockResolvedValueOnce(answer({ appid: APP_ID, mchid: MCH, out_trade_no: order.outTradeNo, trade_state: 'CLOSED' }));
      expect(await s.service.syncOrder(order.id, { apiVersion: 'v3' })).toMatchObject({ status: 'CLOSED', paid: false });
    });

    it('v2: an answer without a known trade_state changes nothing either', async () => {
      const order = await pendingOrder();
      const query = jest.spyOn(s.service.v2, 'orderQuery');
      query.mockResolvedValueOnce({
        tradeState: 'NOTPAY',
        outTradeNo: order.outTradeNo,
        raw: { return_code: 'SUCCESS' },
      } as OrderQueryResult);
      await expect(s.service.syncOrder(order.id, { apiVersion: 'v2' })).rejects.toMatchObject({ kind: 'invalid-response' });
      query.mockResolvedValueOnce({
        tradeState: 'toString' as never,
        outTradeNo: order.outTradeNo,
        raw: { return_code: 'SUCCESS', trade_state: 'toString' },
      } as OrderQueryResult);
      await expect(s.service.syncOrder(order.id, { apiVersion: 'v2' })).rejects.toBeInstanceOf(WeChatUnavailableError);
      expect(await s.orders.findOneOrFail({ where: { id: order.id } })).toMatchObject({ status: 'USERPAYING', paid: false });
    });
  });
});
