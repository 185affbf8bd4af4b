import type { Provider } from '@nestjs/common';
import { WeChatApiError, WeChatInputError, WeChatSubscribeMessageService, WeChatSubscription } from '../lib';
import type { MiniProgramModuleOptions, SubscribeMessage } from '../lib';
import { SIMULATOR_DEV_PUSH, WeChatSimulator } from '../lib/testing';
import type { SimSubscribeTemplate } from '../lib/testing';
import { PushEventsProbe } from './src/push-events.probe';
import { freePort, Harness, startHarness } from './utils/harness';
import { registerSecret, suiteLogs } from './utils/log-guard';

const ROUTE = '/miniprogram_auth/wechatPush';

/** Polls until `read` gives something `done` accepts (a push handled in the app), and gives it. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('subscribe messages, with the simulator', () => {
  let h: Harness;
  let service: WeChatSubscribeMessageService;
  let oneTime: SimSubscribeTemplate;
  let longTerm: SimSubscribeTemplate;
  const sim = new WeChatSimulator({ timeScale: 0.01 });

  /** An app listening on a port of its own, and the simulator pushing to it with the development Token and key. */
  async function pushedApp(options: Partial<MiniProgramModuleOptions>, providers: Provider[] = []): Promise<Harness> {
    const port = await freePort();
    const app = await startHarness({ options: { push: { ...SIMULATOR_DEV_PUSH }, ...options }, port, sim, providers });
    sim.configurePush({ url: `http://127.0.0.1:${port}${ROUTE}`, ...SIMULATOR_DEV_PUSH });
    return app;
  }

  beforeAll(async () => {
    await sim.start();
    registerSecret(SIMULATOR_DEV_PUSH.token);
    registerSecret(SIMULATOR_DEV_PUSH.encodingAesKey);
    h = await pushedApp({ subscribe: { recordConsent: true } });
    service = h.app.get(WeChatSubscribeMessageService);
    [oneTime, longTerm] = sim.subscribeTemplates();
  });
  afterAll(async () => {
    await h.close();
    await sim.stop();
  });

  const record = (openId: string, templateId: string) => h.dataSource.getRepository(WeChatSubscription).findOneBy({ openId, templateId });
  const paid = (toUser: string): SubscribeMessage => ({
    toUser,
    templateId: oneTime.templateId,
    data: { thing1: '月票', amount2: '¥99.00', time3: '2019年10月1日 15:01' },
    page: 'pages/order/detail?id=42',
  });
  const departed = (toUser: string): SubscribeMessage => ({
    toUser,
    templateId: longTerm.templateId,
    data: { car_number1: '粤A8Z888挂', time2: '15:01', thing3: { value: '10路' } },
  });
  const sendCalls = () => sim.calls.filter((call) => call.path === '/cgi-bin/message/subscribe/send').length;

  it('manages templates: the categories, public titles and keywords, add and delete', async () => {
    expect(await service.getCategory()).toEqual([
      { id: 2, name: '快递、物流' },
      { id: 616, name: '公交' },
    ]);
    const titles = await service.getPubTemplateTitles({ ids: [2, 616], limit: 2 });
    expect(titles).toEqual({
      count: 4,
      titles: [expect.objectContaining({ tid: 99, kind: 'one-time', categoryId: 616 }), expect.anything()],
    });
    expect(await service.getPubTemplateKeywords(401)).toContainEqual({ kid: 7, name: '状态', example: '已发货', rule: 'phrase' });
    const { templateId } = await service.addTemplate({ tid: 401, kidList: [1, 7], sceneDesc: '发货通知' });
    const list = await service.getTemplateList();
    expect(list.map((t) => [t.templateId, t.kind, t.keys])).toEqual([
      [oneTime.templateId, 'one-time', ['thing1', 'amount2', 'time3']],
      [longTerm.templateId, 'long-term', ['car_number1', 'time2', 'thing3']],
      [templateId, 'one-time', ['character_string1', 'phrase7']],
    ]);
    await service.deleteTemplate(templateId);
    expect((await service.getTemplateList()).map((t) => t.templateId)).toEqual([oneTime.templateId, longTerm.templateId]);
    await expect(service.addTemplate({ tid: 12345, kidList: [1, 2] })).rejects.toMatchObject({ name: 'WeChatApiError', errcode: 200014 });
    const before = sim.calls.length;
    await expect(service.addTemplate({ tid: 99, kidList: [1] })).rejects.toBeInstanceOf(WeChatInputError);
    expect(sim.calls.length).toBe(before);
  });

  it('records the consent the pop-up pushes, sends only while an acceptance is left, and answers 43101 as a result', async () => {
    const { openId } = await h.login();
    suiteLogs.length = 0;
    expect(await service.send(paid(openId))).toEqual({
      sent: false,
      reason: 'refused',
      errcode: 43101,
      errmsg: expect.stringMatching(/^user refuse to accept the msg/),
    });
    const calls = sendCalls();
    expect(await service.send(paid(openId), { skipUnlessAccepted: true })).toEqual({ sent: false, reason: 'not-accepted' });
    expect(sendCalls()).toBe(calls);

    // The pop-up: the simulator pushes subscribe_msg_popup_event, the module's handler records it.
    const popup = await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
    expect(popup.pushes).toEqual([expect.objectContaining({ acknowledged: true })]);
    expect(await record(openId, oneTime.templateId)).toMatchObject({ status: 'accept', acceptancesLeft: 1 });
    // A redelivered push counts once.
    await sim.push({ openId, message: popup.pushes[0].message, kind: 'duplicate' });
    expect(await record(openId, oneTime.templateId)).toMatchObject({ acceptancesLeft: 1 });

    expect(await service.send(paid(openId), { skipUnlessAccepted: true })).toEqual({ sent: true });
    expect(sim.messages(openId)).toEqual([
      expect.objectContaining({ text: '物品名称:月票\n付款金额:¥99.00\n付款时间:2019年10月1日 15:01\n' }),
    ]);
    // subscribe_msg_sent_event follows the send: the acceptance is used.
    const used = await eventually(
      () => record(openId, oneTime.templateId),
      (row) => row?.acceptancesLeft === 0,
    );
    expect(used).toMatchObject({ status: 'accept', acceptancesLeft: 0 });
    expect(await service.send(paid(openId), { skipUnlessAccepted: true })).toMatchObject({
      sent: false,
      reason: 'refused',
      errcode: 43101,
    });
    expect(sim.messages(openId)).toHaveLength(1);
    expect(suiteLogs.filter((line) => /^(ERROR|WARN)/.test(line))).toEqual([]);
  });

  it('counts every acceptance when pop-ups of one user and template are pushed at once', async () => {
    const { openId } = await h.login();
    await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
    // Four answers at four earlier seconds (identical pushes in one second would be one push, deduplicated by its
    // fields), none in the second or two of the dialog's own push above.
    const now = Math.floor(Date.now() / 1000) - 10;
    const List = [{ TemplateId: oneTime.templateId, SubscribeStatusString: 'accept', PopupScene: '0' }];
    const pushes = await Promise.all(
      [1, 2, 3, 4].map((ago) =>
        sim.push({ openId, message: { MsgType: 'event', Event: 'subscribe_msg_popup_event', CreateTime: now - ago, List } }),
      ),
    );
    expect(pushes.map(([push]) => push.acknowledged)).toEqual([true, true, true, true]);
    expect(await record(openId, oneTime.templateId)).toMatchObject({ status: 'accept', acceptancesLeft: 5 });
    expect(await h.dataSource.getRepository(WeChatSubscription).countBy({ openId })).toBe(1);
  });

  it('keeps a rejection, skips it without calling WeChat, and counts acceptances given before', async () => {
    const { openId } = await h.login();
    await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
    await sim.subscribe({ openId, templateIds: [oneTime.templateId], accept: false });
    expect(await record(openId, oneTime.templateId)).toMatchObject({ status: 'reject', acceptancesLeft: 1 });
    expect(await service.send(paid(openId), { skipUnlessAccepted: true })).toEqual({ sent: true });
    await eventually(
      () => record(openId, oneTime.templateId),
      (row) => row?.acceptancesLeft === 0,
    );
    const calls = sendCalls();
    expect(await service.send(paid(openId), { skipUnlessAccepted: true })).toEqual({ sent: false, reason: 'not-accepted' });
    expect(sendCalls()).toBe(calls);
  });

  it('sends a long-term template any number of times until the user turns it off (the change event)', async () => {
    const { openId } = await h.login();
    await sim.subscribe({ openId, templateIds: [longTerm.templateId] });
    for (let i = 0; i < 3; i++) expect(await service.send(departed(openId), { skipUnlessAccepted: true })).toEqual({ sent: true });
    const change = await sim.subscribeChange({ openId, templateId: longTerm.templateId });
    expect(change.pushes).toEqual([expect.objectContaining({ acknowledged: true })]);
    expect(await record(openId, longTerm.templateId)).toMatchObject({ status: 'reject', acceptancesLeft: 0 });
    const calls = sendCalls();
    expect(await service.send(departed(openId), { skipUnlessAccepted: true })).toEqual({ sent: false, reason: 'not-accepted' });
    expect(sendCalls()).toBe(calls);
    expect(await service.send(departed(openId))).toMatchObject({ sent: false, reason: 'refused' });
  });

  it("checks input before sending, and throws WeChat's refusals of the call", async () => {
    const { openId } = await h.login();
    await sim.subscribe({ openId, templateIds: [longTerm.templateId] });
    const calls = sendCalls();
    const error = await service
      .send({ ...departed(openId), data: { car_number1: '粤A8Z888挂X', time2: 'noon', thing3: '' } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WeChatInputError);
    expect((error as WeChatInputError).problems).toHaveLength(3);
    expect(sendCalls()).toBe(calls);
    // A key the module cannot check (its type is unknown) reaches WeChat, which wants every key of the template.
    await expect(service.send({ ...departed(openId), data: { car_number1: '粤A8Z888挂', other2: 'x' } })).rejects.toMatchObject({
      errcode: 47003,
      errmsg: expect.stringMatching(/^argument invalid! data\.time2\.value is emtpy/),
    });
    await expect(service.send({ ...departed(openId), templateId: 'noSuchTemplate' })).rejects.toBeInstanceOf(WeChatApiError);
    await expect(service.send(departed('oNeverLoggedIn'))).rejects.toMatchObject({ errcode: 40003 });
  });

  it('leaves subscribe events to the host when consent is not recorded', async () => {
    const plain = await pushedApp({}, [PushEventsProbe]);
    try {
      const probe = plain.app.get(PushEventsProbe);
      const { openId } = await plain.login();
      await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
      expect(probe.unclaimed).toEqual([expect.objectContaining({ Event: 'subscribe_msg_popup_event', FromUserName: openId })]);
      expect(await plain.dataSource.getRepository(WeChatSubscription).count()).toBe(0);
      await expect(plain.app.get(WeChatSubscribeMessageService).send(paid(openId), { skipUnlessAccepted: true })).rejects.toMatchObject({
        problems: ['skipUnlessAccepted needs subscribe.recordConsent: without it there is no record to consult'],
      });
    } finally {
      await plain.close();
    }
  });
});
