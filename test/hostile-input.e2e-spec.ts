import { AuthToken, WeChatAccount } from '../lib';
import { Harness, startHarness } from './utils/harness';
import { deepJson } from './utils/hostile';
import { suiteLogs } from './utils/log-guard';

describe('hostile and malformed input to the auth endpoints', () => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness();
    token = (await h.login()).token;
  });
  afterAll(() => h.close());

  async function counts(): Promise<[number, number]> {
    return [await h.dataSource.getRepository(WeChatAccount).count(), await h.dataSource.getRepository(AuthToken).count()];
  }

  const bodies: Array<[string, string, string]> = [
    ['an oversized JSON body', 'application/json', JSON.stringify({ code: 'x'.repeat(200_000) })],
    ['truncated JSON', 'application/json', '{"code": "abc'],
    ['a JSON string', 'application/json', '"abc"'],
    ['JSON null', 'application/json', 'null'],
    ['a JSON array of objects', 'application/json', '[{"code":"abc"}]'],
    ['a nested code', 'application/json', '{"code":{"$gt":""}}'],
    ['an array code', 'application/json', '{"code":["a","b"]}'],
    ['a code too long', 'application/json', JSON.stringify({ code: 'c'.repeat(257) })],
    ['plain text', 'text/plain', 'code=abc'],
    ['XML', 'application/xml', '<xml><code>abc</code></xml>'],
    ['a form with an empty code', 'application/x-www-form-urlencoded', 'code='],
    ['prototype pollution', 'application/json', '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'],
    // 10 KB nested 5,000 levels: under any body limit, deep enough to overflow a recursive transform or validation.
    ['JSON nested 5,000 levels deep', 'application/json', deepJson(5_000, 'code')],
    ['JSON arrays nested 5,000 levels deep', 'application/json', `{"code":"abc","x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`],
  ];

  it.each(bodies)('answers login with a 4xx for %s and changes nothing', async (_name, type, body) => {
    const before = await counts();
    const res = await h.http().post('/miniprogram_auth/login').set('content-type', type).send(body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await counts()).toEqual(before);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it.each(bodies)('answers updateUserInfo with a 4xx for %s', async (_name, type, body) => {
    const res = await h
      .http()
      .post('/miniprogram_auth/updateUserInfo')
      .set('Authorization', `Token ${token}`)
      .set('content-type', type)
      .send(body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it.each([
    ['numbers', { iv: 123, encryptedData: 456 }],
    ['objects', { iv: {}, encryptedData: [] }],
    ['an IV that is too long', { iv: 'A'.repeat(65), encryptedData: 'AAAA' }],
    ['whitespace', { iv: '   ', encryptedData: '   ' }],
    ['unicode', { iv: '向量向量向量向量', encryptedData: '数据' }],
    ['a huge field', { iv: 'r7BXXKkLb8qrSNn05n0qiA==', encryptedData: 'A'.repeat(70_000) }],
  ])('answers updateUserInfo with 400 for %s', async (_name, body) => {
    await h.http().post('/miniprogram_auth/updateUserInfo').set('Authorization', `Token ${token}`).send(body).expect(400);
  });

  it.each([
    ['a huge header', `Token ${'A'.repeat(8000)}`],
    ['unicode', 'Token ñññññññññññññññññññññññññññññññññññññññ'],
    ['a NUL-like token', `Token ${'%00'.repeat(13)}A`],
    ['SQL', "Token ' OR 1=1 --"],
    ['only the scheme', 'Bearer '],
  ])('answers the guard with 401 for %s', async (_name, header) => {
    await h.http().get('/miniprogram_auth/me').set('Authorization', header).expect(401);
  });

  it.each(['/miniprogram_auth/login', '/miniprogram_auth/updateUserInfo', '/miniprogram_auth/phoneNumber'])(
    'answers %s with 400 naming the depth for JSON nested 5,000 levels deep, and logs no error',
    async (path) => {
      const logged = suiteLogs.length;
      const res = await h
        .http()
        .post(path)
        .set('Authorization', `Token ${token}`)
        .set('content-type', 'application/json')
        .send(deepJson(5_000, 'code'));
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/nested too deeply/);
      expect(suiteLogs.slice(logged).filter((line) => line.startsWith('ERROR'))).toEqual([]);
    },
  );

  it.each(['/miniprogram_auth/login', '/miniprogram_auth/updateUserInfo', '/miniprogram_auth/phoneNumber'])(
    'answers %s with 400 when there is no body at all',
    async (path) => {
      await h.http().post(path).set('Authorization', `Token ${token}`).expect(400);
    },
  );

  it('still serves normal requests afterwards', async () => {
    await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${token}`).expect(200);
  });
});
