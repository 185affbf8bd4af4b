import { X509Certificate } from 'node:crypto';
import { SIMULATOR_DEV_CERTIFICATES } from '../dev-keys/dev-certificates';
import { controlBody, controlOk, SimulatorInputError } from '../server/simulator-http';
import type { SimRequest, SimRoute } from '../server/simulator-http';
import type { PayState } from '../pay/pay-state';
import type {
  SimLoseNotificationsInput,
  SimNotifyInput,
  SimPayInput,
  SimRefundNotifyInput,
  SimSettleRefundInput,
  SimulatorMerchant,
} from '../pay/pay.interfaces';

/**
 * The control API of the WeChat Pay side, under `/__sim/` on the mini program server: the user paying, notification
 * variants and the state a test wants to see. `payUrl` gives the pay server's URL once started.
 * @internal
 */
export function payControlRoutes(pay: PayState, payUrl: () => string | undefined): SimRoute[] {
  // The pay state checks every field at run time, so the parsed bodies are handed over as the typed inputs.
  return [
    { method: 'POST', path: '/__sim/pay', handler: async (req) => controlOk(await pay.pay(controlBody(req) as unknown as SimPayInput)) },
    {
      method: 'POST',
      path: '/__sim/notify',
      handler: async (req) => controlOk({ notifications: await pay.notify(controlBody(req) as unknown as SimNotifyInput) }),
    },
    {
      method: 'POST',
      path: '/__sim/refundNotify',
      handler: async (req) => controlOk({ notifications: await pay.refundNotify(controlBody(req) as unknown as SimRefundNotifyInput) }),
    },
    {
      method: 'POST',
      path: '/__sim/settleRefund',
      handler: async (req) => controlOk(await pay.settleRefund(controlBody(req) as unknown as SimSettleRefundInput)),
    },
    { method: 'GET', path: '/__sim/notifications', handler: () => controlOk({ notifications: pay.notifier.list() }) },
    {
      method: 'POST',
      path: '/__sim/loseNotifications',
      handler: (req) => controlOk(pay.notifier.lose(controlBody(req) as unknown as SimLoseNotificationsInput)),
    },
    {
      method: 'DELETE',
      path: '/__sim/loseNotifications',
      handler: () => {
        pay.notifier.keepNotifications();
        return controlOk({ ok: true });
      },
    },
    {
      method: 'DELETE',
      path: '/__sim/notifications',
      handler: () => {
        pay.notifier.clear();
        return controlOk({ ok: true });
      },
    },
    {
      method: 'GET',
      path: '/__sim/merchants',
      handler: () =>
        controlOk({
          merchants: [...pay.merchants.values()].map(merchantView),
          ca: SIMULATOR_DEV_CERTIFICATES.ca,
          payUrl: payUrl() ?? null,
        }),
    },
    {
      method: 'GET',
      path: '/__sim/order',
      handler: (req) => {
        const order = pay.orderCopy(queryId(req, 'outTradeNo'), req.query.get('mchId') ?? undefined);
        if (!order) throw new SimulatorInputError('unknown order', 404);
        return controlOk(order);
      },
    },
    {
      method: 'GET',
      path: '/__sim/refund',
      handler: (req) => {
        const refund = pay.refundCopy(queryId(req, 'outRefundNo'), req.query.get('mchId') ?? undefined);
        if (!refund) throw new SimulatorInputError('unknown refund', 404);
        return controlOk(refund);
      },
    },
    { method: 'GET', path: '/__sim/reports', handler: () => controlOk({ reports: pay.reports }) },
  ];
}

/**
 * A merchant as `GET /__sim/merchants` shows it (development values). With API v3 also `v3PublicKey`, the SPKI PEM of
 * the merchant certificate's key: what a mini program page needs to verify a v3 `paySign` (`signType: 'RSA'`). The
 * simulator holds no merchant private key, so none can be shown.
 */
function merchantView(merchant: SimulatorMerchant): SimulatorMerchant & { v3PublicKey?: string } {
  if (!merchant.v3) return { ...merchant };
  const v3PublicKey = new X509Certificate(merchant.v3.merchantCertificate).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  return { ...merchant, v3: { ...merchant.v3 }, v3PublicKey };
}

function queryId(req: SimRequest, name: string): string {
  const value = req.query.get(name);
  if (value === null || value === '') throw new SimulatorInputError(`query parameter ${name} is required`);
  return value;
}
