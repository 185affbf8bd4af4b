import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decryptPayV3Sensitive } from '../../crypto/pay-v3.crypto';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayRefund } from '../../entities/pay-refund.entity';
import { PayTransfer } from '../../entities/pay-transfer.entity';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { PayOrderStateError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import { resolveMiniProgramOptions } from '../../options/mini-program-options.validation';
import { SIMULATOR_DEV_V3, simulatorDevV3Options } from '../../testing/dev-keys/dev-v3-keys';
import { MemoryAccessTokenStore } from '../../wechat/access-token.store';
import type { PayEventRegistry } from '../pay-event.registry';
import { PayLedger } from '../pay-ledger';
import { WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import { WeChatPayV3Client } from '../v3/wechat-pay-v3.client';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { PayTransferLedger } from './pay-transfer-ledger';
import type { CreateTransferRequest, PayTransferFinishedEvent } from './pay-transfer.interfaces';
import { WeChatPayTransferService } from './wechat-pay-transfer.service';

const MCH = '1900000109';
const APP_ID = 'wx4f4bc4dec97d474b';
const NOTIFY = 'https://host/mp/wechatPayV3Callback';

/** The service on an in-memory SQLite database; no request leaves the process (`client.call` is a mock). */
async function setup(withV3 = true) {
  const options = resolveMiniProgramOptions({
    appId: APP_ID,
    appSecret: '0123456789abcdef0123456789abcdef',
    http: { retries: 0 },
    pay: withV3
      ? { mchId: MCH, baseUrl: 'http://127.0.0.1:9', v3: simulatorDevV3Options('public-key', { notifyUrl: NOTIFY }) }
      : { mchId: MCH, apiKey: '0123456789abcdef0123456789abcdef', notifyUrl: 'https://host/mp/wechatPayCallback' },
  });
  const db = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: [PayOrder, PayRefund, PayTransfer],
    synchronize: true,
  });
  await db.initialize();
  const transfers = db.getRepository(PayTransfer);
  const client = new WeChatPayV3Client(options, new WeChatPayHttpClient(options), new MemoryAccessTokenStore());
  const call = jest.spyOn(client, 'call').mockRejectedValue(new Error('no answer queued'));
  const finished: Array<Omit<PayTransferFinishedEvent, 'manager' | 'afterCommit'>> = [];
  const events = {
    transferFinished: jest.fn(async ({ manager: _m, afterCommit: _a, ...event }: PayTransferFinishedEvent) => {
      finished.push(event);
    }),
  } as unknown as PayEventRegistry;
  const ledger = new PayLedger(events, db.getRepository(PayOrder), db.getRepository(PayRefund));
  const service = new WeChatPayTransferService(
    options,
    new WeChatPayV3Api(options, client),
    new PayTransferLedger(events, ledger, transfers),
    transfers,
  );
  return { db, transfers, call, service, finished };
}

type Setup = Awaited<ReturnType<typeof setup>>;

const answer = (json: Record<string, unknown>) => ({ status: 200, body: Buffer.from(JSON.stringify(json)), json });

function request(overrides: Partial<CreateTransferRequest> = {}): CreateTransferRequest {
  return {
    outBillNo: 'TB20261206000001',
    openId: 'o-user-1',
    amount: 100,
    transferSceneId: '1000',
    remark: '新会员开通有礼',
    reportInfos: [
      { infoType: '活动名称', infoContent: '新会员有礼' },
      { infoType: '奖励说明', infoContent: '注册会员抽奖一等奖' },
    ],
    ...overrides,
  };
}

function waiting(req: CreateTransferRequest, extra: Record<string, unknown> = {}) {
  return answer({
    out_bill_no: req.outBillNo,
    transfer_bill_no: '1330000071100999991182020050700019480001',
    create_time: '2026-12-06T10:00:00+08:00',
    state: 'WAIT_USER_CONFIRM',
    package_info: 'ABBQO+oYAAABAAAAAAAk+yPZGrJTest',
    ...extra,
  });
}

