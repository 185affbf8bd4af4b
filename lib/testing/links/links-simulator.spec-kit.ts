import { inflateSync } from 'node:zlib';
import { SIMULATOR_DEV_APP, WeChatSimulator } from '../index';
import type { WeChatSimulatorOptions } from '../index';
import { simulatorBench } from '../server/simulator-bench.spec-kit';
import type { Json } from '../server/simulator-bench.spec-kit';

export type { Json } from '../server/simulator-bench.spec-kit';

export const APP = SIMULATOR_DEV_APP;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** What a WeChat API answered: the status, the content type, the bytes, and the JSON when it is JSON. */
export interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
  json?: Json;
}

/**
 * One simulator for a spec file of the link side (started before its tests, reset before each, stopped after), and the
 * calls the specs make: WeChat's APIs with a current access token, and the control API.
 */
export function linksBench(options: WeChatSimulatorOptions = {}) {
  const sim = new WeChatSimulator(options);
  const { control } = simulatorBench(sim, { start: async () => undefined, reset: () => undefined, stop: async () => undefined });

  async function accessToken(appId = APP.appId, appSecret = APP.appSecret): Promise<string> {
    const res = await fetch(`${sim.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret: appSecret }),
    });
    return ((await res.json()) as Json).access_token as string;
  }

  /** POSTs to one of WeChat's APIs: a JSON body (a string is sent as it is), with the app's token unless told otherwise. */
  async function post(path: string, body: unknown, token?: string | null): Promise<Answer> {
    const url = new URL(path, sim.url);
    const bearer = token === undefined ? await accessToken() : token;
    if (bearer !== null) url.searchParams.set('access_token', bearer);
    const res = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    const bytes = Buffer.from(await res.arrayBuffer());
    const contentType = res.headers.get('content-type') ?? '';
    return { status: res.status, contentType, body: bytes, ...(/json/.test(contentType) ? { json: JSON.parse(bytes.toString()) } : {}) };
  }

  /** WeChat's refusal: the errcode, and an errmsg that starts with its wording and ends with the simulator's rid. */
  function refusal(errcode: number, wording: string) {
    return { errcode, errmsg: expect.stringMatching(new RegExp(`^${wording.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, rid: [0-9a-f-]+$`)) };
  }

  return { sim, control, accessToken, post, refusal };
}

/** A PNG decoded here, independently of the simulator's own code: its header, its pixels, its text chunks. */
export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** One RGB or RGBA value per pixel. */
  pixel(x: number, y: number): number[];
  /** The tEXt chunks by keyword. */
  texts: Record<string, string>;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG defines it (ISO 3309), written out here rather than taken from node:zlib. */
function crc(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Decodes a PNG as the specification says: the signature, each chunk's length, type and CRC, IHDR, the tEXt chunks, and
 * the IDAT data inflated into filtered rows (the simulator uses filter 0 only, which this checks).
 */
export function decodePng(png: Buffer): DecodedPng {
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const chunks: Array<{ type: string; data: Buffer }> = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc(png.subarray(at + 4, at + 8 + length)));
    chunks.push({ type, data });
    at += 12 + length;
  }
  expect(chunks[0].type).toBe('IHDR');
  expect(chunks.at(-1)?.type).toBe('IEND');
  const ihdr = chunks[0].data;
  const [width, height] = [ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)];
  const [bitDepth, colorType, compression, filter, interlace] = [...ihdr.subarray(8, 13)];
  expect({ compression, filter, interlace }).toEqual({ compression: 0, filter: 0, interlace: 0 });
  const channels = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = 1 + width * channels;
  expect(raw.length).toBe(height * stride);
  for (let y = 0; y < height; y++) expect(raw[y * stride]).toBe(0);
  const texts: Record<string, string> = {};
  for (const { data } of chunks.filter((c) => c.type === 'tEXt')) {
    const zero = data.indexOf(0);
    texts[data.toString('latin1', 0, zero)] = data.toString('latin1', zero + 1);
  }
  const pixel = (x: number, y: number) => [...raw.subarray(y * stride + 1 + x * channels, y * stride + 1 + (x + 1) * channels)];
  return { width, height, bitDepth, colorType, pixel, texts };
}

/** Every distinct colour of a decoded PNG, as `r,g,b[,a]` strings (sampled every few pixels). */
export function colorsOf(png: DecodedPng): Set<string> {
  const seen = new Set<string>();
  for (let y = 0; y < png.height; y += 3) for (let x = 0; x < png.width; x += 3) seen.add(png.pixel(x, y).join(','));
  return seen;
}
