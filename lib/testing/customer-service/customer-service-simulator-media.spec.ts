import { SimMediaStore, imageKindOf, readFormParts } from './customer-service-media';
import { APP, GIF, JPEG, PNG, customerServiceBench, expectRefusal } from './customer-service-simulator.spec-kit';
import type { Json } from './customer-service-simulator.spec-kit';

const DAY = 24 * 60 * 60 * 1000;

describe('WeChatSimulator (customer service): temporary images', () => {
  const { sim, api, control, later, upload, download } = customerServiceBench();

  it('keeps an uploaded image by its media id and type, and serves it back to its app', async () => {
    const { status, json } = await upload(JPEG, { filename: 'receipt.JPEG' });
    expect(status).toBe(200);
    expect(json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      type: 'image',
      media_id: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      created_at: expect.any(Number),
    });
    expect(Math.abs(json.created_at * 1000 - Date.now())).toBeLessThan(5000);
    expect(sim.tempMedia(json.media_id)).toEqual({
      mediaId: json.media_id,
      appId: APP.appId,
      type: 'image',
      contentType: 'image/jpeg',
      filename: 'receipt.JPEG',
      bytes: JPEG,
      from: 'app',
      createdAt: expect.any(Number),
    });
    const file = await download(json.media_id);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="${json.media_id}.jpg"`);
    expect(file.bytes).toEqual(JPEG);
    expect((await upload(GIF, { filename: 'a.gif' })).json.errcode).toBe(0);
  });

  it.each([
    ['not an image', Buffer.from('#!/bin/sh\n'), { filename: 'cat.png' }, 40005, 'invalid file type'],
    ['an image named as another type', PNG, { filename: 'cat.jpg' }, 40005, 'invalid file type'],
    ['an image without an extension', PNG, { filename: 'blob' }, 40005, 'invalid file type'],
    ['another media type', PNG, { type: 'voice' }, 40004, 'invalid media type'],
    ['no media type', PNG, { type: null }, 40004, 'invalid media type'],
    ['no file `media`', PNG, { field: 'file' }, 41005, 'media data missing'],
    ['an empty file', Buffer.alloc(0), {}, 41005, 'media data missing'],
  ] as const)('refuses %s and keeps nothing', async (_, bytes, settings, errcode, wording) => {
    const { json } = await upload(bytes as Buffer, settings as Parameters<typeof upload>[1]);
    expectRefusal(json, errcode, wording);
  });

  it('refuses a body that is not multipart, and an unknown or expired media id', async () => {
    expect((await api('POST', '/cgi-bin/media/upload', { query: { type: 'image' }, body: { media: 'x' } })).json.errcode).toBe(41005);
    expectRefusal((await download('unknownMediaId')).json as Json, 40007, 'invalid media_id');
    expectRefusal((await api('GET', '/cgi-bin/media/get')).json, 41006, 'media_id missing');
    const { json } = await upload(PNG);
    later(3 * DAY);
    expect((await download(json.media_id)).json?.errcode).toBe(40007);
    expect(sim.tempMedia(json.media_id)).toBeUndefined();
  });

  it('serves the image of a user message at its PicUrl, and to the app by its MediaId', async () => {
    sim.login({ openId: 'oPhoto' });
    const { message } = await sim.customerMessage({ openId: 'oPhoto', msgType: 'image', image: GIF.toString('base64') });
    expect(message).toEqual({
      MsgType: 'image',
      PicUrl: `${sim.url}/__sim/media?mediaId=${message.MediaId}`,
      MediaId: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      MsgId: expect.any(Number),
    });
    const picture = await fetch(message.PicUrl as string);
    expect(picture.headers.get('content-type')).toBe('image/gif');
    expect(Buffer.from(await picture.arrayBuffer())).toEqual(GIF);
    expect((await download(message.MediaId as string)).bytes).toEqual(GIF);
    expect(sim.tempMedia(message.MediaId as string)).toMatchObject({ from: 'user', filename: 'image.gif' });
    expect((await control('GET', '/__sim/media?mediaId=unknown')).status).toBe(404);
  });

  it('reads multipart bodies by RFC 7578, and refuses what does not follow its boundary', () => {
    const body = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="type"\r\n\r\nimage\r\n' +
        '--b\r\nContent-Disposition: form-data; name="media"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\r\n--x\r\n' +
        '--b--\r\n',
    );
    expect(readFormParts('multipart/form-data; boundary=b', body)).toEqual([
      { name: 'type', data: Buffer.from('image') },
      { name: 'media', filename: 'a.png', contentType: 'image/png', data: Buffer.from('\r\n--x') },
    ]);
    expect(readFormParts('multipart/form-data; charset=utf-8; boundary="b"', body)).toHaveLength(2);
    expect(readFormParts('application/json', body)).toBeUndefined();
    expect(readFormParts('multipart/form-data; boundary=b', body.subarray(0, 60))).toBeUndefined();
    expect(readFormParts('multipart/form-data; boundary=b', Buffer.from('--b\r\nX: y\r\n\r\nz\r\n--b--'))).toBeUndefined();
  });

  it("keeps each app's media to itself, and drops the oldest beyond its byte budget", () => {
    const store = new SimMediaStore(() => Date.now());
    const kind = imageKindOf(PNG)!;
    const mine = store.add('wxA', kind, PNG, 'a.png', 'app');
    expect(store.get(mine.mediaId, 'wxA')).toMatchObject({ appId: 'wxA' });
    expect(store.get(mine.mediaId, 'wxB')).toBeUndefined();
    const big = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]);
    const added = Array.from({ length: 32 }, () => store.add('wxA', kind, big, 'big.png', 'app'));
    expect(store.get(mine.mediaId)).toBeUndefined();
    expect(store.get(added[0].mediaId)).toBeUndefined();
    expect(store.get(added[31].mediaId)).toBeDefined();
  });
});
