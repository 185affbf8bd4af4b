import { APP, SEND, customerServiceBench, expectRefusal } from './customer-service-simulator.spec-kit';
import type { Json } from './customer-service-simulator.spec-kit';

const HOUR = 60 * 60 * 1000;

describe('WeChatSimulator (customer service): sending and typing', () => {
  const { sim, api, control, wrote, later, send, typing, upload } = customerServiceBench();
  const text = (openId: string, content = '您好') => ({ touser: openId, msgtype: 'text', text: { content } });

  it('takes five messages of each kind after the user wrote, records them, then answers 45047', async () => {
    const openId = await wrote();
    const { json } = await upload(Buffer.from('89504e470d0a1a0a0000', 'hex'), { filename: 'cover.png' });
    const mediaId = json.media_id as string;
    const bodies: Json[] = [
      text(openId, '您好！\n请问有什么可以帮您？'),
      { touser: openId, msgtype: 'image', image: { media_id: mediaId } },
      {
        touser: openId,
        msgtype: 'link',
        link: {
          title: 'Happy Day',
          description: 'Is Really A Happy Day',
          url: 'https://example.com/',
          thumb_url: 'https://example.com/t.png',
        },
      },
      {
        touser: openId,
        msgtype: 'miniprogrampage',
        miniprogrampage: { title: '订单', pagepath: 'pages/order/detail?id=42', thumb_media_id: mediaId },
      },
      text(openId, 'fifth'),
    ];
    for (const body of bodies) expect((await send(body)).json).toEqual({ errcode: 0, errmsg: 'ok' });
    expectRefusal((await send(text(openId, 'sixth'))).json, 45047, 'out of response count limit');
    expect(sim.customerMessages(openId)).toEqual([
      {
        id: expect.any(String),
        appId: APP.appId,
        openId,
        msgType: 'text',
        text: { content: '您好！\n请问有什么可以帮您？' },
        at: expect.any(Number),
      },
      expect.objectContaining({ msgType: 'image', image: { media_id: mediaId } }),
      expect.objectContaining({ msgType: 'link', link: bodies[2].link }),
      expect.objectContaining({ msgType: 'miniprogrampage', miniprogrampage: bodies[3].miniprogrampage }),
      expect.objectContaining({ msgType: 'text', text: { content: 'fifth' } }),
    ]);
    expect(sim.customerSession(openId)).toMatchObject({ open: true, messagesLeft: 0 });
    // The user writes again: five more, for 48 hours from now (the count does not add up).
    await sim.customerMessage({ openId, msgType: 'text', content: '还在吗？' });
    expect(sim.customerSession(openId)).toMatchObject({ open: true, messagesLeft: 5 });
    expect((await send(text(openId))).json.errcode).toBe(0);
  });

  it('answers 45015 to a user who never wrote, and once 48 hours have passed', async () => {
    sim.login({ openId: 'oSilent' });
    expectRefusal((await send(text('oSilent'))).json, 45015, 'response out of time limit or subscription is canceled');
    const openId = await wrote();
    later(48 * HOUR - 1000);
    expect((await send(text(openId))).json.errcode).toBe(0);
    jest.restoreAllMocks();
    later(48 * HOUR);
    expectRefusal((await send(text(openId))).json, 45015, 'response out of time limit or subscription is canceled');
    expect(sim.customerSession(openId)).toMatchObject({ open: false, messagesLeft: 0 });
    expect(sim.customerMessages(openId)).toHaveLength(1);
  });

  it('allows two messages within a minute of the user entering the session', async () => {
    sim.login({ openId: 'oVisitor' });
    const { message } = await sim.customerMessage({ openId: 'oVisitor', event: 'enter', sessionFrom: 'order-42' });
    expect(message).toEqual({ MsgType: 'event', Event: 'user_enter_tempsession', SessionFrom: 'order-42' });
    expect(sim.customerSession('oVisitor')).toMatchObject({ open: true, messagesLeft: 2, lastMessageAt: 0 });
    expect((await send(text('oVisitor'))).json.errcode).toBe(0);
    later(61 * 1000);
    expect((await send(text('oVisitor'))).json.errcode).toBe(45015);
  });

  it.each([
    [{ msgtype: 'voice', voice: { media_id: 'x' } }, 40008, 'invalid message type'],
    [{ msgtype: undefined }, 40008, 'invalid message type'],
    [{ msgtype: 'text', text: 'hi' }, 47001, 'data format error'],
    [{ msgtype: 'text', text: { content: '' } }, 44004, 'empty content'],
    [{ msgtype: 'image', image: {} }, 41006, 'media_id missing'],
    [{ msgtype: 'image', image: { media_id: 'unknownMediaId' } }, 40007, 'invalid media_id'],
    [{ msgtype: 'link', link: { title: 't', description: 'd', url: 'ftp://x', thumb_url: 'https://x/t.png' } }, 47001, 'data format error'],
    [{ msgtype: 'miniprogrampage', miniprogrampage: { title: 't', thumb_media_id: 'x' } }, 47001, 'data format error'],
    [{ msgtype: 'miniprogrampage', miniprogrampage: { title: 't', pagepath: 'p', thumb_media_id: 'x' } }, 40007, 'invalid media_id'],
    [{ touser: 'oNotAUser' }, 40003, 'invalid openid'],
  ])('refuses %j with %i, sending nothing and using nothing', async (change, errcode, wording) => {
    const openId = await wrote();
    const { json } = await send({ ...text(openId), ...change });
    expect(json.errcode).toBe(errcode);
    expect(json.errmsg).toMatch(new RegExp(`^${wording}`));
    expect(sim.customerMessages()).toEqual([]);
    expect(sim.customerSession(openId).messagesLeft).toBe(5);
  });

  it('answers 44002 to an empty body and 47001 to one that is not JSON; refuses a bad access token', async () => {
    const openId = await wrote();
    expectRefusal((await api('POST', SEND, { body: '' })).json, 44002, 'empty post data');
    expect((await api('POST', SEND, { body: '{"touser":' })).json.errcode).toBe(47001);
    expect((await api('POST', SEND, { body: text(openId), token: 'stale' })).json.errcode).toBe(40001);
    expect((await api('POST', SEND, { body: text(openId), token: null })).json.errcode).toBe(41001);
    expect((await api('GET', SEND)).json.errcode).toBe(43002);
    expect(sim.customerMessages()).toEqual([]);
  });

  it('applies faults like every route', async () => {
    const openId = await wrote();
    sim.addFault({ path: SEND, errcode: 45015 });
    expect((await send(text(openId))).json.errcode).toBe(45015);
    sim.addFault({ path: SEND, status: 503, errcode: -1 });
    expect((await send(text(openId))).status).toBe(503);
    expect(sim.customerMessages()).toEqual([]);
    expect((await send(text(openId))).json.errcode).toBe(0);
  });

  it('shows typing after a message in the last 30 seconds, for 15 seconds or until the next message', async () => {
    const openId = await wrote();
    expect((await typing({ touser: openId, command: 'Typing' })).json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(sim.customerSession(openId).typing).toBe(true);
    expectRefusal((await typing({ touser: openId, command: 'Typing' })).json, 45081, 'you are already typing');
    expect((await send(text(openId))).json.errcode).toBe(0);
    expect(sim.customerSession(openId).typing).toBe(false);
    // The older path answers the same.
    expect((await typing({ touser: openId, command: 'Typing' }, '/cgi-bin/message/custom/typing')).json.errcode).toBe(0);
    expect((await typing({ touser: openId, command: 'CancelTyping' })).json.errcode).toBe(0);
    expect(sim.customerMessages(openId).map((m) => m.command ?? m.msgType)).toEqual(['Typing', 'text', 'Typing', 'CancelTyping']);
    later(31 * 1000);
    expectRefusal(
      (await typing({ touser: openId, command: 'Typing' })).json,
      45080,
      'need sending message to user or recving message from user in the last 30 seconds before typing',
    );
  });

  it('refuses a typing command that is none, an unknown user, and a user whose window is closed', async () => {
    const openId = await wrote();
    expectRefusal((await typing({ touser: openId, command: 'typing' })).json, 45072, 'invalid command');
    expect((await typing({ touser: 'oNobody', command: 'Typing' })).json.errcode).toBe(40003);
    sim.login({ openId: 'oSilent' });
    expect((await typing({ touser: 'oSilent', command: 'Typing' })).json.errcode).toBe(45015);
    expect(sim.customerMessages()).toEqual([]);
  });

  it('forgets sessions and messages on reset, and lists and clears them over the control API', async () => {
    const openId = await wrote();
    await send(text(openId));
    expect((await control('GET', `/__sim/customerMessages?openId=${openId}`)).json.messages).toHaveLength(1);
    expect((await control('GET', `/__sim/customerSession?openId=${openId}`)).json).toMatchObject({ open: true, messagesLeft: 4 });
    expect((await control('DELETE', '/__sim/customerMessages')).json).toEqual({ ok: true });
    expect(sim.customerMessages()).toEqual([]);
    sim.reset();
    expect(sim.customerSession(openId)).toMatchObject({ open: false, windowEndsAt: 0 });
    expect((await control('GET', '/__sim/customerSession')).status).toBe(400);
  });
});
