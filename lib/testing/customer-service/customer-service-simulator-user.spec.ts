import { APP, DEV_PUSH, customerServiceBench } from './customer-service-simulator.spec-kit';

describe('WeChatSimulator (customer service): the user writing', () => {
  const { sim, receiver, configure, control } = customerServiceBench();

  // First: a push configuration stays for the whole file, as the apps do.
  it('opens the window without a push configured, and pushes nothing', async () => {
    sim.login({ openId: 'oQuiet' });
    const { pushes, session } = await sim.customerMessage({ openId: 'oQuiet', msgType: 'image' });
    expect(pushes).toEqual([]);
    expect(session.open).toBe(true);
    expect(receiver.received).toEqual([]);
  });

  it('pushes a text message to the app in JSON with a bare 64-bit MsgId, and opens the window', async () => {
    configure();
    sim.login({ openId: 'oWriter' });
    const { message, session, pushes } = await sim.customerMessage({ openId: 'oWriter', msgType: 'text', content: '在吗？' });
    expect(pushes).toEqual([expect.objectContaining({ acknowledged: true, kind: 'genuine' })]);
    const { body } = receiver.received[0];
    expect(body).toMatch(/"MsgId":\d{16}\}$/);
    expect(JSON.parse(body)).toEqual({
      ToUserName: expect.stringMatching(/^gh_/),
      FromUserName: 'oWriter',
      CreateTime: expect.any(Number),
      MsgType: 'text',
      Content: '在吗？',
      MsgId: message.MsgId,
    });
    expect(session).toEqual({
      appId: APP.appId,
      openId: 'oWriter',
      open: true,
      windowEndsAt: expect.any(Number),
      messagesLeft: 5,
      lastMessageAt: expect.any(Number),
      typing: false,
    });
    expect(session.windowEndsAt - session.lastMessageAt).toBe(48 * 60 * 60 * 1000);
    const second = await sim.customerMessage({ openId: 'oWriter', msgType: 'text', content: 'hello' });
    expect(second.message.MsgId).not.toBe(message.MsgId);
  });

  it('pushes cards and session entries in XML, as WeChat writes them', async () => {
    configure({ encodingAesKey: DEV_PUSH.encodingAesKey, format: 'xml', mode: 'plain' });
    sim.login({ openId: 'oCard' });
    const card = await sim.customerMessage({
      openId: 'oCard',
      msgType: 'miniprogrampage',
      title: '订单 42',
      pagePath: 'pages/order/detail?id=42',
    });
    expect(receiver.received[0].body).toMatch(
      /^<xml><ToUserName><!\[CDATA\[gh_[0-9a-f]+\]\]><\/ToUserName><FromUserName><!\[CDATA\[oCard\]\]><\/FromUserName><CreateTime>\d+<\/CreateTime>/,
    );
    expect(receiver.received[0].body).toContain(
      `<MsgType><![CDATA[miniprogrampage]]></MsgType><MsgId>${card.message.MsgId}</MsgId><Title><![CDATA[订单 42]]></Title>` +
        `<AppId><![CDATA[${APP.appId}]]></AppId><PagePath><![CDATA[pages/order/detail?id=42]]></PagePath>`,
    );
    expect(sim.tempMedia(card.message.ThumbMediaId as string)).toMatchObject({ from: 'user', contentType: 'image/png' });
    await sim.customerMessage({ openId: 'oCard', event: 'enter' });
    expect(receiver.received[1].body).toContain(
      '<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[user_enter_tempsession]]></Event><SessionFrom><![CDATA[]]></SessionFrom></xml>',
    );
  });

  it.each([
    [{ openId: 'oNobody', msgType: 'text', content: 'hi' }, 404, 'unknown user oNobody'],
    [{ openId: 'oKnown', msgType: 'voice' }, 400, 'msgType must be'],
    [{ openId: 'oKnown', msgType: 'text' }, 400, 'content must be a non-empty string'],
    [{ openId: 'oKnown', msgType: 'image', image: 'bm90IGFuIGltYWdl' }, 400, 'image must be a PNG, JPEG or GIF'],
    [{ openId: 'oKnown', msgType: 'image', image: 'not base64!' }, 400, 'image must be the base64'],
    [{ openId: 'oKnown', msgType: 'miniprogrampage', title: '' }, 400, 'title must be a non-empty string'],
    [{ openId: 'oKnown', event: 'leave' }, 400, "event must be 'enter'"],
    [{ openId: 'oKnown', event: 'enter', msgType: 'text' }, 400, 'give msgType or event, not both'],
    [{ openId: 'oKnown', event: 'enter', sessionFrom: 7 }, 400, 'sessionFrom must be a string'],
    [{ openId: 'o K', msgType: 'text', content: 'hi' }, 400, 'openId must be'],
  ])('refuses %j over the control API with %i', async (input, status, error) => {
    sim.login({ openId: 'oKnown' });
    const res = await control('POST', '/__sim/customerMessage', input);
    expect(res.status).toBe(status);
    expect(res.json.error).toContain(error);
    expect(sim.customerSession('oKnown').open).toBe(false);
  });

  it('plays the user over the control API too', async () => {
    configure();
    sim.login({ openId: 'oHttp' });
    const res = await control('POST', '/__sim/customerMessage', { openId: 'oHttp', msgType: 'text', content: 'via http' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      message: { MsgType: 'text', Content: 'via http' },
      session: { open: true },
      pushes: [{ acknowledged: true }],
    });
  });
});
