import { buildPayV3Authorization, encryptPayV3Sensitive } from '../../crypto/pay-v3.crypto';
import { M, RFC3339_BJ, V3, decryptNotification, payV3Bench, rawHttps, verifies } from '../pay-v3/pay-v3-simulator.spec-kit';
import type { Answer, Json } from '../pay-v3/pay-v3-simulator.spec-kit';

const BILLS = '/v3/fund-app/mch-transfer/transfer-bills';

describe('WeChatSimulator (merchant transfers, 商家转账)', () => {
  const { sim, target, control, urls, v3, nextSeq } = payV3Bench();

  /** A signed create with extra headers (the `Wechatpay-Serial` of an encrypted `user_name`). */
  async function createWith(body: Json, headers: Record<string, string>): Promise<Answer> {
    const text = JSON.stringify(body);
    const auth = buildPayV3Authorization({
      mchId: M.mchId,
      serialNo: V3.merchantSerialNo,
      privateKey: V3.merchantPrivateKey,
      method: 'POST',
      url: BILLS,
      body: text,
    });
    return rawHttps(urls().payBase, 'POST', BILLS, text, {
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: auth,
      ...headers,
    });
  }

  function billBody(overrides: Json = {}): Json {
    const n = nextSeq();
    return {
      appid: M.appId,
      out_bill_no: `TB${Date.now()}${n}`,
      transfer_scene_id: '1000',
      openid: `oTransfer${n}`,
      transfer_amount: 100,
      transfer_remark: '新会员开通有礼',
      notify_url: target.url(),
      user_recv_perception: '现金奖励',
      transfer_scene_report_infos: [
        { info_type: '活动名称', info_content: '新会员有礼' },
        { info_type: '奖励说明', info_content: '注册会员抽奖一等奖' },
      ],
      ...overrides,
    };
  }

  it('creates a bill waiting for the user, answers a repeat with the same bill and refuses other content', async () => {
    const body = billBody();
    const answer = await v3('POST', BILLS, body);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      out_bill_no: body.out_bill_no,
      transfer_bill_no: expect.stringMatching(/^1330\d{36}$/),
      create_time: expect.stringMatching(RFC3339_BJ),
      state: 'WAIT_USER_CONFIRM',
      package_info: expect.any(String),
    });
    const again = await v3('POST', BILLS, body);
    expect(again.json).toEqual(answer.json);
    expect(sim.transfer(body.out_bill_no as string)).toMatchObject({ creates: 2, state: 'WAIT_USER_CONFIRM' });
    const other = await v3('POST', BILLS, { ...body, transfer_amount: 101 });
    expect(other.status).toBe(400);
    expect(other.json.code).toBe('INVALID_REQUEST');
    expect(sim.transfer(body.out_bill_no as string)).toMatchObject({ transferAmount: 100, creates: 2 });
  });

  it('queries by either number and cancels a waiting bill with its notification', async () => {
    const body = billBody();
    const created = (await v3('POST', BILLS, body)).json;
    const byOut = await v3('GET', `${BILLS}/out-bill-no/${body.out_bill_no as string}`);
    expect(byOut.json).toMatchObject({
      mch_id: M.mchId,
      appid: M.appId,
      out_bill_no: body.out_bill_no,
      transfer_bill_no: created.transfer_bill_no,
      state: 'WAIT_USER_CONFIRM',
      transfer_amount: 100,
      openid: body.openid,
      update_time: expect.stringMatching(RFC3339_BJ),
    });
    const byWeChat = await v3('GET', `${BILLS}/transfer-bill-no/${created.transfer_bill_no as string}`);
    expect(byWeChat.json).toEqual(byOut.json);
    expect((await v3('GET', `${BILLS}/out-bill-no/NOSUCHBILL1`)).status).toBe(404);
    target.reset();
    const cancelled = await v3('POST', `${BILLS}/out-bill-no/${body.out_bill_no as string}/cancel`);
    expect(cancelled.json).toMatchObject({ out_bill_no: body.out_bill_no, state: 'CANCELLED' });
    expect(sim.transfer(body.out_bill_no as string)?.history).toEqual(['ACCEPTED', 'WAIT_USER_CONFIRM', 'CANCELING', 'CANCELLED']);
    const again = await v3('POST', `${BILLS}/out-bill-no/${body.out_bill_no as string}/cancel`);
    expect(again.json.state).toBe('CANCELLED');
    for (let i = 0; i < 200 && target.received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(decryptNotification(target.received[0].body)).toMatchObject({ out_bill_no: body.out_bill_no, state: 'CANCELLED' });
  });

  it('needs user_name from 2,000 yuan on, encrypted with the key its Wechatpay-Serial names', async () => {
    const big = billBody({ transfer_amount: 200_000 });
    const missing = await v3('POST', BILLS, big);
    expect(missing.status).toBe(400);
    expect(missing.json.code).toBe('PARAM_ERROR');
    const userName = encryptPayV3Sensitive('张三', V3.wechatPayPublicKey);
    const noSerial = await createWith({ ...big, user_name: userName }, {});
    expect(noSerial.status).toBe(400);
    const wrongKey = await createWith({ ...big, user_name: userName }, { 'wechatpay-serial': V3.platformSerialNo });
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.json.message).toContain('解密');
    const ok = await createWith({ ...big, user_name: userName }, { 'wechatpay-serial': V3.publicKeyId });
    expect(ok.status).toBe(200);
    expect(sim.transfer(big.out_bill_no as string)).toMatchObject({ userName: '张三', userNameSerial: V3.publicKeyId });
  });

  it('plays the confirmation: SUCCESS after TRANSFERING, with a signed, encrypted MCHTRANSFER.BILL.FINISHED', async () => {
    const body = billBody();
    await v3('POST', BILLS, body);
    target.reset();
    const confirmed = await control('POST', '/__sim/transferConfirm', { outBillNo: body.out_bill_no });
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.transfer).toMatchObject({
      state: 'SUCCESS',
      history: ['ACCEPTED', 'WAIT_USER_CONFIRM', 'TRANSFERING', 'SUCCESS'],
    });
    expect(confirmed.json.notification).toMatchObject({ kind: 'transfer', outBillNo: body.out_bill_no, acknowledged: true });
    const [received] = target.received;
    expect(verifies(received)).toBe(true);
    const envelope = JSON.parse(received.body) as Json;
    expect(envelope).toMatchObject({ event_type: 'MCHTRANSFER.BILL.FINISHED', resource: { original_type: 'mch_payment' } });
    expect(decryptNotification(received.body)).toEqual({
      mchid: M.mchId,
      out_bill_no: body.out_bill_no,
      transfer_bill_no: expect.stringMatching(/^1330\d{36}$/),
      state: 'SUCCESS',
      transfer_amount: 100,
      openid: body.openid,
      create_time: expect.stringMatching(RFC3339_BJ),
      update_time: expect.stringMatching(RFC3339_BJ),
    });
    expect((await control('POST', '/__sim/transferConfirm', { outBillNo: body.out_bill_no })).status).toBe(409);
    const copies = await control('POST', '/__sim/transferNotify', { outBillNo: body.out_bill_no, kind: 'replay', copies: 2 });
    expect(copies.json.notifications).toHaveLength(2);
    expect(target.received.slice(1).map((r) => r.body)).toEqual([received.body, received.body]);
  });

  it('plays a declined and a failed transfer, and can lose the notification', async () => {
    const declined = billBody();
    await v3('POST', BILLS, declined);
    const d = await control('POST', '/__sim/transferConfirm', { outBillNo: declined.out_bill_no, action: 'decline', notify: false });
    expect(d.json.transfer).toMatchObject({ state: 'CANCELLED' });
    expect(d.json.notification).toBeUndefined();
    expect((await v3('GET', `${BILLS}/out-bill-no/${declined.out_bill_no as string}`)).json.state).toBe('CANCELLED');
    const failed = billBody();
    await v3('POST', BILLS, failed);
    const f = await control('POST', '/__sim/transferConfirm', { outBillNo: failed.out_bill_no, action: 'fail' });
    expect(f.json.transfer).toMatchObject({ state: 'FAIL', failReason: 'PAYEE_ACCOUNT_ABNORMAL' });
    expect((await control('POST', '/__sim/transferConfirm', { outBillNo: 'NOSUCH1', action: 'confirm' })).status).toBe(404);
    expect((await control('POST', '/__sim/transferConfirm', { outBillNo: failed.out_bill_no, action: 'maybe' })).status).toBe(400);
  });

  it('refuses malformed creates with PARAM_ERROR', async () => {
    for (const bad of [
      { out_bill_no: 'has-dash-1' },
      { transfer_amount: 0 },
      { transfer_amount: '100' },
      { transfer_remark: 'x'.repeat(33) },
      { transfer_scene_report_infos: [] },
      { openid: undefined },
    ]) {
      const answer = await v3('POST', BILLS, billBody(bad));
      expect([answer.status, answer.json.code]).toEqual([400, 'PARAM_ERROR']);
    }
    expect((await v3('POST', BILLS, billBody({ appid: 'wx0000000000000000' }))).status).toBe(400);
  });
});
