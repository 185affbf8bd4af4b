import { crc32, deflateSync } from 'node:zlib';
import { SimulatorInputError } from '../index';
import { APP, colorsOf, decodePng, linksBench } from './links-simulator.spec-kit';

describe('simulator: getwxacodeunlimit', () => {
  const { sim, control, post, refusal } = linksBench();

  it('answers a real PNG of the width asked, carrying the scene, page and version in a tEXt chunk', async () => {
    const answer = await post('/wxa/getwxacodeunlimit', { scene: 'id=42&from=poster', page: 'pages/order/detail', env_version: 'trial' });
    expect(answer).toMatchObject({ status: 200, contentType: 'image/png' });
    const png = decodePng(answer.body);
    expect(png).toMatchObject({ width: 430, height: 430, bitDepth: 8, colorType: 2 });
    expect(JSON.parse(png.texts.WeChatSimulator)).toEqual({
      appId: APP.appId,
      scene: 'id=42&from=poster',
      page: 'pages/order/detail',
      envVersion: 'trial',
      width: 430,
    });
    // Black modules on white, and a white margin.
    expect(png.pixel(0, 0)).toEqual([255, 255, 255]);
    expect(colorsOf(png)).toEqual(new Set(['255,255,255', '0,0,0']));
    expect(sim.readCode(answer.body)).toEqual({
      appId: APP.appId,
      scene: 'id=42&from=poster',
      page: 'pages/order/detail',
      envVersion: 'trial',
      width: 430,
    });
    expect(sim.links()).toEqual([
      {
        kind: 'code',
        appId: APP.appId,
        scene: 'id=42&from=poster',
        page: 'pages/order/detail',
        envVersion: 'trial',
        checkPath: true,
        width: 430,
        createdAt: expect.any(Number),
      },
    ]);
    expect(sim.calls.at(-1)).toMatchObject({ path: '/wxa/getwxacodeunlimit', status: 200, appId: APP.appId });
  });

  it('draws in the line colour, on a transparent background with is_hyaline, in WeChat green with auto_color', async () => {
    const coloured = decodePng(
      (await post('/wxa/getwxacodeunlimit', { scene: 'a', width: 280, line_color: { r: '200', g: 10, b: 0 } })).body,
    );
    expect(coloured).toMatchObject({ width: 280, height: 280, colorType: 2 });
    expect(colorsOf(coloured)).toEqual(new Set(['255,255,255', '200,10,0']));
    const clear = decodePng((await post('/wxa/getwxacodeunlimit', { scene: 'a', width: 1280, is_hyaline: true, auto_color: true })).body);
    expect(clear).toMatchObject({ width: 1280, colorType: 6 });
    expect(clear.pixel(0, 0)).toEqual([255, 255, 255, 0]);
    expect(colorsOf(clear)).toEqual(new Set(['255,255,255,0', '7,193,96,255']));
    expect(JSON.parse(clear.texts.WeChatSimulator)).toMatchObject({ page: '', envVersion: 'release', width: 1280 });
  });

  it.each([
    ['a body that is not JSON', 'scene=a', 40169, 'invalid length for scene, or the data is not json string'],
    ['no scene', { page: 'pages/index/index' }, 40169, 'invalid length for scene, or the data is not json string'],
    ['a scene of 33 characters', { scene: 'x'.repeat(33) }, 40169, 'invalid length for scene, or the data is not json string'],
    ['a % in the scene', { scene: 'a%20b' }, 40129, 'invalid scene'],
    ['Chinese in the scene', { scene: '订单' }, 40129, 'invalid scene'],
    ['a page with a leading /', { scene: 'a', page: '/pages/index/index' }, 41030, 'invalid page'],
    ['a page with a query', { scene: 'a', page: 'pages/index/index?id=1' }, 41030, 'invalid page'],
    ['an unknown version', { scene: 'a', env_version: 'formal' }, 40097, 'invalid args'],
    ['a width under 280', { scene: 'a', width: 100 }, 40097, 'invalid args'],
    ['a width over 1280', { scene: 'a', width: 1281 }, 40097, 'invalid args'],
    ['a colour channel over 255', { scene: 'a', line_color: { r: 256, g: 0, b: 0 } }, 40097, 'invalid args'],
    ['check_path as text', { scene: 'a', check_path: 'false' }, 40097, 'invalid args'],
  ])('refuses %s as WeChat does', async (_, body, errcode, wording) => {
    const answer = await post('/wxa/getwxacodeunlimit', body);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(refusal(errcode, wording));
    expect(sim.links()).toEqual([]);
  });

  it('checks the access token and plays faults as on every route', async () => {
    expect((await post('/wxa/getwxacodeunlimit', { scene: 'a' }, null)).json).toMatchObject({ errcode: 41001 });
    expect((await post('/wxa/getwxacodeunlimit', { scene: 'a' }, 'stale')).json).toMatchObject({ errcode: 40001 });
    sim.addFault({ path: '/wxa/getwxacodeunlimit', errcode: 45009, count: 1 });
    expect((await post('/wxa/getwxacodeunlimit', { scene: 'a' })).json).toMatchObject({ errcode: 45009 });
    sim.addFault({ path: '/wxa/getwxacodeunlimit', status: 503, count: 1 });
    expect((await post('/wxa/getwxacodeunlimit', { scene: 'a' })).status).toBe(503);
    expect((await post('/wxa/getwxacodeunlimit', { scene: 'a' })).contentType).toBe('image/png');
  });

  it('checks the page against the pages set for the app, unless check_path is false', async () => {
    expect(sim.setPages({ pages: ['pages/index/index', 'pages/order/detail'] })).toEqual({
      appId: APP.appId,
      pages: ['pages/index/index', 'pages/order/detail'],
    });
    expect((await post('/wxa/getwxacodeunlimit', { scene: 'a', page: 'pages/order/detail' })).contentType).toBe('image/png');
    expect((await post('/wxa/getwxacodeunlimit', { scene: 'a', page: 'pages/unknown/unknown' })).json).toEqual(
      refusal(41030, 'invalid page'),
    );
    const unchecked = await post('/wxa/getwxacodeunlimit', { scene: 'a', page: 'pages/unknown/unknown', check_path: false });
    expect(sim.readCode(unchecked.body)).toMatchObject({ page: 'pages/unknown/unknown' });
    expect((await control('GET', '/__sim/pages')).json).toEqual({ appId: APP.appId, pages: ['pages/index/index', 'pages/order/detail'] });
    expect(sim.pages(APP.appId)).toEqual({ appId: APP.appId, pages: ['pages/index/index', 'pages/order/detail'] });
    expect((await control('POST', '/__sim/pages', { pages: null })).json).toEqual({ appId: APP.appId, pages: null });
    expect((await post('/wxa/getwxacodeunlimit', { scene: 'a', page: 'pages/unknown/unknown' })).contentType).toBe('image/png');
    expect((await control('POST', '/__sim/pages', { pages: ['/pages/index/index'] })).status).toBe(400);
    expect((await control('POST', '/__sim/pages', { pages: 'pages/index/index' })).status).toBe(400);
    sim.setPages({ pages: ['pages/index/index'] });
    sim.reset();
    expect((await control('GET', '/__sim/pages')).json).toEqual({ appId: APP.appId, pages: null });
  });

  it('reads a code back through POST /__sim/readCode: the PNG, its base64, or { image }', async () => {
    const { body } = await post('/wxa/getwxacodeunlimit', { scene: 'uid=7', page: 'pages/index/index' });
    const expected = { appId: APP.appId, scene: 'uid=7', page: 'pages/index/index', envVersion: 'release', width: 430 };
    for (const payload of [body, body.toString('base64'), JSON.stringify({ image: body.toString('base64') })]) {
      const res = await fetch(`${sim.url}/__sim/readCode`, { method: 'POST', body: payload });
      expect({ status: res.status, json: await res.json() }).toEqual({ status: 200, json: expected });
    }
    expect((await control('POST', '/__sim/readCode', { image: '@@@' })).status).toBe(400);
  });

  it('refuses to read what is not one of its codes', () => {
    const refused = (png: Buffer) => {
      try {
        sim.readCode(png);
      } catch (error) {
        return error instanceof SimulatorInputError ? `${error.status} ${error.message}` : error;
      }
      return 'read';
    };
    expect(refused(Buffer.from('GIF89a'))).toBe('400 the image is not a PNG');
    // A PNG of one white pixel, with no tEXt chunk.
    const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
    const plain = Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      pngChunk('IHDR', header),
      pngChunk('IDAT', deflateSync(Buffer.from([0, 255, 255, 255]))),
      pngChunk('IEND', Buffer.alloc(0)),
    ]);
    expect(refused(plain)).toBe('400 the PNG is not a mini program code of the simulator');
    const damaged = Buffer.from(plain);
    damaged[20] ^= 1;
    expect(refused(damaged)).toBe("400 the PNG's IHDR chunk is damaged (CRC)");
    expect(refused('not a buffer' as never)).toBe('400 the image must be the PNG bytes');
  });
});

/** A PNG chunk with its CRC, for the hand-made PNGs above. */
function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typed.copy(out, 4);
  out.writeUInt32BE(crc32(typed), 8 + data.length);
  return out;
}
