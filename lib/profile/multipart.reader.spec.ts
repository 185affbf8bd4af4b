import { Readable } from 'node:stream';
import { MultipartRefusal, readMultipart } from './multipart.reader';
import { MULTIPART_BOUNDARY as BOUNDARY, multipartBody as body } from './image.spec-kit';

const LIMITS = { fileBytes: 64, fields: ['nickName'], fileField: 'avatar', fieldBytes: 32 };

const read = (bytes: Buffer, contentType = `multipart/form-data; boundary=${BOUNDARY}`) =>
  readMultipart({ 'content-type': contentType }, Readable.from([bytes]), LIMITS);

const refusal = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error instanceof MultipartRefusal ? error.status : `unexpected: ${String(error)}`;
  }
  return 'read';
};

describe('readMultipart', () => {
  it('reads the allowed field and one file', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const parsed = await read(
      body([
        { name: 'nickName', value: '小明' },
        { name: 'avatar', filename: 'me.png', bytes: png },
      ]),
    );
    expect(parsed.fields).toEqual({ nickName: '小明' });
    expect(parsed.file).toEqual({ field: 'avatar', bytes: png, filename: 'me.png' });
    expect(await read(body([{ name: 'nickName', value: 'only' }]))).toEqual({ fields: { nickName: 'only' }, file: undefined });
  });

  it('keeps the file name as sent, path and all, so that the caller can refuse a path', async () => {
    const parsed = await read(body([{ name: 'avatar', filename: '../../etc/passwd', bytes: Buffer.from('x') }]));
    expect(parsed.file?.filename).toBe('../../etc/passwd');
  });

  it.each([
    ['a file over the limit', body([{ name: 'avatar', filename: 'a', bytes: Buffer.alloc(65) }]), 413],
    [
      'a second file',
      body([
        { name: 'avatar', filename: 'a', bytes: Buffer.alloc(1) },
        { name: 'avatar', filename: 'b', bytes: Buffer.alloc(1) },
      ]),
      400,
    ],
    ['a file in another field', body([{ name: 'script', filename: '../../x.sh', bytes: Buffer.alloc(1) }]), 400],
    ['an unknown field', body([{ name: 'isAdmin', value: 'true' }]), 400],
    [
      'a repeated field',
      body([
        { name: 'nickName', value: 'a' },
        { name: 'nickName', value: 'b' },
      ]),
      400,
    ],
    ['a field over its limit', body([{ name: 'nickName', value: 'x'.repeat(33) }]), 400],
    ['a body that ends early', body([{ name: 'avatar', filename: 'a', bytes: Buffer.alloc(10) }], false).subarray(0, 60), 400],
  ])('refuses %s', async (_what, bytes, status) => {
    expect(await refusal(read(bytes))).toBe(status);
  });

  it('refuses a body that is not multipart', async () => {
    expect(await refusal(read(Buffer.from('{"nickName":"x"}'), 'application/json'))).toBe(415);
    expect(await refusal(read(Buffer.from('x'), 'multipart/form-data'))).toBe(415);
  });
});
