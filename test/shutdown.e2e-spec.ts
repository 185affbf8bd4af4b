import { buildPayXml, PayOrder, payV2Sign, WeChatPayService } from '../lib';
import { SIMULATOR_DEV_MERCHANT, WeChatSimulator } from '../lib/testing';
import { PayEventsProbe } from './src/pay-events.probe';
import { startHarness } from './utils/harness';

/** A correctly signed payment notification for a 1-fen order. */
function genuine(outTradeNo: string, key: string): string {
  const fields = {
    return_code: 'SUCCESS',
    result_code: 'SUCCESS',
    appid: SIMULATOR_DEV_MERCHANT.appId,
    mch_id: SIMULATOR_DEV_MERCHANT.mchId,
    nonce_str: 'n',
    out_trade_no: outTradeNo,
    transaction_id: '4200000000000000000000000042',
    total_fee: '1',
  };
  return buildPayXml({ ...fields, sign: payV2Sign(fields, key) });
}

describe('graceful shutdown', () => {
  it('lets a notification under way commit and acknowledge before the database closes', async () => {
    // Called directly, as a host route on another transport or a queue consumer would: Nest's
    // HTTP server is not what keeps this one alive during shutdown.
    const sim = new WeChatSimulator();
    await sim.start();
    const key = SIMULATOR_DEV_MERCHANT.apiKey;
    const h = await startHarness({
      sim,
      providers: [PayEventsProbe],
      options: {
        pay: { mchId: SIMULATOR_DEV_MERCHANT.mchId, apiKey: key, notifyUrl: 'http://127.0.0.1:1/miniprogram_auth/wechatPayCallback' },
      },
    });
    try {
      const probe = h.app.get(PayEventsProbe);
      const order = await h.dataSource.getRepository(PayOrder).save({ outTradeNo: 'shutdown0001', body: 'x', totalFee: 1, openId: 'o' });
      probe.delayMs = 300; // the handler is still running when shutdown begins
      const processing = h.app.get(WeChatPayService).handlePayNotify(genuine(order.outTradeNo, key));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await h.app.close();
      const outcome = await processing;
      expect(outcome.status).toBe('processed');
      expect(outcome.xml).toContain('SUCCESS');
      expect(probe.paid.map((e) => e.order.id)).toEqual([order.id]);
    } finally {
      await h.close().catch(() => undefined);
      await sim.stop();
    }
  });

  it('answers FAIL, never SUCCESS, to a genuine notification when the database is gone', async () => {
    const sim = new WeChatSimulator();
    await sim.start();
    const key = SIMULATOR_DEV_MERCHANT.apiKey;
    const h = await startHarness({
      sim,
      options: {
        pay: { mchId: SIMULATOR_DEV_MERCHANT.mchId, apiKey: key, notifyUrl: 'http://127.0.0.1:1/miniprogram_auth/wechatPayCallback' },
      },
    });
    try {
      const order = await h.dataSource.getRepository(PayOrder).save({ outTradeNo: 'dbgone000001', body: 'x', totalFee: 1, openId: 'o' });
      const xml = genuine(order.outTradeNo, key);
      await h.dataSource.destroy(); // the database goes away
      const outcome = await h.app.get(WeChatPayService).handlePayNotify(xml);
      expect(outcome.status).toBe('rejected');
      expect(outcome.xml).toContain('FAIL');
    } finally {
      await h.close().catch(() => undefined);
      await sim.stop();
    }
  });
});
