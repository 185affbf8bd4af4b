import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OnWeChatMessage, WeChatAccount, WeChatApiError, WeChatCustomerMessageService, WeChatInputError } from '../lib';
import type { CustomerServiceSendResult, CustomerServiceTextMessage, WeChatPushEvent } from '../lib';
import type { WeChatSimulator } from '../lib/testing';
import { Harness, startPushHarness } from './utils/harness';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** A host's customer-service desk: answers every text once its push has committed, and can be told to fail. */
@Injectable()
class HelpDesk {
  readonly received: CustomerServiceTextMessage[] = [];
  readonly answers: Array<{ result: CustomerServiceSendResult; committed: boolean }> = [];
  failNext = 0;

  constructor(
    private readonly messages: WeChatCustomerMessageService,
    private readonly dataSource: DataSource,
  ) {}

  /** The pattern of docs/customer-service.md: record in the push's transaction, answer after its commit. */
  @OnWeChatMessage('text')
  async text({ message, manager, afterCommit }: WeChatPushEvent<CustomerServiceTextMessage>): Promise<void> {
    this.received.push(message);
    const asked = `asked:${message.MsgId}`;
    await manager.update(WeChatAccount, { openId: message.FromUserName }, { city: asked });
    afterCommit(async () => {
      // The handler's transaction is over, and what it wrote is there for everyone (on the server engines, read through
      // another connection).
      const over = manager.queryRunner?.isTransactionActive === false;
      const account = await this.dataSource.getRepository(WeChatAccount).findOneBy({ openId: message.FromUserName });
      const result = await this.messages.sendText(message.FromUserName, `收到：${message.Content}`);
      this.answers.push({ result, committed: over && account?.city === asked });
    });
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('the desk failed after scheduling its answer');
    }
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('customer-service messages, with the simulator', () => {
  let h: Harness;
  let service: WeChatCustomerMessageService;
  let desk: HelpDesk;
  let sim: WeChatSimulator;

  beforeAll(async () => {
    h = await startPushHarness({ providers: [HelpDesk] });
    sim = h.sim;
    service = h.app.get(WeChatCustomerMessageService);
    desk = h.app.get(HelpDesk);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    desk.received.length = 0;
    desk.answers.length = 0;
    desk.failNext = 0;
  });

  const calls = (path: string) => sim.calls.filter((call) => call.path === path).length;

  it('hands what the user writes to the handler once, and answers after the push committed', async () => {
    const { openId } = await h.login();
    const { message, pushes } = await sim.customerMessage({ openId, msgType: 'text', content: '在吗？' });
    expect(pushes).toEqual([expect.objectContaining({ acknowledged: true })]);
    await waitFor(() => desk.answers.length === 1);
    expect(desk.received).toEqual([expect.objectContaining({ MsgType: 'text', Content: '在吗？', MsgId: String(message.MsgId) })]);
    expect(desk.answers).toEqual([{ result: { sent: true }, committed: true }]);
    expect(sim.customerMessages(openId)).toEqual([expect.objectContaining({ msgType: 'text', text: { content: '收到：在吗？' } })]);

    // WeChat's copy of the push runs nothing: no second answer.
    await sim.push({ openId, message: pushes[0].message, kind: 'duplicate' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(desk.received).toHaveLength(1);
    expect(sim.customerMessages(openId)).toHaveLength(1);
    expect(sim.customerSession(openId).messagesLeft).toBe(4);
  });

  it('sends no answer for a push that rolled back, and one for its redelivery', async () => {
    const { openId } = await h.login();
    desk.failNext = 1;
    const [first] = (await sim.customerMessage({ openId, msgType: 'text', content: '订单 42 到哪了？' })).pushes;
    expect(first.attempts[0].status).toBe(503);
    await waitFor(() => desk.answers.length === 1);
    expect(desk.received).toHaveLength(2);
    expect(desk.answers).toEqual([{ result: { sent: true }, committed: true }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.customerMessages(openId)).toEqual([expect.objectContaining({ text: { content: '收到：订单 42 到哪了？' } })]);
  });

  it('answers a user outside the window, or beyond the quota, with a result, not an exception', async () => {
    const { openId } = await h.login();
    expect(await service.sendText(openId, 'hello?')).toEqual({
      sent: false,
      reason: 'window-closed',
      errcode: 45015,
      errmsg: expect.stringMatching(/^response out of time limit or subscription is canceled/),
    });
    expect(await service.setTyping(openId, true)).toMatchObject({ sent: false, reason: 'window-closed' });
    await sim.customerMessage({ openId, event: 'enter', sessionFrom: 'order-42' });
    expect(await service.sendText(openId, 'welcome')).toEqual({ sent: true });
    expect(await service.setTyping(openId, true)).toEqual({ sent: true });
    expect(await service.setTyping(openId, true)).toMatchObject({ sent: false, reason: 'already-typing', errcode: 45081 });
    expect(await service.sendText(openId, 'anything else?')).toEqual({ sent: true });
    expect(await service.sendText(openId, 'one more')).toMatchObject({ sent: false, reason: 'quota-used', errcode: 45047 });
    await expect(service.sendText('oNotAUserOfTheApp', 'hi')).rejects.toMatchObject({ name: 'WeChatApiError', errcode: 40003 });
    expect(sim.customerMessages(openId).map((m) => m.command ?? m.text?.content)).toEqual(['welcome', 'Typing', 'anything else?']);
  });

  it('uploads images and sends them; refuses non-images and oversized ones without calling WeChat', async () => {
    const uploads = () => calls('/cgi-bin/media/upload');
    const before = uploads();
    await expect(service.uploadTempImage(Buffer.from('%PDF-1.7\n'), { filename: 'receipt.png' })).rejects.toBeInstanceOf(WeChatInputError);
    const oversized = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]);
    await expect(service.uploadTempImage(oversized)).rejects.toMatchObject({
      name: 'WeChatInputError',
      problems: [expect.stringMatching(/WeChat takes at most 2097152/)],
    });
    expect(uploads()).toBe(before);

    const { openId } = await h.login();
    await sim.customerMessage({ openId, msgType: 'image' });
    const media = await service.uploadTempImage(PNG, { filename: 'cover.png' });
    expect(media).toEqual({ mediaId: expect.any(String), createdAt: expect.any(Date) });
    expect(sim.tempMedia(media.mediaId)).toMatchObject({ from: 'app', contentType: 'image/png', filename: 'cover.png', bytes: PNG });
    expect(await service.sendImage(openId, media.mediaId)).toEqual({ sent: true });
    const card = { title: '订单详情', pagePath: 'pages/order/detail?id=42', thumbMediaId: media.mediaId };
    expect(await service.sendMiniProgramPage(openId, card)).toEqual({ sent: true });
    const link = { title: '配送说明', description: '点击查看', url: 'https://example.com/help', thumbUrl: 'https://example.com/t.png' };
    expect(await service.sendLink(openId, link)).toEqual({ sent: true });
    expect(sim.customerMessages(openId).map((m) => m.msgType)).toEqual(['image', 'miniprogrampage', 'link']);
    expect(await service.getTempMedia(media.mediaId)).toEqual({ contentType: 'image/png', body: PNG });
    await expect(service.getTempMedia('unknownMediaId')).rejects.toEqual(expect.any(WeChatApiError));
    await expect(service.sendImage(openId, 'unknownMediaId')).rejects.toMatchObject({ errcode: 40007 });
  });

  it('downloads the image a user sent, by the MediaId of the push', async () => {
    const { openId } = await h.login();
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
    const { message } = await sim.customerMessage({ openId, msgType: 'image', image: gif.toString('base64') });
    expect(await service.getTempMedia(message.MediaId as string)).toEqual({ contentType: 'image/gif', body: gif });
  });
});
