import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { decryptPushMessage, verifyPushSignature } from '../crypto/wechat-push.crypto';
import { parseWeChatXml } from '../crypto/wechat-xml.codec';
import { jsonDepth } from '../http/json-depth.pipe';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import type { ResolvedMiniProgramOptions, ResolvedPushOptions } from '../interfaces';
import { normalisePushMessage } from './wechat-push.normalise';
import type { WeChatPushMessage } from './wechat-push.interfaces';

/** The largest push body read (WeChat's are a few KiB). @internal */
export const PUSH_MAX_BYTES = 64 * 1024;

/** How deep a push's fields may nest (WeChat's nest three levels). */
const MAX_DEPTH = 16;

/** A push that passed every check: the message, and the key its redeliveries share. @internal */
export interface AuthenticPush {
  message: WeChatPushMessage;
  dedupeKey: string;
  format: 'json' | 'xml';
  encrypted: boolean;
}

/** Why a request was refused, and the status it gets. @internal */
export interface PushRefusal {
  status: 400 | 401 | 404;
  reason: string;
}

/** The query WeChat signs a push with; Express and Fastify both hand over such an object. @internal */
export type PushQuery = Record<string, unknown>;

class Refused extends Error {
  constructor(
    readonly status: PushRefusal['status'],
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Reads and authenticates WeChat's message push: the URL check (`GET`: `signature` over the Token, `timestamp` and
 * `nonce`, then `echostr` back) and the pushes themselves (`POST`). In plaintext mode the `signature` is the only
 * proof; with an EncodingAESKey only encrypted pushes are taken, proved by `msg_signature` (which covers the
 * ciphertext) and by decrypting to this mini program's AppID. Both modes refuse a `timestamp` further than
 * `push.maxAgeSeconds` from this clock. Every comparison is in constant time; anything wrong is refused before any
 * handler or database sees it.
 * @internal
 */
@Injectable()
export class WeChatPushReader {
  constructor(@Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions) {}

  /** The `echostr` to answer a URL check with, or why not. */
  verifyUrl(query: PushQuery): { echostr: string } | PushRefusal {
    try {
      const push = this.push();
      const { timestamp, nonce } = this.signed(query, push);
      const echostr = one(query, 'echostr');
      // Echoed as it came: only the digits and letters WeChat sends, so the answer can never carry markup.
      if (!echostr || !/^[0-9A-Za-z_-]{1,128}$/.test(echostr)) throw new Refused(400, 'echostr is missing or malformed');
      if (!verifyPushSignature(one(query, 'signature') ?? '', push.token, timestamp, nonce))
        throw new Refused(401, 'signature does not verify');
      return { echostr };
    } catch (error) {
      return refusal(error);
    }
  }

  /** The authentic message of a push, or why it was refused. */
  read(query: PushQuery, body: string | null): AuthenticPush | PushRefusal {
    try {
      const push = this.push();
      const { timestamp, nonce } = this.signed(query, push);
      if (body === null) throw new Refused(400, 'the body is unreadable or larger than allowed');
      const format = formatOf(body, push);
      const outer = parse(body, format);
      if (push.encodingAesKey === undefined) {
        if (outer.Encrypt !== undefined) throw new Refused(400, 'an encrypted push, but push.encodingAesKey is not configured');
        if (!verifyPushSignature(one(query, 'signature') ?? '', push.token, timestamp, nonce))
          throw new Refused(401, 'signature does not verify');
        return { ...authentic(outer, body, format), encrypted: false };
      }
      const encrypt = outer.Encrypt;
      // Compatible mode sends the plaintext beside the ciphertext: only the ciphertext is authenticated, so only it is read.
      if (typeof encrypt !== 'string' || encrypt === '')
        throw new Refused(401, 'a plaintext push, but push.encodingAesKey requires encryption');
      if (!verifyPushSignature(one(query, 'msg_signature') ?? '', push.token, timestamp, nonce, encrypt)) {
        throw new Refused(401, 'msg_signature does not verify');
      }
      let plain: string;
      try {
        plain = decryptPushMessage(push.encodingAesKey, encrypt, this.options.appId);
      } catch (error) {
        throw new Refused(400, `the ciphertext does not decrypt for this AppID (${(error as { reason?: string }).reason ?? 'invalid'})`);
      }
      return { ...authentic(parse(plain, formatOf(plain, push)), plain, format), encrypted: true };
    } catch (error) {
      return refusal(error);
    }
  }

  private push(): ResolvedPushOptions {
    if (!this.options.push) throw new Refused(404, 'message push is not configured');
    return this.options.push;
  }

  /** The signed `timestamp` and `nonce`, when well-formed and the timestamp is fresh. */
  private signed(query: PushQuery, push: ResolvedPushOptions): { timestamp: string; nonce: string } {
    const timestamp = one(query, 'timestamp');
    const nonce = one(query, 'nonce');
    if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !nonce || !/^[0-9A-Za-z]{1,64}$/.test(nonce)) {
      throw new Refused(400, 'timestamp or nonce is missing or malformed');
    }
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > push.maxAgeSeconds) throw new Refused(401, 'timestamp is too far from now');
    return { timestamp, nonce };
  }
}

/** A query parameter given exactly once as a string; `undefined` when absent, repeated or of another type. */
function one(query: PushQuery, name: string): string | undefined {
  const value = query !== null && typeof query === 'object' ? query[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function formatOf(text: string, push: ResolvedPushOptions): 'json' | 'xml' {
  const first = text.trimStart()[0];
  const format = first === '{' ? 'json' : first === '<' ? 'xml' : undefined;
  if (!format) throw new Refused(400, 'the body is neither JSON nor XML');
  if (push.format && push.format !== format) throw new Refused(400, `the body is ${format}, but push.format is ${push.format}`);
  return format;
}

function parse(text: string, format: 'json' | 'xml'): Record<string, unknown> {
  let value: unknown;
  try {
    value = format === 'json' ? JSON.parse(text) : parseWeChatXml(text, { maxBytes: PUSH_MAX_BYTES });
  } catch {
    throw new Refused(400, `the body is not well-formed ${format.toUpperCase()}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Refused(400, 'the body is not an object');
  // The message is walked recursively below; no push nests more than a few levels.
  if (jsonDepth(value, MAX_DEPTH) > MAX_DEPTH) throw new Refused(400, 'the body nests too deeply');
  return value as Record<string, unknown>;
}

/** The typed message and the key its redeliveries share. */
function authentic(fields: Record<string, unknown>, text: string, format: 'json' | 'xml'): Omit<AuthenticPush, 'encrypted'> {
  const message = normalisePushMessage(fields, text);
  if (!message) throw new Refused(400, 'the push lacks ToUserName, FromUserName, CreateTime or MsgType');
  // A message's MsgId names it; an event has none, and a redelivery repeats it field for field.
  const dedupeKey = message.MsgId ? `msg:${message.MsgId}` : `evt:${createHash('sha256').update(stableJson(message)).digest('hex')}`;
  return { message, dedupeKey, format };
}

/** JSON with the keys of every object in order, so that the same fields give the same text whatever their order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function refusal(error: unknown): PushRefusal {
  if (error instanceof Refused) return { status: error.status, reason: error.reason };
  throw error;
}
