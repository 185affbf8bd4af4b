export * from './mini-program-module-options.interface';
export * from './wechat-pay-options.interface';
export * from './wechat-pay-reconcile-options.interface';
export * from './wechat-profile-options.interface';
export * from './wechat-push-options.interface';
export * from './wechat-shipping-options.interface';
export * from './wechat-subscribe-options.interface';
