import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { SimulatorInputError } from '../server/simulator-http';

// The simulator's mini program codes are real PNG files (PNG 1.2: signature, IHDR, tEXt, IDAT, IEND, each chunk with its
// CRC-32), so that an app can store, resize or serve them as it would WeChat's. What WeChat encodes in the picture (the
// scene and the page) is written in a tEXt chunk instead, where a test reads it back without decoding a picture.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The tEXt keyword of what a code carries. @internal */
export const CODE_TEXT_KEYWORD = 'WeChatSimulator';
/** Modules per side of the drawn pattern. */
const MODULES = 21;
/** Largest PNG `readCode` looks into. */
const MAX_PNG_BYTES = 8 * 1024 * 1024;

/** How to draw a code: its side in pixels, the lines' colour, a transparent background, and what it carries. @internal */
export interface CodeDrawing {
  width: number;
  color: { r: number; g: number; b: number };
  transparent: boolean;
  content: Record<string, unknown>;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/** Which of the MODULES² modules are dark: bits of SHA-256 chained over the content, so equal content draws alike. */
function darkModules(content: string): boolean[] {
  const bits: boolean[] = [];
  let digest = createHash('sha256').update(content).digest();
  while (bits.length < MODULES * MODULES) {
    for (const byte of digest) for (let bit = 7; bit >= 0; bit--) bits.push(((byte >> bit) & 1) === 1);
    digest = createHash('sha256').update(digest).digest();
  }
  return bits;
}

/**
 * A square PNG of `width` pixels: a pattern of modules in the lines' colour on white (or transparent), and the content
 * as JSON in a tEXt chunk. RGB, or RGBA when transparent; 8 bits per channel; no filter; one IDAT.
 * @internal
 */
export function drawCodePng(drawing: CodeDrawing): Buffer {
  const { width, color, transparent } = drawing;
  const text = JSON.stringify(drawing.content);
  const channels = transparent ? 4 : 3;
  const stride = 1 + width * channels;
  const background = transparent ? [255, 255, 255, 0] : [255, 255, 255];
  const ink = transparent ? [color.r, color.g, color.b, 255] : [color.r, color.g, color.b];
  const moduleSize = Math.floor((width * 0.8) / MODULES);
  const margin = Math.floor((width - moduleSize * MODULES) / 2);
  const dark = darkModules(text);
  // One row of pixels per row of modules, then copied into every pixel row it covers.
  const plain = Buffer.alloc(stride);
  for (let x = 0; x < width; x++) plain.set(background, 1 + x * channels);
  const raw = Buffer.alloc(stride * width);
  for (let y = 0; y < width; y++) plain.copy(raw, y * stride);
  for (let my = 0; my < MODULES; my++) {
    const row = Buffer.from(plain);
    for (let mx = 0; mx < MODULES; mx++) {
      if (!dark[my * MODULES + mx]) continue;
      for (let x = margin + mx * moduleSize; x < margin + (mx + 1) * moduleSize; x++) row.set(ink, 1 + x * channels);
    }
    for (let y = margin + my * moduleSize; y < margin + (my + 1) * moduleSize; y++) row.copy(raw, y * stride);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header.set([8, transparent ? 6 : 2, 0, 0, 0], 8);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('tEXt', Buffer.concat([Buffer.from(CODE_TEXT_KEYWORD, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')])),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The content of a code the simulator drew, read from its tEXt chunk after the signature and every chunk's CRC are
 * checked; the picture itself is not decoded.
 * @throws SimulatorInputError 400 for anything else: not a PNG, a damaged one, or a PNG the simulator did not draw.
 * @internal
 */
export function readCodePng(png: Buffer): Record<string, unknown> {
  if (png.length > MAX_PNG_BYTES || png.length < SIGNATURE.length || !png.subarray(0, 8).equals(SIGNATURE)) {
    throw new SimulatorInputError('the image is not a PNG');
  }
  for (let at = SIGNATURE.length; at + 12 <= png.length;) {
    const length = png.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > png.length) break;
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (png.readUInt32BE(at + 8 + length) !== crc32(data, crc32(png.subarray(at + 4, at + 8)))) {
      throw new SimulatorInputError(`the PNG's ${type} chunk is damaged (CRC)`);
    }
    const separator = data.indexOf(0);
    if (type === 'tEXt' && separator > 0 && data.toString('latin1', 0, separator) === CODE_TEXT_KEYWORD) {
      return parseContent(data.toString('latin1', separator + 1));
    }
    if (type === 'IEND') break;
    at = end;
  }
  throw new SimulatorInputError('the PNG is not a mini program code of the simulator');
}

function parseContent(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Falls through to the refusal below.
  }
  throw new SimulatorInputError('the PNG is not a mini program code of the simulator');
}
