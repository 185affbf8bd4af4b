const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

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
  const normalized = value.replace(/ /g, '+').replace(/[\r\n]/g, '');
  if (!BASE64.test(normalized)) return null;
  return Buffer.from(normalized, 'base64');
}
