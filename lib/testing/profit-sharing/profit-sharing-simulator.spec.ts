import { buildPayV3Authorization, encryptPayV3Sensitive } from '../../crypto/pay-v3.crypto';
import { M, V3, decryptNotification, payV3Bench, rawHttps } from '../pay-v3/pay-v3-simulator.spec-kit';
import type { Answer, Json } from '../pay-v3/pay-v3-simulator.spec-kit';

const BASE = '/v3/profitsharing';
const PARTNER = '1900000109';

async function until<T>(probe: () => T, ms = 5000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WeChatSimulator (profit sharing, 分账)', () => {
  const { sim, target, control, urls, v3, nextSeq, paidOrder } = payV3Bench();

  /** A signed POST with the `Wechatpay-Serial` of an encrypted field. */
  async function postWithSerial(path: string, body: Json, serial: string): Promise<Answer> {
    const text = JSON.stringify(body);
    const auth = buildPayV3Authorization({
      mchId: M.mchId,
      serialNo: V3.merchantSerialNo,
      privateKey: V3.merchantPrivateKey,
      method: 'POST',
      url: path,
      body: text,
    });
    return rawHttps(urls().payBase, 'POST', path, text, {
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: auth,
      'wechatpay-serial': serial,
    });
  }

  beforeEach(async () => {
    sim.profitSharingSettings({ maxRatio: 0.3, autoFinish: false });
    const added = await postWithSerial(
      `${BASE}/receivers/add`,
      {
        appid: M.appId,
        type: 'MERCHANT_ID',
        account: PARTNER,
        name: encryptPayV3Sensitive('合作商户', V3.wechatPayPublicKey),
        relation_type: 'PARTNER',
      },
      V3.publicKeyId,
    );
    expect(added.status).toBe(200);
  });

  const sharingOrder = (total = 1000) => paidOrder({ amount: { total, currency: 'CNY' }, settle_info: { profit_sharing: true } });
  const splitBody = (transactionId: string, amount: number, extra: Json = {}): Json => ({
    appid: M.appId,
    transaction_id: transactionId,
    out_order_no: `PS${Date.now()}${nextSeq()}`,
    receivers: [{ type: 'MERCHANT_ID', account: PARTNER, amount, description: '分给合作商户' }],
    unfreeze_unsplit: false,
    ...extra,
  });

  it('keeps receivers with their decrypted name; a merchant without name or an unknown serial is refused', async () => {
    expect(sim.profitSharingReceiver('MERCHANT_ID', PARTNER)).toMatchObject({
      name: '合作商户',
      nameSerial: V3.publicKeyId,
      relationType: 'PARTNER',
    });
    const noName = await v3('POST', `${BASE}/receivers/add`, {
      appid: M.appId,
      type: 'MERCHANT_ID',
      account: '1900000200',
      relation_type: 'STORE',
    });
    expect([noName.status, noName.json.code]).toEqual([400, 'PARAM_ERROR']);
    const badSerial = await postWithSerial(
      `${BASE}/receivers/add`,
      {
        appid: M.appId,
        type: 'MERCHANT_ID',
        account: '1900000200',
        name: encryptPayV3Sensitive('x', V3.wechatPayPublicKey),
        relation_type: 'STORE',
      },
      'PUB_KEY_ID_UNKNOWN',
    );
    expect(badSerial.status).toBe(400);
    const deleted = await v3('POST', `${BASE}/receivers/delete`, { appid: M.appId, type: 'MERCHANT_ID', account: PARTNER });
    expect(deleted.json).toEqual({ type: 'MERCHANT_ID', account: PARTNER });
    expect(sim.profitSharingReceiver('MERCHANT_ID', PARTNER)).toBeUndefined();
  });

  it('splits only orders paid with profit_sharing, within the ratio; repeats are the same split', async () => {
    const plain = await paidOrder();
    const refused = await v3('POST', `${BASE}/orders`, splitBody(plain.transactionId, 1));
    expect([refused.status, refused.json.code]).toEqual([400, 'INVALID_REQUEST']);
    const { transactionId } = await sharingOrder();
    const over = await v3('POST', `${BASE}/orders`, splitBody(transactionId, 301));
    expect([over.status, over.json.code]).toEqual([400, 'NOT_ENOUGH']);
    const body = splitBody(transactionId, 300);
    const first = await v3('POST', `${BASE}/orders`, body);
    expect(first.json).toMatchObject({
      out_order_no: body.out_order_no,
      state: 'PROCESSING',
      receivers: [expect.objectContaining({ result: 'PENDING', amount: 300 })],
    });
    const again = await v3('POST', `${BASE}/orders`, body);
    expect(again.json).toEqual(first.json);
    expect(sim.profitSharingOrder(body.out_order_no as string)?.creates).toBe(2);
    const other = await v3('POST', `${BASE}/orders`, { ...body, unfreeze_unsplit: true });
    expect([other.status, other.json.code]).toEqual([400, 'INVALID_REQUEST']);
    const more = await v3('POST', `${BASE}/orders`, splitBody(transactionId, 1));
    expect(more.json.code).toBe('NOT_ENOUGH');
    sim.profitSharingSettings({ maxRatio: 0.5 });
    expect((await v3('POST', `${BASE}/orders`, splitBody(transactionId, 200))).status).toBe(200);
  });

  it('finishes a split and delivers the signed, encrypted PROFITSHARING.SUCCESS; returns, amounts, unfreeze', async () => {
    const { transactionId, outTradeNo } = await sharingOrder();
    const body = splitBody(transactionId, 250);
    await v3('POST', `${BASE}/orders`, body);
    const { notifications } = await control('POST', '/__sim/profitSharingFinish', { outOrderNo: body.out_order_no }).then((a) => ({
      notifications: (a.json as { notifications: Array<{ kind: string; outTradeNo: string }> }).notifications,
    }));
    expect(notifications).toEqual([expect.objectContaining({ kind: 'profit-sharing', outTradeNo })]);
    const delivered = target.received.at(-1)!;
    expect(JSON.parse(delivered.body)).toMatchObject({ event_type: 'PROFITSHARING.SUCCESS', resource_type: 'encrypt-resource' });
    expect(decryptNotification(delivered.body)).toEqual({
      mchid: M.mchId,
      transaction_id: transactionId,
      order_id: expect.any(String),
      out_order_no: body.out_order_no,
      receiver: { type: 'MERCHANT_ID', account: PARTNER, amount: 250, description: '分给合作商户' },
      success_time: expect.any(String),
    });
    const query = await v3('GET', `${BASE}/orders/${body.out_order_no as string}?transaction_id=${transactionId}`);
    expect(query.json).toMatchObject({
      state: 'FINISHED',
      receivers: [expect.objectContaining({ result: 'SUCCESS', finish_time: expect.any(String) })],
    });
    expect((await v3('GET', `${BASE}/transactions/${transactionId}/amounts`)).json).toEqual({
      transaction_id: transactionId,
      unsplit_amount: 750,
    });

    const ret = {
      out_order_no: body.out_order_no,
      out_return_no: `PR${nextSeq()}`,
      return_mchid: PARTNER,
      amount: 50,
      description: '回退',
    };
    expect((await v3('POST', `${BASE}/return-orders`, ret)).json).toMatchObject({ result: 'SUCCESS', amount: 50 });
    const back = await v3('GET', `${BASE}/return-orders/${ret.out_return_no}?out_order_no=${body.out_order_no as string}`);
    expect(back.json).toMatchObject({ out_return_no: ret.out_return_no, result: 'SUCCESS' });
    const tooMuch = await v3('POST', `${BASE}/return-orders`, { ...ret, out_return_no: `PR${nextSeq()}`, amount: 201 });
    expect(tooMuch.json.code).toBe('NOT_ENOUGH');

    const unfreeze = await v3('POST', `${BASE}/orders/unfreeze`, {
      transaction_id: transactionId,
      out_order_no: `PU${nextSeq()}`,
      description: '解冻',
    });
    expect(unfreeze.json).toMatchObject({ state: 'FINISHED', receivers: [expect.objectContaining({ account: M.mchId, amount: 750 })] });
    expect((await v3('GET', `${BASE}/transactions/${transactionId}/amounts`)).json.unsplit_amount).toBe(0);
    expect((await v3('POST', `${BASE}/orders`, splitBody(transactionId, 1))).json.code).toBe('INVALID_REQUEST');
  });

  it('finishes by itself after the refund delay unless told otherwise', async () => {
    sim.profitSharingSettings({ autoFinish: true });
    const { transactionId } = await sharingOrder();
    const body = splitBody(transactionId, 10);
    await v3('POST', `${BASE}/orders`, body);
    await until(() => sim.profitSharingOrder(body.out_order_no as string)?.state === 'FINISHED');
    const control409 = await control('POST', '/__sim/profitSharingFinish', { outOrderNo: body.out_order_no });
    expect(control409.status).toBe(409);
  });
});
