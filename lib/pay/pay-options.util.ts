import { WeChatPayInputError } from '../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions } from '../interfaces';

/** The module's pay options, or the typed error naming `api` when WeChat Pay is not configured. @internal */
export function payOptionsFor(options: ResolvedMiniProgramOptions, api: string): ResolvedPayOptions {
  if (!options.pay) throw new WeChatPayInputError(api, ['WeChat Pay is not configured: give MiniProgramModule the `pay` options']);
  return options.pay;
}
