export { MiniProgramModule } from './mini-program.module';
export { MINI_PROGRAM_MODULE_OPTIONS } from './mini-program.module-definition';
export type { MiniProgramModuleAsyncOptions, MiniProgramModuleForRootOptions } from './mini-program.module-definition';
export { getMiniProgramOptionsToken } from './mini-program.providers';
export * from './mini-program.constants';
export * from './interfaces';
export { resolveMiniProgramOptions } from './options/mini-program-options.validation';

export * from './entities';

export { MiniProgramAuthController } from './auth/mini-program-auth.controller';
export { MiniProgramAuthGuard } from './auth/mini-program-auth.guard';
export { MiniProgramStrategy, MINI_PROGRAM_AUTH_INFO } from './auth/mini-program.strategy';
export type { MiniProgramAuthInfo, MiniProgramRequest } from './auth/mini-program.strategy';
export { MiniProgramAuthService } from './auth/mini-program-auth.service';
export type { MiniProgramLoginResult, WeChatUserInfo } from './auth/mini-program-auth.service';
export { AuthTokenService } from './auth/auth-token.service';
export type { TokenRejection, TokenVerification } from './auth/auth-token.service';
export type { WeChatAccountView, WeChatProfileView } from './auth/wechat-account.view';
export { WeChatExceptionFilter, toHttpException } from './auth/wechat-exception.filter';
export { LoginDto } from './auth/dto/login.dto';
export { UpdateUserInfoDto } from './auth/dto/update-user-info.dto';
export { PhoneNumberDto } from './auth/dto/phone-number.dto';
export { CurrentWeChatAccount } from './decorators/current-wechat-account.decorator';
export { JsonDepthPipe, DEFAULT_MAX_BODY_DEPTH } from './http/json-depth.pipe';

export { WeChatApiService } from './wechat/wechat-api.service';
export { WeChatCryptoService } from './wechat/wechat-crypto.service';
export type { WeChatPhoneInfo, WeChatSession } from './wechat/wechat-api.interface';
export { MemoryAccessTokenStore } from './wechat/access-token.store';
export { RedisAccessTokenStore } from './wechat/redis-access-token.store';
export type { RedisLikeClient } from './wechat/redis-access-token.store';
export type { WeChatRequest, WeChatJson, WeChatBinary } from './wechat/wechat-http.client';
export type { AccessTokenStore, StoredAccessToken } from './wechat/access-token.store';

export { WeChatPushService } from './push/wechat-push.service';
export { WeChatPushController } from './push/wechat-push.controller';
export { OnWeChatEvent, OnWeChatMessage, OnWeChatPush } from './push/wechat-push.decorators';
export type * from './push/wechat-push.interfaces';
export type * from './push/wechat-push.events';
export { WeChatSubscribeMessageService } from './subscribe/wechat-subscribe-message.service';
export type * from './subscribe/subscribe.interfaces';
export { parseWeChatXml } from './crypto/wechat-xml.codec';
export type { WeChatXmlObject, WeChatXmlValue } from './crypto/wechat-xml.codec';

export { WeChatShippingService } from './shipping/wechat-shipping.service';
export { WECHAT_SHIPPING_ERRCODES } from './shipping/wechat-shipping.errcodes';
export { maskShippingContact } from './shipping/shipping-input';
export { ShippingDeliveryMode, ShippingLogisticsType, ShippingOrderState } from './shipping/wechat-shipping.interfaces';
export type * from './shipping/wechat-shipping.interfaces';

export { WeChatCustomerMessageService } from './customer-service/wechat-customer-message.service';
export { CUSTOMER_SERVICE_IMAGE_MAX_BYTES } from './customer-service/customer-service-media';
export type * from './customer-service/customer-service.interfaces';

export { WeChatLinkService } from './links/wechat-link.service';
export type * from './links/wechat-link.interfaces';

export { WeChatSecurityService } from './security/wechat-security.service';
export { OnMediaCheckResult } from './security/media-check.decorators';
export { ContentSecurityScene } from './security/security.interfaces';
export type * from './security/security.interfaces';

export { WeChatProfileService } from './profile/wechat-profile.service';
export { MiniProgramProfileController } from './profile/profile.controller';
export { LocalDirectoryAvatarStore } from './profile/avatar.store';
export type { AvatarStore, StoredAvatar } from './profile/avatar.store';
export { ProfileInputError, ProfileContentRefusedError, ProfileCheckUnavailableError } from './profile/profile.errors';
export type { ProfileReviewDecision, ProfileUpdateInput, WeChatProfileUpdateView } from './profile/profile.interfaces';
export type { SniffedImageType } from './utils/image-sniff';

