import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';

/** The console's MD5 (sample-app/public/md5.js), run as the browser runs it: a plain script defining a global. */
function loadMd5(): (text: string) => string {
  const source = readFileSync(join(__dirname, '..', '..', 'sample-app', 'public', 'md5.js'), 'utf8');
  const sandbox: Record<string, unknown> = { TextEncoder };
  sandbox.globalThis = sandbox;
  runInNewContext(source, sandbox);
  return sandbox.md5 as (text: string) => string;
}

const nodeMd5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

describe("the console's MD5 (paySign check in the browser)", () => {
  const md5 = loadMd5();

  it('matches the RFC 1321 test suite', () => {
    expect(md5('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5('a')).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(md5('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(md5('message digest')).toBe('f96b697d7cb7938d525a2f31aaf161d0');
    expect(md5('abcdefghijklmnopqrstuvwxyz')).toBe('c3fcd3d76192e4007dfb496cca67e13b');
    expect(md5('12345678901234567890123456789012345678901234567890123456789012345678901234567890')).toBe(
      '57edf4a22be3c955ac49da2e2107b67a',
    );
  });

  it('matches Node for every length around the block and padding boundaries', () => {
    for (let n = 0; n <= 200; n++) expect(md5('x'.repeat(n))).toBe(nodeMd5('x'.repeat(n)));
  });

  it('hashes the UTF-8 bytes of any string, as WeChat Pay signs them', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => md5(text) === nodeMd5(text)),
      { numRuns: 500 },
    );
    expect(md5('appId=wx&body=取餐订单&key=k')).toBe(nodeMd5('appId=wx&body=取餐订单&key=k'));
  });
});
