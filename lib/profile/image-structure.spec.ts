import { sniffImageType } from '../utils/image-sniff';
import { AVATAR_MAX_SIDE, imageStructureProblem } from './image-structure';
import { GIF_1X1, jpegImage, pngChunk, pngImage, webpImage } from './image.spec-kit';

const problem = (bytes: Buffer) => {
  const type = sniffImageType(bytes);
  if (!type) throw new Error('the sample does not even sniff as an image');
  return imageStructureProblem(bytes, type);
};
const SCRIPT = Buffer.from('<script>alert(document.cookie)</script>');

describe('imageStructureProblem', () => {
  it.each([
    ['a PNG', pngImage()],
    ['a PNG with a text chunk', pngImage(2, 2, [pngChunk('tEXt', Buffer.from('Software\0WeChat'))])],
    ['a GIF', GIF_1X1],
    ['a JPEG', jpegImage()],
    ['a WebP', webpImage(132, 132)],
    [`a PNG of ${AVATAR_MAX_SIDE} pixels a side`, pngImage(AVATAR_MAX_SIDE, 1)],
  ])('accepts %s', (_what, bytes) => {
    expect(problem(bytes)).toBeUndefined();
  });

  it.each([
    ['a PNG signature followed by a script', Buffer.concat([pngImage().subarray(0, 8), SCRIPT]), /not a chunk/],
    ['a PNG with a script after IEND', Buffer.concat([pngImage(), SCRIPT]), /bytes follow IEND/],
    ['a PNG with a zip after IEND', Buffer.concat([pngImage(), Buffer.from('PK\x03\x04rest-of-an-archive')]), /follow IEND/],
    ['a PNG cut short', pngImage().subarray(0, 40), /runs past the end|ends before IEND/],
    ['a PNG whose chunk CRC is wrong', Buffer.from(pngImage().map((byte, i) => (i === 29 ? byte ^ 1 : byte))), /wrong CRC/],
    ['a PNG whose first chunk is not IHDR', Buffer.concat([pngImage().subarray(0, 8), pngChunk('IEND', Buffer.alloc(0))]), /IHDR/],
    ['a PNG hiding a script in a text chunk', pngImage(2, 2, [pngChunk('tEXt', Buffer.concat([Buffer.from('c\0'), SCRIPT]))]), /markup/],
    ['a PHP polyglot in a comment chunk', pngImage(2, 2, [pngChunk('tEXt', Buffer.from('c\0<?php system($_GET[0]); ?>'))]), /markup/],
    ['a PNG that is too large', pngImage(AVATAR_MAX_SIDE + 1, 1), /pixels wide and high/],
    ['a PNG of zero pixels', pngImage(0, 1), /pixels wide and high/],
    ['a GIF with bytes after its trailer', Buffer.concat([GIF_1X1, SCRIPT]), /follow the trailer/],
    ['a GIF cut short', GIF_1X1.subarray(0, 30), /ends/],
    ['a GIF header followed by a script', Buffer.concat([GIF_1X1.subarray(0, 13), SCRIPT]), /not a block/],
    ['a JPEG with a script after EOI', Buffer.concat([jpegImage(), SCRIPT]), /follow EOI/],
    ['a JPEG header followed by a script', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), SCRIPT]), /runs past the end|not a marker/],
    ['a JPEG without EOI', jpegImage().subarray(0, -2), /before EOI/],
    ['a JPEG without a frame header', Buffer.from([0xff, 0xd8, 0xff, 0xd9]), /no frame header/],
    ['a WebP with bytes after its RIFF', Buffer.concat([webpImage(), SCRIPT]), /RIFF size/],
    ['a WebP too large', webpImage(AVATAR_MAX_SIDE + 1, 2), /pixels wide and high/],
  ])('refuses %s', (_what, bytes, reason) => {
    expect(problem(bytes)).toMatch(reason);
  });

  it('finds no markup by chance in pixel data', () => {
    // 256 KiB of pseudo-random bytes as a PNG's pixels: markup can only match where someone put it.
    let seed = 7;
    const noise = Buffer.from(Buffer.alloc(256 * 1024).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    expect(problem(pngImage(2, 2, [pngChunk('zzZz', noise)]))).toBeUndefined();
  });
});
