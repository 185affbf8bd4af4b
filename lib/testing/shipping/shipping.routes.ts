import type { OrderRecord } from '../pay/pay-state';
import { WeChatErrcode } from '../server/simulator.constants';
import {
  SimulatorInputError,
  controlBody,
  controlOk,
  isPlainObject,
  nonEmptyString,
  parseJsonObject,
  wechatError,
  wechatRid,
  wechatSuccess,
} from '../server/simulator-http';
import type { SimRequest, SimResponse, SimRoute } from '../server/simulator-http';
import {
  SHIPPING_ERRMSG,
  ShippingErrcode,
  ShippingRefused,
  parseOrderKey,
  parsePayer,
  parseShipment,
  parseUploadTime,
  refuseUnless,
} from './shipping-checks';
import type { ParsedOrderKey } from './shipping-checks';
import { orderPage, wireOrder } from './shipping-format';
import type { ShippingState } from './shipping-state';
import type { SimConfirmReceiveInput, SimRemindAccessApiInput, SimShippingOrderRef, SimTradeManagedInput } from './shipping.interfaces';

/** Where the order-shipping APIs live. */
const ORDER_API = '/wxa/sec/order';

/** What an API route does with the caller's app and the request's JSON object; it throws {@link ShippingRefused}. */
type ShippingApi = (appId: string, body: Record<string, unknown>) => object;

/**
 * The order-shipping APIs of `api.weixin.qq.com` (`POST /wxa/sec/order/…`): the access token checked as on every
 * token-protected route, a JSON object body (47001 otherwise), then WeChat's checks and errcodes.
 * @internal
 */
export function shippingApiRoutes(state: ShippingState): SimRoute[] {
  const api = (name: string, handle: ShippingApi): SimRoute => ({
    method: 'POST',
    path: `${ORDER_API}/${name}`,
    handler: answer(state, handle),
  });
  return [
    api('upload_shipping_info', (appId, body) => {
      const key = parseOrderKey(body.order_key);
      const uploadAt = parseUploadTime(body.upload_time);
      const shipment = parseShipment(body);
      const payer = parsePayer(body.payer);
      const order = state.apiOrder(appId, key);
      ship(state, [{ order, apply: state.planShipment(order, shipment, uploadAt, body.upload_time as string, payer) }]);
      return {};
    }),
    api('upload_combined_shipping_info', (appId, body) => {
      const main = parseOrderKey(body.order_key);
      const uploadAt = parseUploadTime(body.upload_time);
      refuseUnless(body.sub_orders === undefined || Array.isArray(body.sub_orders), WeChatErrcode.DATA_FORMAT_ERROR);
      const subs = (body.sub_orders ?? []) as unknown[];
      refuseUnless(subs.length > 0, ShippingErrcode.BAD_PARAMETER, 'sub_orders is empty');
      const parts = subs.map((sub) => {
        refuseUnless(isPlainObject(sub), WeChatErrcode.DATA_FORMAT_ERROR);
        const part = sub as Record<string, unknown>;
        const key = parseOrderKey(part.order_key);
        refuseUnless(key.type === main.type, ShippingErrcode.BAD_ORDER_NUMBER_TYPE);
        return { key, shipment: parseShipment(part) };
      });
      const payer = parsePayer(body.payer);
      // The simulated WeChat Pay has no combined payments: the combined order's key is checked, each sub-order looked up.
      const planned = parts.map(({ key, shipment }) => {
        const order = state.apiOrder(appId, key);
        return { order, apply: state.planShipment(order, shipment, uploadAt, body.upload_time as string, payer) };
      });
      ship(state, planned);
      return {};
    }),
    api('get_order', (appId, body) => ({ order: wireOrder(state, state.apiOrder(appId, queryKey(body))) })),
    api('get_order_list', (appId, body) => orderPage(state, appId, body)),
    api('notify_confirm_receive', (appId, body) => {
      const order = state.apiOrder(appId, queryKey(body));
      refuseUnless(typeof body.received_time === 'number' && Number.isInteger(body.received_time), WeChatErrcode.DATA_FORMAT_ERROR);
      state.remindReceipt(order, body.received_time as number);
      return {};
    }),
    api('set_msg_jump_path', (appId, body) => {
      refuseUnless(typeof body.path === 'string', WeChatErrcode.DATA_FORMAT_ERROR);
      state.setMsgJumpPath(appId, body.path as string);
      return {};
    }),
    api('is_trade_managed', (appId, body) => ({ is_trade_managed: state.settingsOf(ownApp(appId, body)).tradeManaged })),
    api('is_trade_management_confirmation_completed', (appId, body) => ({
      completed: state.settingsOf(ownApp(appId, body)).confirmationCompleted,
    })),
  ];
}

