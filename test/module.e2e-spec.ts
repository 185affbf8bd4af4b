import { Test } from '@nestjs/testing';
import { getRepositoryToken } from '@nestjs/typeorm';
import {
  AuthToken,
  MINI_PROGRAM_ENTITIES,
  MINI_PROGRAM_OPTIONS,
  MiniProgramAuthService,
  MiniProgramModule,
  MiniProgramOptionsError,
  PayOrder,
  PayProfitShare,
  PayRefund,
  PayShippingUpload,
  PayTransfer,
  ResolvedMiniProgramOptions,
  resolveMiniProgramOptions,
  WeChatAccount,
  WeChatApiService,
  WeChatMediaCheck,
  WeChatPushReceipt,
  WeChatSubscription,
} from '../lib';
import { WeChatSimulator } from '../lib/testing';
import { ConfigStyle, createAppModule } from './src/app.module';
import { simulatorOptions, startHarness } from './utils/harness';

const STYLES: ConfigStyle[] = ['forRoot', 'useFactory', 'useClass', 'useExisting'];

describe('MiniProgramModule configuration', () => {
  const sim = new WeChatSimulator();
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  describe.each(STYLES)('%s', (style) => {
    it('boots, validates the options and serves login → guarded route', async () => {
      const h = await startHarness({ sim, style, options: { token: { ttlSeconds: 60 } } });
      try {
        const options = h.app.get<ResolvedMiniProgramOptions>(MINI_PROGRAM_OPTIONS);
        expect(options.token.ttlSeconds).toBe(60);
        expect(options.http.timeoutMs).toBe(1000);
        expect(h.app.get(WeChatApiService)).toBeInstanceOf(WeChatApiService);
        expect(h.app.get(getRepositoryToken(WeChatAccount))).toBeDefined();
        const { token } = await h.login();
        await h.http().get('/host/whoami').set('Authorization', `Token ${token}`).expect(200);
      } finally {
        await h.close();
      }
    });

    it('honours the extras: routePrefix and isGlobal', async () => {
      const h = await startHarness({ sim, style, extras: { routePrefix: '/api/wx/', isGlobal: true } });
      try {
        const wx = sim.login();
        const res = await h.http().post('/api/wx/login').send({ code: wx.code }).expect(200);
        await h.http().get('/api/wx/me').set('Authorization', `Token ${res.body.token}`).expect(200);
        await h.http().post('/api/wx/profile').set('Authorization', `Token ${res.body.token}`).send({ nickName: '小明' }).expect(200);
        await h.http().post('/miniprogram_auth/login').send({ code: 'x' }).expect(404);
      } finally {
        await h.close();
      }
    });

    it('leaves the controller out when authController is false, and the guard still works', async () => {
      const h = await startHarness({ sim, style, extras: { authController: false } });
      try {
        await h.http().post('/miniprogram_auth/login').send({ code: sim.login().code }).expect(404);
        await h.http().post('/miniprogram_auth/profile').send({ nickName: '小明' }).expect(404);
        const result = await h.app.get(MiniProgramAuthService).login(sim.login().code);
        await h.http().get('/host/whoami').set('Authorization', `Token ${result.token}`).expect(200);
      } finally {
        await h.close();
      }
    });

    it('refuses to boot with invalid options, naming every bad key', async () => {
      const moduleRef = Test.createTestingModule({
        imports: [
          createAppModule({ appId: 'not-an-appid', appSecret: '', apiBaseUrl: 'ftp://x', token: { ttlSeconds: -1 } } as never, { style }),
        ],
      });
      const error = await moduleRef.compile().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MiniProgramOptionsError);
      const keys = (error as MiniProgramOptionsError).problems.map((p) => p.key).sort();
      expect(keys).toEqual(['apiBaseUrl', 'appId', 'appSecret', 'token.ttlSeconds']);
      expect((error as Error).message).toMatch(/appId/);
    });
  });

  it('reads extras only from beside useFactory, never from what it returns', async () => {
    const dynamic = MiniProgramModule.forRootAsync({
      useFactory: () => ({ ...simulatorOptions(sim), isGlobal: true, routePrefix: 'ignored' }) as never,
    });
    expect(dynamic.global).toBe(false);
    const paths = (dynamic.controllers ?? []).map((c: object) => Reflect.getMetadata('path', c));
    // The auth controller, the profile controller (mounted with it), the pay notifications, the push route.
    expect(paths).toEqual(['miniprogram_auth', 'miniprogram_auth', 'miniprogram_auth', 'miniprogram_auth/wechatPush']);
  });

  it('exports every entity for hosts that list entities themselves, and works that way', async () => {
    expect(MINI_PROGRAM_ENTITIES).toEqual([
      WeChatAccount,
      AuthToken,
      PayOrder,
      PayRefund,
      PayShippingUpload,
      PayTransfer,
      PayProfitShare,
      WeChatPushReceipt,
      WeChatSubscription,
      WeChatMediaCheck,
    ]);
    const h = await startHarness({ sim, listEntities: true });
    try {
      const { token } = await h.login();
      await h.http().get('/host/whoami').set('Authorization', `Token ${token}`).expect(200);
      const names = h.dataSource.entityMetadatas.map((m) => m.tableName).sort();
      expect(names).toEqual([
        'miniprogram_auth_token',
        'miniprogram_media_check',
        'miniprogram_pay_order',
        'miniprogram_pay_profit_share',
        'miniprogram_pay_refund',
        'miniprogram_pay_transfer',
        'miniprogram_push_receipt',
        'miniprogram_shipping_upload',
        'miniprogram_subscription',
        'miniprogram_wechat_account',
      ]);
      const queryRunner = h.dataSource.createQueryRunner();
      try {
        for (const name of names) expect([name, await queryRunner.hasTable(name)]).toEqual([name, true]);
        // The reconciler's lease: a nullable column, so rows written before it need nothing.
        for (const name of ['miniprogram_pay_order', 'miniprogram_pay_refund', 'miniprogram_pay_transfer']) {
          const column = (await queryRunner.getTable(name))?.findColumnByName('reconcile_lease_until');
          expect([name, column?.isNullable]).toEqual([name, true]);
        }
      } finally {
        await queryRunner.release();
      }
    } finally {
      await h.close();
    }
  });

  it('answers 502 when WeChat cannot be reached at all', async () => {
    const closed = new WeChatSimulator();
    const url = await closed.start();
    await closed.stop(); // nothing listens on this port any more
    const h = await startHarness({ sim, options: { apiBaseUrl: url } });
    try {
      const res = await h.http().post('/miniprogram_auth/login').send({ code: sim.login().code }).expect(502);
      expect(res.body.message).toMatch(/could not be reached/);
    } finally {
      await h.close();
    }
  });

  it('rejects unknown option keys such as typos', async () => {
    expect(() => resolveMiniProgramOptions({ ...simulatorOptions(sim), apiBaseURL: 'x' } as never)).toThrow(/apiBaseURL/);
    expect(() => resolveMiniProgramOptions(undefined)).toThrow(MiniProgramOptionsError);
  });

  it('treats errcode 0 in a successful answer as success', async () => {
    const zero = new WeChatSimulator({ successErrcode: 'zero' });
    await zero.start();
    const other = await startHarness({ sim: zero });
    try {
      await other.http().post('/miniprogram_auth/login').send({ code: zero.login().code }).expect(200);
    } finally {
      await other.close();
      await zero.stop();
    }
  });
});
