/** The image types WeChat's APIs and the avatar upload take, by what their bytes say they are. @publicApi */
export type SniffedImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

/**
 * The type of an image from its first bytes (its signature), or `undefined` when they are not those of a PNG, JPEG,
 * GIF or WebP. A file name or a declared content type proves nothing: a polyglot or a renamed script is refused here.
 * @publicApi
 */
export function sniffImageType(bytes: Uint8Array): SniffedImageType | undefined {
  const starts = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50)
    return 'image/webp';
  return undefined;
}