export { WeChatPayService } from './pay/wechat-pay.service';
export { PayNotifyController } from './pay/pay-notify.controller';
export { OnPayOrderPaid, OnPayRefundSettled, OnPayTransferSucceeded, OnPayTransferFailed } from './pay/pay-event.decorators';
export { WeChatPayTransferService } from './pay/transfers/wechat-pay-transfer.service';
export type * from './pay/transfers/pay-transfer.interfaces';
export { PayReconciler } from './pay/reconcile/pay-reconciler.service';
export { OnPayBillMismatch } from './pay/pay-event.decorators';
export type * from './pay/reconcile/pay-reconcile.interfaces';
export { OnPayProfitSharingSettled } from './pay/pay-event.decorators';
export { WeChatPayProfitSharingService } from './pay/profit-sharing/wechat-pay-profit-sharing.service';
export type * from './pay/profit-sharing/profit-sharing.interfaces';
export { PayProfitSharingLimitError } from './errors/wechat-pay-profit-sharing.error';
export type { PayEventName } from './pay/pay-event.decorators';
export type * from './pay/wechat-pay.interfaces';
export { WeChatPayV2Api } from './pay/v2/wechat-pay-v2.api';
export { WeChatPayV2Client } from './pay/v2/wechat-pay-v2.client';
export type { PayV2Params, PayV2RequestOptions } from './pay/v2/wechat-pay-v2.client';
export { WeChatPayV3Api } from './pay/v3/wechat-pay-v3.api';
export type { PayV3CallOptions, PayV3Method } from './pay/v3/wechat-pay-v3.client';
export type * from './pay/v3/wechat-pay-v3.interfaces';
export { WeChatPayError, WeChatPayInputError, PayOrderStateError } from './errors/wechat-pay.error';
export { PayXmlError } from './errors/pay-xml.error';
export type { PayXmlReason } from './errors/pay-xml.error';
export { PayCryptoError } from './errors/pay-crypto.error';
export type { PayCryptoReason } from './errors/pay-crypto.error';
export {
  payV2Sign,
  payV2SignString,
  verifyPayV2Sign,
  jsapiPaySign,
  decryptRefundReqInfo,
  encryptRefundReqInfo,
  refundReqInfoKey,
} from './crypto/pay-sign.crypto';
export type { PaySignType, JsapiPayParams } from './crypto/pay-sign.crypto';
export {
  PAY_V3_AUTH_SCHEMA,
  PAY_V3_AEAD_ALGORITHM,
  payV3Message,
  signPayV3,
  verifyPayV3,
  verifyPayV3Signature,
  buildPayV3Authorization,
  parsePayV3Authorization,
  decryptPayV3Resource,
  encryptPayV3Resource,
  payV3JsapiPaySign,
  encryptPayV3Sensitive,
  decryptPayV3Sensitive,
  isPayV3ApiKey,
  isPayV3PublicKeyId,
  certificateSerialNo,
  loadPayV3PrivateKey,
  loadPayV3PublicKey,
} from './crypto/pay-v3.crypto';
export type {
  BuildPayV3AuthorizationParams,
  PayV3Authorization,
  PayV3EncryptedResource,
  PayV3EncryptResourceOptions,
  PayV3JsapiPayParams,
  PayV3PrivateKey,
  PayV3PublicKey,
  PayV3ResourceInput,
  PayV3SignedMessage,
} from './crypto/pay-v3.crypto';
export { buildPayXml, parsePayXml, PAY_XML_MAX_BYTES } from './crypto/pay-xml.codec';
export type { BuildPayXmlOptions, ParsePayXmlOptions } from './crypto/pay-xml.codec';

export { decryptUserData, encryptUserData, rawDataSignature, loginStateSignature } from './crypto/user-data.crypto';
export type { WeChatWatermark } from './crypto/user-data.crypto';
export {
  pushSignature,
  verifyPushSignature,
  isEncodingAesKey,
  pushAesKey,
  decryptPushMessage,
  encryptPushMessage,
} from './crypto/wechat-push.crypto';
export { generateApiToken, hashApiToken, isApiTokenShape } from './crypto/api-token.crypto';
export { safeEqual } from './crypto/safe-equal.util';
export { createNonceStr } from './crypto/random.util';

export { MiniProgramOptionsError } from './errors/mini-program-options.error';
export type { MiniProgramOptionsProblem } from './errors/mini-program-options.error';
export { UserDataDecryptError } from './errors/user-data-decrypt.error';
export type { UserDataDecryptReason } from './errors/user-data-decrypt.error';
export { WeChatPushCryptoError } from './errors/wechat-push-crypto.error';
export type { WeChatPushCryptoReason } from './errors/wechat-push-crypto.error';
export { WeChatApiError, WeChatUnavailableError } from './errors/wechat-api.error';
export { WeChatInputError } from './errors/wechat-input.error';
export type { WeChatUnavailableKind } from './errors/wechat-api.error';