/**
 * The control API of the shipping side, under `/__sim/`: the user confirming receipt, WeChat's reminders, what
 * `is_trade_managed` answers, and the simulator's view.
 * @internal
 */
export function shippingControlRoutes(state: ShippingState): SimRoute[] {
  // The shipping state checks every field at run time, so the parsed bodies are handed over as the typed inputs.
  return [
    {
      method: 'POST',
      path: '/__sim/confirmReceive',
      handler: async (req) => controlOk(await state.confirmReceive(controlBody(req) as SimConfirmReceiveInput)),
    },
    {
      method: 'POST',
      path: '/__sim/remindShipping',
      handler: async (req) => controlOk(await state.remindShipping(controlBody(req) as SimShippingOrderRef)),
    },
    {
      method: 'POST',
      path: '/__sim/remindAccessApi',
      handler: async (req) => controlOk(await state.remindAccessApi(controlBody(req) as SimRemindAccessApiInput)),
    },
    {
      method: 'POST',
      path: '/__sim/tradeManaged',
      handler: (req) => controlOk(state.setTradeManaged(controlBody(req) as unknown as SimTradeManagedInput)),
    },
    { method: 'GET', path: '/__sim/shipping', handler: (req) => controlOk(shippingView(state, req)) },
  ];
}

/** One order's view with `transactionId` (or `outTradeNo` and `mchId`) in the query; else the app's settings. */
function shippingView(state: ShippingState, req: SimRequest): object {
  const query = Object.fromEntries(req.query);
  if (query.transactionId === undefined && query.outTradeNo === undefined) {
    return state.settingsOf(state.sim.resolveApp(query.appId).appId);
  }
  const order = state.find(query);
  if (!order) throw new SimulatorInputError('unknown or unpaid order', 404);
  return order;
}

/** An API route: the token's app, the JSON body, WeChat's answer or its refusal. */
function answer(state: ShippingState, handle: ShippingApi): (req: SimRequest) => SimResponse {
  return (req) => {
    const auth = state.sim.checkAccessToken(nonEmptyString(req.query.get('access_token')));
    if (!auth.ok) return wechatError(auth.errcode);
    const appId = auth.value.appId;
    const body = parseJsonObject(req.body);
    if (!body) return wechatError(WeChatErrcode.DATA_FORMAT_ERROR, { appId });
    try {
      return wechatSuccess(handle(appId, body), appId, true);
    } catch (error) {
      if (!(error instanceof ShippingRefused)) throw error;
      const wording = SHIPPING_ERRMSG[error.errcode];
      const hint = error.hint ? `: ${error.hint}` : '';
      return wechatError(error.errcode, { appId, ...(wording ? { errmsg: `${wording}${hint}, rid: ${wechatRid()}` } : {}) });
    }
  };
}

/** Applies planned uploads (each checked before any is applied) and sends the shipment push of each that completed. */
function ship(state: ShippingState, planned: Array<{ order: OrderRecord; apply: () => boolean }>): void {
  for (const { order, apply } of planned) if (apply()) state.shipped(order);
}

/** The payment of `get_order` and `notify_confirm_receive`: `transaction_id`, or `merchant_id` and `merchant_trade_no`. */
function queryKey(body: Record<string, unknown>): ParsedOrderKey {
  for (const name of ['transaction_id', 'merchant_id', 'merchant_trade_no', 'sub_merchant_id']) {
    refuseUnless(body[name] === undefined || typeof body[name] === 'string', WeChatErrcode.DATA_FORMAT_ERROR);
  }
  if (body.transaction_id) return { type: 2, transactionId: body.transaction_id as string };
  refuseUnless(
    Boolean(body.merchant_id && body.merchant_trade_no),
    ShippingErrcode.BAD_PARAMETER,
    'give transaction_id, or merchant_id and merchant_trade_no',
  );
  return { type: 1, mchId: body.merchant_id as string, outTradeNo: body.merchant_trade_no as string };
}

/** The `appid` of `is_trade_managed`: required (40097), and only the caller's own (40013). */
function ownApp(appId: string, body: Record<string, unknown>): string {
  refuseUnless(typeof body.appid === 'string' && body.appid !== '', ShippingErrcode.APPID_MISSING);
  refuseUnless(body.appid === appId, ShippingErrcode.INVALID_APPID);
  return appId;
}
