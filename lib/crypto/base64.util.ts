/**
 * Decodes standard base64 strictly: wrong alphabet or length is `null`, never a silently
 * truncated buffer (Node's `Buffer.from(s, 'base64')` ignores bad characters).
 *
 * Line breaks are ignored (MIME-style wrapped base64). Spaces are read as `+`: a base64 value that went through URL query decoding (a common
 * mistake when a mini program sends `encryptedData` in a URL) arrives with spaces.
 * @internal
 */
export function decodeBase64Strict(value: unknown): Buffer | null {
  if (typeof value !== 'string') return null;
  let normalized = value;
  if (normalized.includes(' ')) normalized = normalized.replace(/ /g, '+');
  if (normalized.includes('\n') || normalized.includes('\r')) normalized = normalized.replace(/[\r\n]/g, '');
  const length = normalized.length;
  // Non-ASCII is refused first: Node's decoder reads a character by its low byte ("\uff56" as "V").
  if (length % 4 !== 0 || Buffer.byteLength(normalized, 'utf8') !== length) return null;
  // Of ASCII, Node's decoder skips what is not base64 and stops at "=", so any stray character,
  // "=" in the middle or a third "=" decodes to fewer bytes than the length promises. It also
  // takes the URL-safe "-" and "_", which standard base64 does not have.
  const decoded = Buffer.from(normalized, 'base64');
  const padding = normalized.endsWith('==') ? 2 : normalized.endsWith('=') ? 1 : 0;
  if (decoded.length !== (length / 4) * 3 - padding || normalized.includes('-') || normalized.includes('_')) return null;
  return decoded;
}
