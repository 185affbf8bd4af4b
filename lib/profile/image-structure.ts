import { crc32 } from 'node:zlib';
import type { SniffedImageType } from '../utils/image-sniff';

/** The largest width or height of an avatar: WeChat's avatars are 132 or 640 pixels; more is a decompression bomb. */
export const AVATAR_MAX_SIDE = 4096;

/**
 * Markup that has no business in an image: what a polyglot hides for a browser, a template engine or a server that
 * would read the file as text. Only tags followed by a delimiter and long words count, so that compressed pixel data
 * matches by chance about once in a billion uploads (`<svg` alone would be every ten thousand, and is left out).
 */
const MARKUP = /<(?:script|iframe|object|embed|html|body|\?php)[\s>/]|<!doctype\s|javascript:/i;

/** Why an image was refused; caught by {@link imageStructureProblem}. */
class Malformed extends Error {}

function malformed(what: string): never {
  throw new Malformed(what);
}

interface Size {
  width: number;
  height: number;
}

/**
 * Why bytes whose signature says `type` are not an avatar to keep, or `undefined` when they are one. A signature only
 * proves the first bytes: this walks the whole container — PNG chunks with their CRCs up to `IEND`, JPEG segments and
 * scan data up to `EOI`, GIF blocks up to the trailer, the WebP RIFF chunks — and refuses any byte after its end (where
 * a polyglot keeps its script or archive), a size beyond {@link AVATAR_MAX_SIDE} pixels a side, and markup anywhere.
 * Nothing is decoded: that is the job of whoever shows the image, and WeChat's check looks at the pixels.
 * @internal
 */
export function imageStructureProblem(bytes: Buffer, type: SniffedImageType): string | undefined {
  let size: Size;
  try {
    size = WALKERS[type](bytes);
  } catch (error) {
    if (error instanceof Malformed) return `the avatar is not a well-formed ${NAMES[type]} image: ${error.message}`;
    throw error;
  }
  if (size.width < 1 || size.height < 1 || size.width > AVATAR_MAX_SIDE || size.height > AVATAR_MAX_SIDE) {
    return `the avatar must be 1 to ${AVATAR_MAX_SIDE} pixels wide and high (it is ${size.width}×${size.height})`;
  }
  if (MARKUP.test(bytes.toString('latin1'))) return 'the avatar holds markup or script: it is not only an image';
  return undefined;
}

const NAMES: Record<SniffedImageType, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/gif': 'GIF', 'image/webp': 'WebP' };

const WALKERS: Record<SniffedImageType, (bytes: Buffer) => Size> = {
  'image/png': png,
  'image/jpeg': jpeg,
  'image/gif': gif,
  'image/webp': webp,
};

/** PNG: the 8-byte signature, then chunks (length, type, data, CRC), `IHDR` first and `IEND` last. */
function png(b: Buffer): Size {
  let pos = 8;
  let size: Size | undefined;
  while (pos + 12 <= b.length) {
    const length = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) malformed(`bytes at ${pos} are not a chunk`);
    const end = pos + 12 + length;
    if (end > b.length) malformed(`chunk ${type} runs past the end`);
    if (crc32(b.subarray(pos + 4, end - 4)) !== b.readUInt32BE(end - 4)) malformed(`chunk ${type} has a wrong CRC`);
    if (size === undefined) {
      if (type !== 'IHDR' || length !== 13) malformed('it does not start with IHDR');
      size = { width: b.readUInt32BE(pos + 8), height: b.readUInt32BE(pos + 12) };
    }
    if (type === 'IEND') return end === b.length ? (size as Size) : malformed(`${b.length - end} bytes follow IEND`);
    pos = end;
  }
  return malformed('it ends before IEND');
}

