import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthTokenService } from './auth/auth-token.service';
import { MiniProgramAuthGuard } from './auth/mini-program-auth.guard';
import { MiniProgramAuthService } from './auth/mini-program-auth.service';
import { MiniProgramStrategy } from './auth/mini-program.strategy';
import { WeChatExceptionFilter } from './auth/wechat-exception.filter';
import { MINI_PROGRAM_ACCESS_TOKEN_STORE, MINI_PROGRAM_OPTIONS } from './mini-program.constants';
import { ConfigurableModuleClass } from './mini-program.module-definition';
import { accessTokenStoreProvider, optionsProvider } from './mini-program.providers';
import { WeChatApiService } from './wechat/wechat-api.service';
import { WeChatCryptoService } from './wechat/wechat-crypto.service';
import { WeChatHttpClient } from './wechat/wechat-http.client';
import { HttpPlatformSetup } from './http/http-platform.setup';
import { PayEventRegistry } from './pay/pay-event.registry';
import { PayLedger } from './pay/pay-ledger';
import { PayOrdersService } from './pay/orders/pay-orders.service';
import { PayNotifyProcessor } from './pay/pay-notify.processor';
import { WeChatPayV2Api } from './pay/v2/wechat-pay-v2.api';
import { WeChatPayV2Client } from './pay/v2/wechat-pay-v2.client';
import { WeChatPayHttpClient } from './pay/wechat-pay-http.client';
import { WeChatPayService } from './pay/wechat-pay.service';
import { PayTransferLedger } from './pay/transfers/pay-transfer-ledger';
import { WeChatPayTransferService } from './pay/transfers/wechat-pay-transfer.service';
import { PayReconciler } from './pay/reconcile/pay-reconciler.service';
import { PayReconcileScheduler } from './pay/reconcile/pay-reconcile.scheduler';
import { PayProfitSharingLedger } from './pay/profit-sharing/profit-sharing-ledger';
import { PayProfitSharingNotifications } from './pay/profit-sharing/profit-sharing-notifications';
import { WeChatPayProfitSharingService } from './pay/profit-sharing/wechat-pay-profit-sharing.service';
import { WeChatPayV3Api } from './pay/v3/wechat-pay-v3.api';
import { WeChatPayV3Client } from './pay/v3/wechat-pay-v3.client';
import { WeChatPushReader } from './push/wechat-push.reader';
import { WeChatPushRegistry } from './push/wechat-push.registry';
import { WeChatPushService } from './push/wechat-push.service';
import { HandlerDiscovery } from './utils/handler-discovery';
import { PayShippingEvents } from './pay/shipping/pay-shipping.events';
import { PayShippingOutbox } from './pay/shipping/pay-shipping.outbox';
import { ShippingUploader } from './pay/shipping/shipping-uploader';
import { WeChatSubscribeMessageService } from './subscribe/wechat-subscribe-message.service';
import { subscriptionConsentProvider } from './subscribe/wechat-subscription.consent';
import { WeChatShippingService } from './shipping/wechat-shipping.service';
import { WeChatCustomerMessageService } from './customer-service/wechat-customer-message.service';
import { WeChatLinkService } from './links/wechat-link.service';
import { WeChatSecurityService } from './security/wechat-security.service';
import { WeChatMediaCheckResults } from './security/media-check.results';
import { CommitHooks } from './profile/commit-hooks';
import { ProfileAvatars } from './profile/profile-avatars';
import { WeChatProfileService } from './profile/wechat-profile.service';

/**
 * Everything a WeChat Mini Program backend needs server-side. Import it once with
 * `MiniProgramModule.forRoot({...})` or `forRootAsync({...})`, beside `TypeOrmModule.forRoot`.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.db', autoLoadEntities: true, synchronize: true }),
 *     MiniProgramModule.forRoot({ appId: 'wx…', appSecret: '…' }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    HttpPlatformSetup,
    optionsProvider,
    accessTokenStoreProvider,
    WeChatHttpClient,
    WeChatApiService,
    WeChatCryptoService,
    AuthTokenService,
    MiniProgramAuthService,
    // Listed although nothing injects it: creating the strategy registers it with Passport.
    MiniProgramStrategy,
    MiniProgramAuthGuard,
    WeChatExceptionFilter,
    WeChatPayHttpClient,
    WeChatPayV2Client,
    WeChatPayV2Api,
    WeChatPayV3Client,
    WeChatPayV3Api,
    HandlerDiscovery,
    PayEventRegistry,
    PayLedger,
    PayNotifyProcessor,
    PayOrdersService,
    WeChatPayService,
    PayTransferLedger,
    WeChatPayTransferService,
    PayReconciler,
    PayReconcileScheduler,
    PayProfitSharingLedger,
    PayProfitSharingNotifications,
    WeChatPayProfitSharingService,
    WeChatPushReader,
    WeChatPushRegistry,
    WeChatPushService,
    WeChatSubscribeMessageService,
    subscriptionConsentProvider,
    WeChatShippingService,
    PayShippingEvents,
    ShippingUploader,
    PayShippingOutbox,
    WeChatCustomerMessageService,
    WeChatLinkService,
    WeChatSecurityService,
    WeChatMediaCheckResults,
    CommitHooks,
    ProfileAvatars,
    WeChatProfileService,
  ],
  exports: [
    MINI_PROGRAM_OPTIONS,
    MINI_PROGRAM_ACCESS_TOKEN_STORE,
    WeChatApiService,
    WeChatCryptoService,
    AuthTokenService,
    MiniProgramAuthService,
    MiniProgramAuthGuard,
    WeChatExceptionFilter,
    WeChatPayService,
    WeChatPayV2Api,
    WeChatPayV2Client,
    WeChatPayV3Api,
    WeChatPayTransferService,
    PayReconciler,
    WeChatPayProfitSharingService,
    WeChatPushService,
    WeChatSubscribeMessageService,
    WeChatShippingService,
    WeChatCustomerMessageService,
    WeChatLinkService,
    WeChatSecurityService,
    WeChatProfileService,
  ],
})
export class MiniProgramModule extends ConfigurableModuleClass implements NestModule {
  constructor(private readonly platform: HttpPlatformSetup) {
    super();
  }

  /** Nest calls this before it registers any route: the moment to fit the routes to the host's platform. */
  configure(_consumer: MiddlewareConsumer): void {
    this.platform.apply();
  }
}
