import { subscribeBench } from '../subscribe/subscribe-simulator.spec-kit';
import type { Json } from '../subscribe/subscribe-simulator.spec-kit';
import type { WeChatSimulatorOptions } from '../index';

export { APP, DEV_PUSH, expectRefusal, waitFor } from '../subscribe/subscribe-simulator.spec-kit';
export type { Json } from '../subscribe/subscribe-simulator.spec-kit';

/** A 1×1 PNG, and the first bytes of a JPEG and a GIF (the simulator reads only their signatures). */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
export const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
export const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');

export const SEND = '/cgi-bin/message/custom/send';
export const TYPING = '/cgi-bin/message/custom/business/typing';

/**
 * One simulator and one push receiver for a spec file of the customer-service side (from the subscribe and push spec
 * kits), with the calls the specs make: sending, typing, uploading and downloading with a current access token, a user
 * who wrote, and a clock moved forward.
 */
export function customerServiceBench(options: WeChatSimulatorOptions = {}) {
  const bench = subscribeBench(options);
  const { sim, api } = bench;
  const realNow = Date.now;

  afterEach(() => jest.restoreAllMocks());

  /** A logged-in user who wrote to customer service a moment ago (the app may send 5 messages for 48 hours). */
  async function wrote(openId = 'oCustomer1', content = '在吗？'): Promise<string> {
    sim.login({ openId });
    await sim.customerMessage({ openId, msgType: 'text', content });
    return openId;
  }

  /** Moves the simulator's clock (Date.now) `ms` forward, until the test ends. */
  function later(ms: number): void {
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
  }

  const send = (body: Json) => api('POST', SEND, { body });
  const typing = (body: Json, path = TYPING) => api('POST', path, { body });

  /** `media/upload` with the image as the multipart file `media`. */
  async function upload(
    bytes: Buffer,
    settings: { filename?: string; type?: string | null; field?: string; token?: string } = {},
  ): Promise<{ status: number; json: Json }> {
    const url = new URL('/cgi-bin/media/upload', sim.url);
    url.searchParams.set('access_token', settings.token ?? (await bench.accessToken()));
    if (settings.type !== null) url.searchParams.set('type', settings.type ?? 'image');
    const form = new FormData();
    form.append(settings.field ?? 'media', new Blob([bytes]), settings.filename ?? 'image.png');
    const res = await fetch(url, { method: 'POST', body: form });
    return { status: res.status, json: (await res.json()) as Json };
  }

  /** `media/get`: the answer's status, headers and bytes, and its JSON when it is an error. */
  async function download(mediaId: string, token?: string): Promise<{ status: number; headers: Headers; bytes: Buffer; json?: Json }> {
    const url = new URL('/cgi-bin/media/get', sim.url);
    url.searchParams.set('access_token', token ?? (await bench.accessToken()));
    url.searchParams.set('media_id', mediaId);
    const res = await fetch(url);
    const bytes = Buffer.from(await res.arrayBuffer());
    const json = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(bytes.toString('utf8')) as Json) : undefined;
    return { status: res.status, headers: res.headers, bytes, ...(json ? { json } : {}) };
  }

  return { ...bench, wrote, later, send, typing, upload, download };
}
