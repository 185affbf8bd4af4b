import { CUSTOMER_SERVICE_IMAGE_MAX_BYTES, checkedTempImage, readTempMedia, tempImageForm } from './customer-service-media';
import { PNG, problemsOf } from './customer-service.spec-kit';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]);

describe('temporary images', () => {
  it('reads the type from the bytes and names the file after it', () => {
    expect(checkedTempImage(PNG)).toEqual({ bytes: PNG, contentType: 'image/png', filename: 'image.png' });
    expect(checkedTempImage(JPEG)).toMatchObject({ contentType: 'image/jpeg', filename: 'image.jpg' });
    expect(checkedTempImage(GIF)).toMatchObject({ contentType: 'image/gif', filename: 'image.gif' });
    expect(checkedTempImage(JPEG, { filename: 'Receipt 42.JPEG', contentType: ' image/jpg ' })).toMatchObject({
      contentType: 'image/jpeg',
      filename: 'Receipt 42.JPEG',
    });
  });

  it('refuses what is not a PNG, JPEG or GIF whatever its name says, and names and types that disagree', () => {
    const script = Buffer.from('#!/bin/sh\nrm -rf /\n');
    expect(problemsOf(() => checkedTempImage(script, { filename: 'cat.png', contentType: 'image/png' }))).toEqual([
      'the bytes are not a PNG, JPEG or GIF image: WeChat takes no other type',
    ]);
    expect(problemsOf(() => checkedTempImage(WEBP))).toEqual(['the bytes are not a PNG, JPEG or GIF image: WeChat takes no other type']);
    expect(problemsOf(() => checkedTempImage(Buffer.alloc(0)))).toEqual(['the image is empty']);
    expect(problemsOf(() => checkedTempImage(PNG, { filename: 'cat.jpg', contentType: 'image/gif' }))).toEqual([
      'contentType "image/gif" is not what the bytes are (image/png)',
      'filename must end in .png, as the image is image/png (WeChat refuses another extension)',
    ]);
    expect(problemsOf(() => checkedTempImage(PNG, { filename: 'png' }))).toHaveLength(1);
    for (const filename of ['../cat.png', 'a"b.png', 'line\n.png', '', `${'x'.repeat(125)}.png`]) {
      expect(problemsOf(() => checkedTempImage(PNG, { filename }))).toEqual([
        'filename must be a file name of 1 to 128 characters, without a path, quotes or control characters',
      ]);
    }
    expect(problemsOf(() => checkedTempImage('not bytes' as unknown as Buffer))).toEqual(['bytes must be a Buffer']);
  });

  it('refuses an image over 2 MB before anything is sent, and takes one of exactly 2 MB', () => {
    const exactly = Buffer.concat([PNG, Buffer.alloc(CUSTOMER_SERVICE_IMAGE_MAX_BYTES - PNG.length)]);
    expect(checkedTempImage(exactly).bytes).toHaveLength(2 * 1024 * 1024);
    const over = Buffer.concat([exactly, Buffer.alloc(1)]);
    expect(problemsOf(() => checkedTempImage(over))).toEqual([
      `the image has ${2 * 1024 * 1024 + 1} bytes: WeChat takes at most 2097152 (2 MB)`,
    ]);
  });

  it('sends the image as the multipart file `media`, with its name and type', async () => {
    const form = tempImageForm(checkedTempImage(PNG, { filename: 'receipt.png' }));
    expect([...form.keys()]).toEqual(['media']);
    const file = form.get('media') as File;
    expect(file.name).toBe('receipt.png');
    expect(file.type).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);
  });

  it("reads the upload's answer: the media id, and created_at in seconds whether quoted or not", () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(readTempMedia({ type: 'image', media_id: 'M1', created_at: 1672500000 }, now)).toEqual({
      mediaId: 'M1',
      createdAt: new Date(1672500000 * 1000),
    });
    expect(readTempMedia({ media_id: 'M2', created_at: '1672500001' }, now)?.createdAt).toEqual(new Date(1672500001 * 1000));
    // WeChat's own example answers "created_at": "xxx": the time of the answer then.
    expect(readTempMedia({ media_id: 'M3', created_at: 'xxx' }, now)?.createdAt).toBe(now);
    expect(readTempMedia({ type: 'image', created_at: 1 })).toBeUndefined();
    expect(readTempMedia({ media_id: '' })).toBeUndefined();
  });
});
