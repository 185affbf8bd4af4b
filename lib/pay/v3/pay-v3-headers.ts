/** The parts of WeChat Pay v3's signature scheme that the client and the certificate store share. */

/** How far a signed answer's or notification's timestamp may be from our clock. @internal */
export const PAY_V3_CLOCK_SKEW_SECONDS = 300;

/** WeChat's probe signatures (it checks that merchants verify): never valid. @internal */
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

/** Headers of a request or answer, looked up case-insensitively. @internal */
export type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * Reads one header case-insensitively; a repeated header counts as missing (ambiguous), and so does a value that is
 * not a string. @internal
 */
export function header(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: unknown;
  let count = 0;
  for (const [key, value] of Object.entries(typeof headers === 'object' && headers !== null ? headers : {})) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    count += Array.isArray(value) ? value.length : 1;
    found = Array.isArray(value) ? (value as unknown[])[0] : value;
  }
  return count === 1 && typeof found === 'string' ? found : undefined;
}
