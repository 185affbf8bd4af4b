import { SIMULATOR_DEV_CERTIFICATES } from './dev-certificates';
import { SimulatorInputError, jsonResponse, parseJsonObject } from './simulator-http';
import type { SimRequest, SimResponse, SimRoute } from './simulator-http';
import type { PayState } from './pay-state';
import type { SimNotifyInput, SimPayInput, SimRefundNotifyInput, SimSettleRefundInput } from './simulator.interfaces';

/**
 * The control API of the WeChat Pay side, under `/__sim/` on the mini program server: the user paying, notification
 * variants and the state a test wants to see. `payUrl` gives the pay server's URL once started.
 * @internal
 */
export function payControlRoutes(pay: PayState, payUrl: () => string | undefined): SimRoute[] {
  // The pay state checks every field at run time, so the parsed bodies are handed over as the typed inputs.
  return [
    { method: 'POST', path: '/__sim/pay', handler: async (req) => ok(await pay.pay(body(req) as unknown as SimPayInput)) },
    {
      method: 'POST',
      path: '/__sim/notify',
      handler: async (req) => ok({ notifications: await pay.notify(body(req) as unknown as SimNotifyInput) }),
    },
    {
      method: 'POST',
      path: '/__sim/refundNotify',
      handler: async (req) => ok({ notifications: await pay.refundNotify(body(req) as unknown as SimRefundNotifyInput) }),
    },
    {
      method: 'POST',
      path: '/__sim/settleRefund',
      handler: async (req) => ok(await pay.settleRefund(body(req) as unknown as SimSettleRefundInput)),
    },
    { method: 'GET', path: '/__sim/notifications', handler: () => ok({ notifications: pay.notifier.list() }) },
    {
      method: 'DELETE',
      path: '/__sim/notifications',
      handler: () => {
        pay.notifier.clear();
        return ok({ ok: true });
      },
    },
    {
      method: 'GET',
      path: '/__sim/merchants',
      handler: () =>
        ok({ merchants: [...pay.merchants.values()].map((m) => ({ ...m })), ca: SIMULATOR_DEV_CERTIFICATES.ca, payUrl: payUrl() ?? null }),
    },
    {
      method: 'GET',
      path: '/__sim/order',
      handler: (req) => {
        const order = pay.orderCopy(queryId(req, 'outTradeNo'), req.query.get('mchId') ?? undefined);
        if (!order) throw new SimulatorInputError('unknown order', 404);
        return ok(order);
      },
    },
    {
      method: 'GET',
      path: '/__sim/refund',
      handler: (req) => {
        const refund = pay.refundCopy(queryId(req, 'outRefundNo'), req.query.get('mchId') ?? undefined);
        if (!refund) throw new SimulatorInputError('unknown refund', 404);
        return ok(refund);
      },
    },
    { method: 'GET', path: '/__sim/reports', handler: () => ok({ reports: pay.reports }) },
  ];
}

function ok(value: unknown): SimResponse {
  return jsonResponse(200, value);
}

function body(req: SimRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  const parsed = parseJsonObject(req.body);
  if (!parsed) throw new SimulatorInputError('the body must be a JSON object');
  return parsed;
}

function queryId(req: SimRequest, name: string): string {
  const value = req.query.get(name);
  if (value === null || value === '') throw new SimulatorInputError(`query parameter ${name} is required`);
  return value;
}
