import type { SampleApp } from '../../sample-app/src/bootstrap';

/** A JSON POST, with the API token when given; the status and the JSON answer. */
export async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** What `GET /orders/:id` answers (the fields these tests read). */
export interface OrderView {
  id: number;
  status: string;
  paid: boolean;
  transactionId: string | null;
  shippingUploaded: boolean;
  shippedAt: string | null;
  receiptConfirmedAt: string | null;
  settledAt: string | null;
  paidMessage: string | null;
  paidMessageDetail: string | null;
  fulfilledCount: number;
  outTradeNo: string | null;
  cashbackAmount: number | null;
  cashbackState: string | null;
  splitAmount: number | null;
  splitState: string | null;
  splitResult: string | null;
}

/**
 * A mini program user of a sample app, over HTTP only: `wx.*` through the simulator's control API, the rest through
 * the app, as the walk-through and the console do.
 */
export async function miniProgramUser(sample: SampleApp) {
  const sim = async <T = Record<string, unknown>>(method: 'GET' | 'POST' | 'DELETE', call: string, body?: unknown) => {
    const res = await fetch(`${sample.wechatUrl}/__sim/${call}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const wx = (await sim<{ code: string; openId: string }>('POST', 'login', {})).body;
  const token = (await post(`${sample.appUrl}/miniprogram_auth/login`, { code: wx.code })).body.token as string;
  const order = async (id: number) => {
    const res = await fetch(`${sample.appUrl}/orders/${id}`, { headers: { authorization: `Token ${token}` } });
    return (await res.json()) as OrderView;
  };
  /** The order once `done` holds; the app does some work after the payment committed, so this polls a little. */
  const orderWhen = async (id: number, done: (o: OrderView) => boolean) => {
    let o = await order(id);
    for (let i = 0; i < 250 && !done(o); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      o = await order(id);
    }
    return o;
  };
  /** Creates an order and pays it: wx.requestPayment confirmed in the simulator, the notification delivered. */
  const paidOrder = async (description = 'Pickup order', totalFee = 1) => {
    const { id } = (await post(`${sample.appUrl}/orders`, { description, totalFee }, token)).body as { id: number };
    const params = (await post(`${sample.appUrl}/orders/${id}/pay`, {}, token)).body as { package: string };
    expect((await sim('POST', 'pay', { prepayId: params.package.slice('prepay_id='.length) })).status).toBe(200);
    return id;
  };
  /** The app has done what the payment sets off: the message has an outcome, and the upload is made. */
  const settledMessage = (o: OrderView) => o.paidMessage !== 'PENDING' && o.paidMessage !== 'SENDING';
  return { openId: wx.openId, token, sim, order, orderWhen, paidOrder, settledMessage };
}
