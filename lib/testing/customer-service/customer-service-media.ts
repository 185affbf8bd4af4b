import { randomBytes } from 'node:crypto';
import type { SimTempMedia } from './customer-service.interfaces';

// The simulator's temporary media (临时素材): reading an upload's multipart body, telling an image from its bytes, and
// keeping what was uploaded or sent for 3 days. Written here from RFC 7578 and the formats' signatures, independently of
// the library's own checks, so that a mistake in those cannot hide behind the same mistake here.

/** How long WeChat keeps a temporary media file: 3 days. @internal */
export const MEDIA_TTL_MS = 3 * 24 * 60 * 60 * 1000;

/** The largest image WeChat takes (its page of temporary media: 图片2MB). @internal */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

/** The bytes the simulator keeps at most, all media together: the oldest go first, so that a long run stays bounded. */
const BUDGET_BYTES = 64 * 1024 * 1024;

/** A 1×1 PNG: the image a simulated user sends when the test gives none. @internal */
export const DEFAULT_USER_IMAGE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** An image type WeChat takes, its signature and the file extensions WeChat accepts for it. @internal */
export interface SimImageKind {
  contentType: 'image/png' | 'image/jpeg' | 'image/gif';
  extensions: readonly string[];
  signature: Buffer;
}

const IMAGE_KINDS: readonly SimImageKind[] = [
  { contentType: 'image/png', extensions: ['png'], signature: Buffer.from('89504e470d0a1a0a', 'hex') },
  { contentType: 'image/jpeg', extensions: ['jpg', 'jpeg'], signature: Buffer.from('ffd8ff', 'hex') },
  { contentType: 'image/gif', extensions: ['gif'], signature: Buffer.from('GIF8', 'latin1') },
];

/** The image type the bytes start with, or `undefined` when they are no PNG, JPEG or GIF. @internal */
export function imageKindOf(bytes: Buffer): SimImageKind | undefined {
  return IMAGE_KINDS.find((kind) => bytes.subarray(0, kind.signature.length).equals(kind.signature));
}

/** One part of a multipart/form-data body. @internal */
export interface SimFormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

const CRLF = Buffer.from('\r\n');

/**
 * The parts of a multipart/form-data body (RFC 7578), or `undefined` when the content type has no boundary or the body
 * does not follow it.
 * @internal
 */
export function readFormParts(contentType: string | undefined, body: Buffer): SimFormPart[] | undefined {
  const boundary = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType ?? '');
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`, 'latin1');
  const closing = Buffer.concat([CRLF, delimiter]);
  const parts: SimFormPart[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    at += delimiter.length;
    const after = body.subarray(at, at + 2).toString('latin1');
    if (after === '--') return parts;
    if (after !== '\r\n') return undefined;
    const headersEnd = body.indexOf('\r\n\r\n', at);
    const next = headersEnd < 0 ? -1 : body.indexOf(closing, headersEnd + 4);
    if (next < 0) return undefined;
    const part = partOf(body.subarray(at + 2, headersEnd).toString('utf8'), body.subarray(headersEnd + 4, next));
    if (!part) return undefined;
    parts.push(part);
    at = next + CRLF.length;
  }
  return undefined;
}

/** A part from its header lines and data; `undefined` without a `form-data` disposition that names it. */
function partOf(headerText: string, data: Buffer): SimFormPart | undefined {
  const headers = new Map<string, string>();
  for (const line of headerText.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
  if (!/^form-data\s*;/i.test(disposition) || name === undefined) return undefined;
  const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
  const type = headers.get('content-type');
  return { name, data, ...(filename !== undefined ? { filename } : {}), ...(type !== undefined ? { contentType: type } : {}) };
}

/**
 * The temporary media of every app, by media id: kept 3 days (by the simulator's clock), and within a byte budget that
 * drops the oldest first.
 * @internal
 */
export class SimMediaStore {
  private readonly media = new Map<string, SimTempMedia>();
  private size = 0;

  constructor(private readonly now: () => number) {}

  /** Keeps an image and gives its record (a copy). */
  add(appId: string, kind: SimImageKind, bytes: Buffer, filename: string, from: SimTempMedia['from']): SimTempMedia {
    // WeChat's media ids are 64 base64-like characters.
    const mediaId = randomBytes(48).toString('base64url');
    const record: SimTempMedia = {
      mediaId,
      appId,
      type: 'image',
      contentType: kind.contentType,
      filename,
      bytes,
      from,
      createdAt: this.now(),
    };
    this.media.set(mediaId, record);
    this.size += bytes.length;
    for (const [id, oldest] of this.media) {
      if (this.size <= BUDGET_BYTES) break;
      this.media.delete(id);
      this.size -= oldest.bytes.length;
    }
    return { ...record };
  }

  /** A media file of the app (any app without `appId`) that has not expired, if there is one (a copy). */
  get(mediaId: string, appId?: string): SimTempMedia | undefined {
    const record = this.media.get(mediaId);
    if (!record || (appId !== undefined && record.appId !== appId) || this.now() >= record.createdAt + MEDIA_TTL_MS) return undefined;
    return { ...record };
  }

  clear(): void {
    this.media.clear();
    this.size = 0;
  }
}