/** JPEG frame headers (SOF0–SOF15) hold the size; C4 (DHT), C8 (JPG) and CC (DAC) share their range but are none. */
const isFrameHeader = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** JPEG: `SOI`, then marker segments, each scan (`SOS`) followed by its entropy-coded data, up to `EOI`. */
function jpeg(b: Buffer): Size {
  let pos = 2;
  let size: Size | undefined;
  for (;;) {
    if (b[pos] !== 0xff) malformed(pos >= b.length ? 'it ends before EOI' : `bytes at ${pos} are not a marker`);
    while (b[pos] === 0xff) pos++; // fill bytes
    const marker = b[pos++];
    if (marker === undefined) malformed('it ends before EOI');
    if (marker === 0xd9) break;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM and RSTn stand alone
    if (marker === 0x00 || marker === 0xd8) malformed(`marker ${marker.toString(16)} at ${pos - 1} is out of place`);
    if (pos + 2 > b.length) malformed('it ends inside a segment');
    const length = b.readUInt16BE(pos);
    if (length < 2 || pos + length > b.length) malformed(`segment ${marker.toString(16)} runs past the end`);
    if (isFrameHeader(marker)) {
      if (length < 8) malformed('its frame header is too short');
      size = { height: b.readUInt16BE(pos + 3), width: b.readUInt16BE(pos + 5) };
    }
    pos += length;
    if (marker === 0xda) pos = endOfScan(b, pos);
  }
  if (pos !== b.length) malformed(`${b.length - pos} bytes follow EOI`);
  return size ?? malformed('it has no frame header');
}

/** Where a scan's entropy-coded data ends: at the first 0xFF that is not a stuffed 0x00, a restart marker or a fill byte. */
function endOfScan(b: Buffer, from: number): number {
  let pos = from;
  for (;;) {
    const ff = b.indexOf(0xff, pos);
    if (ff < 0 || ff + 1 >= b.length) malformed('its scan data ends before EOI');
    const next = b[ff + 1];
    if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) pos = ff + (next === 0xff ? 1 : 2);
    else return ff;
  }
}

/** The size of a GIF color table its flags announce. */
const colorTable = (flags: number) => (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);

/** Skips a GIF data sub-block chain (size byte, data, … up to a zero size). */
function subBlocks(b: Buffer, from: number): number {
  let pos = from;
  for (;;) {
    if (pos >= b.length) malformed('it ends inside a block');
    const n = b[pos];
    pos += 1 + n;
    if (n === 0) return pos;
  }
}

/** GIF: header, logical screen (and its color table), then extensions and images up to the trailer (0x3B). */
function gif(b: Buffer): Size {
  if (b.length < 13) malformed('it is shorter than its header');
  const size = { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  let pos = 13 + colorTable(b[10]);
  for (;;) {
    const block = b[pos++];
    if (block === 0x3b) return pos === b.length ? size : malformed(`${b.length - pos} bytes follow the trailer`);
    if (block === 0x21)
      pos = subBlocks(b, pos + 1); // extension: its label, then sub-blocks
    else if (block === 0x2c) {
      if (pos + 9 > b.length) malformed('it ends inside an image descriptor');
      pos = subBlocks(b, pos + 9 + colorTable(b[pos + 8]) + 1); // descriptor, local colors, LZW code size, data
    } else malformed(block === undefined ? 'it ends before the trailer' : `bytes at ${pos - 1} are not a block`);
  }
}

/** WebP: a RIFF container exactly as long as the file, whose chunks tile it, the first one the image's (VP8, VP8L, VP8X). */
function webp(b: Buffer): Size {
  if (b.readUInt32LE(4) + 8 !== b.length) malformed('its RIFF size is not its length');
  let pos = 12;
  let size: Size | undefined;
  while (pos < b.length) {
    if (pos + 8 > b.length) malformed('it ends inside a chunk header');
    const fourcc = b.toString('latin1', pos, pos + 4);
    const length = b.readUInt32LE(pos + 4);
    const end = pos + 8 + length + (length & 1);
    if (!/^[A-Za-z0-9 ]{4}$/.test(fourcc)) malformed(`bytes at ${pos} are not a chunk`);
    if (end > b.length) malformed(`chunk ${fourcc.trim()} runs past the end`);
    size ??= webpSize(fourcc, b.subarray(pos + 8, pos + 8 + length));
    pos = end;
  }
  return size ?? malformed('it has no image chunk');
}

function webpSize(fourcc: string, data: Buffer): Size {
  if (fourcc === 'VP8 ' && data.length >= 10 && data[3] === 0x9d && data[4] === 0x01 && data[5] === 0x2a) {
    return { width: data.readUInt16LE(6) & 0x3fff, height: data.readUInt16LE(8) & 0x3fff };
  }
  if (fourcc === 'VP8L' && data.length >= 5 && data[0] === 0x2f) {
    const bits = data.readUInt32LE(1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (fourcc === 'VP8X' && data.length >= 10) return { width: data.readUIntLE(4, 3) + 1, height: data.readUIntLE(7, 3) + 1 };
  return malformed('its first chunk is not a VP8, VP8L or VP8X image header');
}
