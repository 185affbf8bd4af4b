/* eslint-disable @typescript-eslint/no-require-imports -- modules are loaded in isolated registries on purpose */
import 'reflect-metadata';
import type { INestApplication, Type } from '@nestjs/common';
import request from 'supertest';

type Modules = {
  util: typeof import('./openapi.util');
  dto: typeof import('../auth/dto/login.dto');
  authController: typeof import('../auth/mini-program-auth.controller');
  payController: typeof import('../pay/pay-notify.controller');
  authService: typeof import('../auth/mini-program-auth.service');
  tokens: typeof import('../auth/auth-token.service');
  notifications: typeof import('../pay/pay-notify.processor');
  testing: typeof import('@nestjs/testing');
};

/** Loads the decorated controllers, their services' classes and Nest itself, in the current module registry. */
function load(): Modules {
  return {
    util: require('./openapi.util'),
    dto: require('../auth/dto/login.dto'),
    authController: require('../auth/mini-program-auth.controller'),
    payController: require('../pay/pay-notify.controller'),
    authService: require('../auth/mini-program-auth.service'),
    tokens: require('../auth/auth-token.service'),
    notifications: require('../pay/pay-notify.processor'),
    testing: require('@nestjs/testing'),
  };
}

/** The auth and pay notification controllers with stand-ins for their services: enough to answer login and notifications. */
async function boot(m: Modules): Promise<INestApplication> {
  const moduleRef = await m.testing.Test.createTestingModule({
    controllers: [m.authController.MiniProgramAuthController, m.payController.PayNotifyController],
    providers: [
      {
        provide: m.authService.MiniProgramAuthService,
        useValue: { login: async (code: string) => ({ token: `token-for-${code}`, user_id: 7, expires_at: null }) },
      },
      { provide: m.tokens.AuthTokenService, useValue: {} },
      {
        provide: m.notifications.PayNotifyProcessor,
        useValue: { handlePayNotify: async () => ({ xml: '<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>' }) },
      },
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** What the controllers answer, whichever way they were decorated. */
async function expectWorkingEndpoints(app: INestApplication): Promise<void> {
  const http = () => request(app.getHttpServer());
  await http().post('/miniprogram_auth/login').send({ code: 'abc' }).expect(200, { token: 'token-for-abc', user_id: 7, expires_at: null });
  const invalid = await http().post('/miniprogram_auth/login').send({}).expect(400);
  expect(invalid.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/^code /)]));
  const notified = await http()
    .post('/miniprogram_auth/wechatPayCallback')
    .set('content-type', 'text/xml')
    .send('<xml><return_code>SUCCESS</return_code></xml>')
    .expect(200);
  expect(notified.text).toContain('SUCCESS');
  expect(notified.headers['content-type']).toMatch(/^text\/xml/);
}

const PROPERTIES = 'swagger/apiModelPropertiesArray';
const RESPONSES = 'swagger/apiResponse';

describe('OpenAPI decorators (lib/utils/openapi.util)', () => {
  describe('with @nestjs/swagger installed', () => {
    let app: INestApplication | undefined;
    afterEach(() => app?.close());

    it('records the metadata that SwaggerModule documents', async () => {
      const m = load();
      expect(m.util.OPENAPI_AVAILABLE).toBe(true);
      expect(Reflect.getMetadata(PROPERTIES, m.dto.LoginDto.prototype)).toEqual([':code']);

      app = await boot(m);
      await expectWorkingEndpoints(app);

      const { DocumentBuilder, SwaggerModule } = require('@nestjs/swagger') as typeof import('@nestjs/swagger');
      const config = new DocumentBuilder().addApiKey(m.util.MINI_PROGRAM_TOKEN_SECURITY_SCHEME, m.util.MINI_PROGRAM_TOKEN_SECURITY).build();
      const doc = SwaggerModule.createDocument(app, config);

      const login = doc.paths['/miniprogram_auth/login'].post!;
      expect(login.requestBody).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/LoginDto' } } } });
      expect(Object.keys(login.responses).sort()).toEqual(['200', '400', '403', '429', '502', '503', '504']);
      expect(login.responses['200']).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/MiniProgramLoginResponse' } } },
      });
      expect(login.security).toBeUndefined();

      const phone = doc.paths['/miniprogram_auth/phoneNumber'].post!;
      expect(phone.security).toEqual([{ Token: [] }]);
      expect(Object.keys(phone.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '429', '502', '503', '504']));
      expect(doc.paths['/miniprogram_auth/me'].get!.security).toEqual([{ Token: [] }]);

      const payNotify = doc.paths['/miniprogram_auth/wechatPayCallback'].post!;
      expect(payNotify.requestBody).toMatchObject({ content: { 'text/xml': { schema: { type: 'string' } } } });
      expect(payNotify.responses['200']).toMatchObject({ content: { 'text/xml': { schema: { type: 'string' } } } });

      expect(doc.components?.securitySchemes).toEqual({
        Token: { type: 'apiKey', in: 'header', name: 'Authorization', description: expect.stringContaining('Token <token>') },
      });
      expect(doc.components?.schemas).toHaveProperty('MiniProgramErrorResponse');
      expect(doc.components?.schemas?.LoginDto).toMatchObject({
        properties: { code: { type: 'string', maxLength: 256 } },
        required: ['code'],
      });
    });
  });

  describe('without @nestjs/swagger', () => {
    it('turns every decorator into a no-op, and the controllers still boot and answer', async () => {
      let m: Modules | undefined;
      let app: INestApplication | undefined;
      await jest.isolateModulesAsync(async () => {
        // As for a host that never installed the optional peer.
        jest.doMock('@nestjs/swagger', () => {
          throw new Error("Cannot find module '@nestjs/swagger'");
        });
        try {
          m = load();
          expect(m.util.OPENAPI_AVAILABLE).toBe(false);

          // Decorating anything is harmless and records nothing.
          const { ApiProperty, ApiTags, ApiResponse, ApiSecurity, ApiBody, ApiOperation } = m.util;
          @ApiTags('x')
          class Probe {
            @ApiProperty({ example: 1 }) value!: number;
            @ApiOperation({ summary: 'x' })
            @ApiResponse({ status: 200 })
            @ApiSecurity('Token')
            @ApiBody({ type: Probe })
            handler(): void {}
          }
          expect(Reflect.getMetadata(PROPERTIES, Probe.prototype)).toBeUndefined();
          expect(Reflect.getMetadata(PROPERTIES, m.dto.LoginDto.prototype)).toBeUndefined();
          const login = (m.authController.MiniProgramAuthController as Type).prototype.login as object;
          expect(Reflect.getMetadata(RESPONSES, login)).toBeUndefined();

          app = await boot(m);
          await expectWorkingEndpoints(app);
        } finally {
          await app?.close();
          jest.dontMock('@nestjs/swagger');
        }
      });
      expect(m).toBeDefined();
    });
  });
});
