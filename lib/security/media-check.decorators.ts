import { SetMetadata } from '@nestjs/common';

/** @internal */
export const MEDIA_CHECK_RESULT_METADATA = 'miniprogram:media-check-result';

/**
 * Marks a provider method to run when the verdict of a media check (`WeChatSecurityService.checkMediaAsync`) arrives —
 * exactly once per check, inside the transaction of the `wxa_media_check` push that brought it, with a
 * `MediaCheckResultEvent`. Throwing rolls the verdict back (the check stays pending) and leaves the push unanswered, so
 * WeChat delivers it again. Verdicts of checks the module did not start come too, with `known: false`.
 * @example
 * ```ts
 * @Injectable()
 * export class Avatars {
 *   @OnMediaCheckResult()
 *   async checked({ traceId, status, manager }: MediaCheckResultEvent) {
 *     if (status === 'risky') await manager.update(Profile, { avatarCheck: traceId }, { avatarUrl: null });
 *   }
 * }
 * ```
 * @publicApi
 */
export const OnMediaCheckResult = (): MethodDecorator => SetMetadata(MEDIA_CHECK_RESULT_METADATA, true);
