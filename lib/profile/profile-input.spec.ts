import { Readable } from 'node:stream';
import type { PlatformRequest } from '../http/request-body';
import { GIF_1X1, MULTIPART_BOUNDARY, multipartBody, pngImage } from './image.spec-kit';
import { checkProfileInput, readProfileRequest } from './profile-input';
import { ProfileInputError } from './profile.errors';

const MAX = 4096;
const MULTIPART = `multipart/form-data; boundary=${MULTIPART_BOUNDARY}`;

/** The status of the ProfileInputError `run` throws, or what else happened. */
function refusal(run: () => unknown): number | string {
  try {
    run();
  } catch (error) {
    return error instanceof ProfileInputError ? error.status : `unexpected: ${String(error)}`;
  }
  return 'accepted';
}
const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: unknown) => (error instanceof ProfileInputError ? error.status : `unexpected: ${String(error)}`),
  );

describe('checkProfileInput', () => {
  it('trims the nickname and reads the avatar type from its bytes', () => {
    expect(checkProfileInput({ nickName: '  小明 🐼 ' }, MAX)).toEqual({ nickName: '小明 🐼' });
    expect(checkProfileInput({ avatar: GIF_1X1, avatarFilename: 'avatar.png' }, MAX)).toEqual({
      avatar: { bytes: GIF_1X1, contentType: 'image/gif' },
    });
    expect(checkProfileInput({ nickName: '👨‍👩‍👧', avatar: pngImage(), avatarFilename: 'wxfile://tmp_a1b2.png' }, MAX)).toMatchObject({
      nickName: '👨‍👩‍👧', // emoji joined by zero-width joiners stay
      avatar: { contentType: 'image/png' },
    });
    expect(checkProfileInput({ nickName: '字'.repeat(64) }, MAX).nickName).toHaveLength(64);
  });

  it.each([
    ['nothing', {}, 400],
    ['a blank nickname', { nickName: ' \u3000 ' }, 400],
    ['a nickname of 65 characters', { nickName: '😀'.repeat(65) }, 400],
    ['a nickname that is not a string', { nickName: 42 as unknown as string }, 400],
    ['a control character', { nickName: 'a\u0000b' }, 400],
    ['a line break', { nickName: 'a\nb' }, 400],
    ['a bidirectional override', { nickName: 'admin\u202egnp.exe' }, 400],
    ['a lone surrogate', { nickName: 'a\ud800' }, 400],
    ['an avatar over the limit', { avatar: pngImage(40, 40) }, 413],
    ['an empty avatar', { avatar: Buffer.alloc(0) }, 415],
    ['a script named avatar.png', { avatar: Buffer.from('#!/bin/sh\nrm -rf /'), avatarFilename: 'avatar.png' }, 415],
    ['an SVG', { avatar: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>') }, 415],
    ['a PNG header followed by a script', { avatar: Buffer.concat([pngImage().subarray(0, 8), Buffer.from('<script>x</script>')]) }, 415],
    ['a path as the file name', { avatar: pngImage(), avatarFilename: '../../etc/passwd' }, 400],
    ['an absolute file name', { avatar: pngImage(), avatarFilename: '/etc/passwd' }, 400],
    ['a Windows path', { avatar: pngImage(), avatarFilename: 'C:\\Windows\\win.ini' }, 400],
    ['a file name with a NUL', { avatar: pngImage(), avatarFilename: 'a.png\u0000.php' }, 400],
    ['an avatar that is not bytes', { avatar: 'iVBORw0KGgo=' as unknown as Buffer }, 400],
  ])('refuses %s', (_what, input, status) => {
    expect(refusal(() => checkProfileInput(input, pngImage(20, 20).length))).toBe(status);
  });
});

describe('readProfileRequest', () => {
  const avatar = pngImage();
  const form = multipartBody([
    { name: 'nickName', value: '小明' },
    { name: 'avatar', filename: '../x.png', bytes: avatar },
  ]);

  it('reads multipart from the Express request itself, and from the stream Fastify hands over as the body', async () => {
    const express = Object.assign(Readable.from([form]), { headers: { 'content-type': MULTIPART } });
    expect(await readProfileRequest(express as unknown as PlatformRequest, MAX)).toEqual({
      nickName: '小明',
      avatar,
      avatarFilename: '../x.png',
    });
    const fastify = { headers: { 'content-type': MULTIPART }, body: Readable.from([form]), raw: Readable.from([]) };
    expect(await readProfileRequest(fastify as unknown as PlatformRequest, MAX)).toMatchObject({ nickName: '小明', avatar });
  });

  it('reads JSON parsed by the platform, or from the bytes', async () => {
    const parsed = { headers: { 'content-type': 'application/json; charset=utf-8' }, body: { nickName: '小明' } };
    expect(await readProfileRequest(parsed, MAX)).toEqual({ nickName: '小明' });
    const raw = { headers: { 'content-type': 'application/json' }, rawBody: Buffer.from('{"nickName":"小红"}') };
    expect(await readProfileRequest(raw, MAX)).toEqual({ nickName: '小红' });
  });

  it.each([
    ['a body of another type', { headers: { 'content-type': 'text/plain' }, body: 'nickName=x' }, 415],
    ['urlencoded', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: { nickName: 'x' } }, 415],
    ['no content type', { headers: {} }, 415],
    ['multipart without a boundary', { headers: { 'content-type': 'multipart/form-data' }, body: Readable.from([form]) }, 415],
    ['JSON with another field', { headers: { 'content-type': 'application/json' }, body: { nickName: 'x', isAdmin: true } }, 400],
    ['JSON with an avatar', { headers: { 'content-type': 'application/json' }, body: { avatar: 'iVBORw0KGgo=' } }, 400],
    ['a JSON array', { headers: { 'content-type': 'application/json' }, body: [{ nickName: 'x' }] }, 400],
    ['JSON that does not parse', { headers: { 'content-type': 'application/json' }, rawBody: Buffer.from('{nickName') }, 400],
    ['JSON over 16 KiB', { headers: { 'content-type': 'application/json' }, rawBody: Buffer.alloc(16 * 1024 + 1, 0x20) }, 413],
  ])('refuses %s', async (_what, request, status) => {
    expect(await refusalOf(readProfileRequest(request as PlatformRequest, MAX))).toBe(status);
  });

  it('refuses with 413 a file over the limit, and 400 an unknown field, while reading multipart', async () => {
    const request = (bytes: Buffer) => ({ headers: { 'content-type': MULTIPART }, body: Readable.from([bytes]) }) as PlatformRequest;
    const large = multipartBody([{ name: 'avatar', filename: 'a.png', bytes: Buffer.alloc(1025, 1) }]);
    expect(await refusalOf(readProfileRequest(request(large), 1024))).toBe(413);
    expect(await refusalOf(readProfileRequest(request(multipartBody([{ name: 'role', value: 'admin' }])), MAX))).toBe(400);
  });

  it('refuses a multipart body another parser consumed, instead of waiting for it', async () => {
    const consumed = Readable.from([form]);
    consumed.resume();
    await new Promise((resolve) => consumed.on('end', resolve));
    const request = { headers: { 'content-type': MULTIPART }, body: consumed } as PlatformRequest;
    expect(await refusalOf(readProfileRequest(request, MAX))).toBe(415);
  });
});