describe('WeChatPayTransferService', () => {
  let s: Setup;
  beforeEach(async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    s = await setup();
  });
  afterEach(async () => {
    await s.db.destroy();
    jest.restoreAllMocks();
  });

  it.each<[string, Partial<CreateTransferRequest>, RegExp]>([
    ['an out_bill_no with a dash', { outBillNo: 'TB-1' }, /outBillNo/],
    ['an out_bill_no of 33 characters', { outBillNo: 'A'.repeat(33) }, /outBillNo/],
    ['a zero amount', { amount: 0 }, /amount/],
    ['an amount in yuan', { amount: 1.5 }, /amount/],
    ['an amount as a string', { amount: '100' as unknown as number }, /amount/],
    ['a remark of 33 characters', { remark: '奖'.repeat(33) }, /remark/],
    ['no report infos', { reportInfos: [] }, /reportInfos/],
    ['a report line without content', { reportInfos: [{ infoType: '活动名称' } as never] }, /reportInfos\[0\]\.infoContent/],
    ['a scene id with a space', { transferSceneId: '10 00' }, /transferSceneId/],
    ['a control character in the remark', { remark: 'a\u0000b' }, /remark/],
    ['2,000 yuan without userName', { amount: 200_000 }, /userName is required/],
    ['a notify URL with a query', { notifyUrl: 'https://host/cb?x=1' }, /notifyUrl/],
  ])('refuses %s before anything is stored or sent', async (_name, overrides, problem) => {
    await expect(s.service.createTransfer(request(overrides))).rejects.toThrow(WeChatPayInputError);
    await expect(s.service.createTransfer(request(overrides))).rejects.toThrow(problem);
    expect(s.call).not.toHaveBeenCalled();
    expect(await s.transfers.count()).toBe(0);
  });

  it('refuses a request that is not an object, and merchants without API v3', async () => {
    await expect(s.service.createTransfer(null as never)).rejects.toThrow(WeChatPayInputError);
    const v2only = await setup(false);
    try {
      await expect(v2only.service.createTransfer(request())).rejects.toThrow(/API v3/);
      await expect(v2only.service.syncTransfer('TB1')).rejects.toThrow(WeChatPayInputError);
    } finally {
      await v2only.db.destroy();
    }
  });

  it('sends the bill below 2,000 yuan without user_name, and gives package_info for wx.requestMerchantTransfer', async () => {
    const req = request({ userRecvPerception: '现金奖励' });
    s.call.mockResolvedValueOnce(waiting(req));
    const result = await s.service.createTransfer(req);
    const [api, method, path, body, options] = s.call.mock.calls[0];
    expect([method, path]).toEqual(['POST', '/v3/fund-app/mch-transfer/transfer-bills']);
    expect(api).toContain('v3.request');
    expect(body).toEqual({
      appid: APP_ID,
      out_bill_no: req.outBillNo,
      transfer_scene_id: '1000',
      openid: 'o-user-1',
      transfer_amount: 100,
      transfer_remark: '新会员开通有礼',
      notify_url: NOTIFY,
      user_recv_perception: '现金奖励',
      transfer_scene_report_infos: [
        { info_type: '活动名称', info_content: '新会员有礼' },
        { info_type: '奖励说明', info_content: '注册会员抽奖一等奖' },
      ],
    });
    expect(options).toEqual({});
    expect(result.packageInfo).toBe('ABBQO+oYAAABAAAAAAAk+yPZGrJTest');
    expect(result.requestMerchantTransfer).toEqual({ mchId: MCH, appId: APP_ID, package: result.packageInfo, openId: 'o-user-1' });
    expect(result.transfer).toMatchObject({
      outBillNo: req.outBillNo,
      transferBillNo: '1330000071100999991182020050700019480001',
      state: 'WAIT_USER_CONFIRM',
      transferAmount: 100,
    });
  });

  it('encrypts user_name from 200,000 fen on, decryptable with the WeChat Pay private key, and sends its serial', async () => {
    const req = request({ amount: 200_000, userName: '张三' });
    s.call.mockResolvedValueOnce(waiting(req));
    await s.service.createTransfer(req);
    const [, , , body, options] = s.call.mock.calls[0];
    const ciphertext = (body as Record<string, unknown>).user_name as string;
    expect(ciphertext).not.toContain('张三');
    expect(decryptPayV3Sensitive(ciphertext, SIMULATOR_DEV_V3.wechatPayPrivateKey)).toBe('张三');
    expect(options).toEqual({ wechatpaySerial: SIMULATOR_DEV_V3.publicKeyId });
    const row = await s.transfers.findOneByOrFail({ outBillNo: req.outBillNo });
    expect(JSON.stringify(row)).not.toContain('张三');
  });

  it('answers a retry with the same content from the same row, and refuses other content before WeChat is asked', async () => {
    const req = request();
    s.call.mockResolvedValue(waiting(req));
    const first = await s.service.createTransfer(req);
    const again = await s.service.createTransfer({ ...req });
    expect(again.transfer.id).toBe(first.transfer.id);
    expect(again.packageInfo).toBe(first.packageInfo);
    expect(s.call).toHaveBeenCalledTimes(2);
    await expect(s.service.createTransfer({ ...req, amount: 101 })).rejects.toThrow(/was used for another transfer/);
    await expect(s.service.createTransfer({ ...req, userName: '李四' })).rejects.toThrow(WeChatPayInputError);
    expect(s.call).toHaveBeenCalledTimes(2);
    expect(await s.transfers.count()).toBe(1);
  });

  it('refuses an answer for another bill or amount, and keeps the reservation when WeChat cannot be reached', async () => {
    const req = request();
    s.call.mockResolvedValueOnce(waiting(req, { out_bill_no: 'OTHER1' }));
    await expect(s.service.createTransfer(req)).rejects.toThrow(WeChatUnavailableError);
    s.call.mockRejectedValueOnce(new WeChatUnavailableError('v3.request', 'network', 'ECONNRESET'));
    await expect(s.service.createTransfer(req)).rejects.toThrow(WeChatUnavailableError);
    expect(await s.transfers.findOneByOrFail({ outBillNo: req.outBillNo })).toMatchObject({ state: 'ACCEPTED', transferBillNo: null });
  });

  it('applies a final state once: syncTransfer runs the handlers, a second sync and a late cancel change nothing', async () => {
    const req = request();
    s.call.mockResolvedValueOnce(waiting(req));
    await s.service.createTransfer(req);
    const success = {
      mch_id: MCH,
      out_bill_no: req.outBillNo,
      transfer_bill_no: '1330000071100999991182020050700019480001',
      appid: APP_ID,
      state: 'SUCCESS',
      transfer_amount: 100,
      openid: 'o-user-1',
      create_time: '2026-12-06T10:00:00+08:00',
      update_time: '2026-12-06T10:01:00+08:00',
    };
    s.call.mockResolvedValueOnce(answer(success));
    const synced = await s.service.syncTransfer(req.outBillNo);
    expect(synced).toMatchObject({ state: 'SUCCESS', failReason: null });
    expect(synced.finishedAt?.toISOString()).toBe('2026-12-06T02:01:00.000Z');
    expect(s.finished).toEqual([expect.objectContaining({ source: 'query', raw: success })]);
    expect(await s.service.syncTransfer(req.outBillNo)).toMatchObject({ state: 'SUCCESS' });
    await expect(s.service.cancelTransfer(req.outBillNo)).rejects.toThrow(PayOrderStateError);
    expect(s.call).toHaveBeenCalledTimes(2);
    expect(s.finished).toHaveLength(1);
  });

  it('refuses a query answer whose amount differs from the stored transfer', async () => {
    const req = request();
    s.call.mockResolvedValueOnce(waiting(req));
    await s.service.createTransfer(req);
    s.call.mockResolvedValueOnce(
      answer({
        out_bill_no: req.outBillNo,
        transfer_bill_no: '1330000071100999991182020050700019480001',
        state: 'SUCCESS',
        transfer_amount: 1,
      }),
    );
    await expect(s.service.syncTransfer(req.outBillNo)).rejects.toThrow(/transfer_amount 1 differs/);
    expect(s.finished).toHaveLength(0);
  });

  it('checks query keys', async () => {
    await expect(s.service.queryTransfer({ outBillNo: 'a/b' })).rejects.toThrow(WeChatPayInputError);
    await expect(s.service.queryTransfer({ outBillNo: 'A1', transferBillNo: 'B2' } as never)).rejects.toThrow(/exactly one/);
    s.call.mockResolvedValueOnce(answer({ out_bill_no: 'A1', transfer_bill_no: 'B2', state: 'FAIL', fail_reason: 'ACCOUNT_FROZEN' }));
    expect(await s.service.queryTransfer({ transferBillNo: 'B2' })).toMatchObject({ state: 'FAIL', failReason: 'ACCOUNT_FROZEN' });
    expect(s.call.mock.calls[0][2]).toBe('/v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/B2');
  });
});
