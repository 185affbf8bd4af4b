import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** The security scheme the library's guarded endpoints name (`@ApiSecurity('Token')`). */
export const TOKEN_SECURITY = 'Token';

/** The OpenAPI document of the sample app: the library's auth and pay endpoints and the sample's own. */
export function createOpenApiDocument(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle('nestjs-miniprogram-api sample app')
    .setDescription(
      "The endpoints a mini program calls (`/miniprogram_auth/*`, the sample's `/orders`), and the WeChat Pay notifications WeChat calls. " +
        'Log in with a code from `wx.login()` (in simulator mode: `POST /__sim/login` on the simulator), then authorize with `Token <token>`.',
    )
    .setVersion('1')
    // Tags in this order in Swagger UI: the library's endpoints first.
    .addTag('Mini program auth', 'What the mini program calls: wx.login() code → token, profile, phone number (nestjs-miniprogram-api).')
    .addTag('WeChat Pay notifications', 'What WeChat Pay calls: payment and refund results, XML (nestjs-miniprogram-api).')
    .addTag('Sample app: pickup orders', "The sample's own guarded endpoints: an order paid with WeChat Pay.")
    .addTag('Sample app')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: 'Token <token>: the token from POST /miniprogram_auth/login, prefixed with "Token " (or "Bearer ").',
      },
      TOKEN_SECURITY,
    )
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at `/docs`, the document at `/docs-json`; the UI's assets come from swagger-ui-dist, served locally. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => createOpenApiDocument(app), {
    customSiteTitle: 'nestjs-miniprogram-api sample app: API',
    jsonDocumentUrl: 'docs-json',
    // No online validator badge: nothing of the UI leaves the machine.
    swaggerOptions: { validatorUrl: null, persistAuthorization: false, tryItOutEnabled: false },
  });
}
