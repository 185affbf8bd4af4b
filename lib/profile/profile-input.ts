import { Readable } from 'node:stream';
import { readRawBody } from '../http/request-body';
import type { PlatformRequest } from '../http/request-body';
import { sniffImageType } from '../utils/image-sniff';
import type { SniffedImageType } from '../utils/image-sniff';
import { imageStructureProblem } from './image-structure';
import { MultipartRefusal, readMultipart } from './multipart.reader';
import { ProfileInputError } from './profile.errors';
import type { ProfileUpdateInput } from './profile.interfaces';

/** The longest nickname, in characters after trimming (WeChat's own nickname input allows about 20 Chinese characters). */
export const NICKNAME_MAX_CHARS = 64;
/** A multipart `nickName` field, in bytes: 64 characters of four UTF-8 bytes and surrounding blanks fit. */
const NICKNAME_FIELD_BYTES = 1024;
/** A JSON body holds only `{ nickName }`. */
const JSON_MAX_BYTES = 16 * 1024;

/**
 * What a nickname may not hold: C0/C1 control characters and DEL, lone surrogates (no UTF-8 form), line and paragraph
 * separators, and the bidirectional embeddings, overrides and isolates that make a name read as another. Joiners and
 * variation selectors stay: emoji need them.
 */
const FORBIDDEN_IN_NICKNAME = /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** A validated profile update: the nickname trimmed, the avatar's type read from its bytes. @internal */
export interface ProfileChanges {
  nickName?: string;
  avatar?: { bytes: Buffer; contentType: SniffedImageType };
}

/**
 * Checks a profile update before anything is asked of WeChat or stored: at least one part; the nickname trimmed, 1 to
 * {@link NICKNAME_MAX_CHARS} characters, none forbidden; the avatar at most `maxBytes`, a PNG, JPEG, GIF or WebP by its
 * bytes and well-formed to its last byte (the file name and the declared type prove nothing; a path in the name is
 * refused all the same, as no mini program sends one).
 * @throws ProfileInputError 400, 413 (too large) or 415 (not such an image).
 * @internal
 */
export function checkProfileInput(input: ProfileUpdateInput, maxBytes: number): ProfileChanges {
  const changes: ProfileChanges = {};
  if (input.nickName !== undefined) changes.nickName = checkNickName(input.nickName);
  if (input.avatar !== undefined) {
    const { avatar, avatarFilename } = input;
    if (!Buffer.isBuffer(avatar)) throw new ProfileInputError(400, 'avatar must be the bytes of an image');
    if (avatarFilename !== undefined && isPathLike(avatarFilename)) {
      throw new ProfileInputError(400, 'the avatar file name must be a plain name, not a path');
    }
    if (avatar.length > maxBytes) throw new ProfileInputError(413, `the avatar is larger than ${maxBytes} bytes`);
    const contentType = sniffImageType(avatar);
    if (!contentType) {
      throw new ProfileInputError(
        415,
        'the avatar must be a PNG, JPEG, GIF or WebP image (by its bytes, whatever its name or declared type)',
      );
    }
    const problem = imageStructureProblem(avatar, contentType);
    if (problem) throw new ProfileInputError(415, problem);
    changes.avatar = { bytes: avatar, contentType };
  }
  if (changes.nickName === undefined && !changes.avatar) throw new ProfileInputError(400, 'send nickName, avatar or both');
  return changes;
}

function checkNickName(value: unknown): string {
  if (typeof value !== 'string') throw new ProfileInputError(400, 'nickName must be a string');
  const nickName = value.trim();
  const length = [...nickName].length;
  if (length < 1 || length > NICKNAME_MAX_CHARS) {
    throw new ProfileInputError(400, `nickName must have 1 to ${NICKNAME_MAX_CHARS} characters after trimming (it has ${length})`);
  }
  if (FORBIDDEN_IN_NICKNAME.test(nickName)) {
    throw new ProfileInputError(400, 'nickName must not hold control characters, line separators or bidirectional overrides');
  }
  return nickName;
}

/** A file name that tries to be a path: absolute, a drive, a home directory, a `..` segment, or control characters. */
function isPathLike(name: string): boolean {
  return name.length > 255 || /\p{Cc}/u.test(name) || /^(?:[/\\~]|[A-Za-z]:)/.test(name) || name.split(/[/\\]/).includes('..');
}

/**
 * Reads `POST profile`'s body on either platform: `multipart/form-data` (an optional `nickName` field and an optional
 * `avatar` file, nothing else) read from the stream with its limits, or JSON `{ nickName }`. On Fastify the route is
 * marked `readsOwnBody`, so that a multipart body reaches it unread as on Express; a JSON body arrives parsed on both.
 * @throws ProfileInputError 415 for any other content type (or a multipart body another parser consumed), 413 for an
 * avatar over `maxBytes`, 400 for anything else the body must not be.
 * @internal
 */
export async function readProfileRequest(req: PlatformRequest, maxBytes: number): Promise<ProfileUpdateInput> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'multipart/form-data') {
    const stream = bodyStream(req);
    if (stream.readableEnded) {
      throw new ProfileInputError(415, 'the multipart body was consumed by another parser before the route could read it');
    }
    const limits = { fileBytes: maxBytes, fields: ['nickName'], fileField: 'avatar', fieldBytes: NICKNAME_FIELD_BYTES };
    const body = await readMultipart(req.headers, stream, limits).catch((error: unknown) => {
      throw error instanceof MultipartRefusal ? new ProfileInputError(error.status, error.message) : error;
    });
    return { nickName: body.fields.nickName, avatar: body.file?.bytes, avatarFilename: body.file?.filename };
  }
  if (mediaType === 'application/json') {
    const json = await jsonBody(req);
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new ProfileInputError(400, 'the body must be a JSON object');
    const unknown = Object.keys(json).filter((key) => key !== 'nickName');
    if (unknown.length > 0) {
      throw new ProfileInputError(
        400,
        `unexpected field "${unknown[0].slice(0, 40)}": JSON takes { nickName }; upload an avatar as multipart/form-data`,
      );
    }
    return { nickName: (json as { nickName?: string }).nickName };
  }
  throw new ProfileInputError(415, 'the body must be multipart/form-data (nickName, avatar) or JSON ({ nickName })');
}

const isStream = (value: unknown): value is Readable => value instanceof Readable;

/** The stream of an unread body: what Fastify hands a `readsOwnBody` route as its body, else the Node request. */
function bodyStream(req: PlatformRequest): Readable {
  return isStream(req.body) ? req.body : ((req.raw ?? req) as unknown as Readable);
}

/** The JSON body, parsed by the platform already or read here within {@link JSON_MAX_BYTES}. */
async function jsonBody(req: PlatformRequest): Promise<unknown> {
  const { body } = req;
  if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && !isStream(body)) return body;
  const raw = await readRawBody(req, JSON_MAX_BYTES);
  if (!raw) throw new ProfileInputError(413, `a JSON body must be at most ${JSON_MAX_BYTES} bytes`);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ProfileInputError(400, 'the body is not valid JSON');
  }
}
