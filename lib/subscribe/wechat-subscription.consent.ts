import { Injectable, Logger } from '@nestjs/common';
import type { Provider } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WeChatSubscription } from '../entities/wechat-subscription.entity';
import type { WeChatSubscriptionStatus } from '../entities/wechat-subscription.entity';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { OnWeChatEvent } from '../push/wechat-push.decorators';
import type { SubscribeMsgChangeEvent, SubscribeMsgPopupEvent, SubscribeMsgSentEvent } from '../push/wechat-push.events';
import type { WeChatPushEvent, WeChatPushMessage } from '../push/wechat-push.interfaces';

/** What a row's one-time acceptances become: one more, as they were, or none. */
type AcceptancesChange = 'add-one' | 'keep' | 'clear';

/** An openid or template id that fits the row's columns; anything else in a push is left out, not truncated. */
const WECHAT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Keeps the consent record (`WeChatSubscription`) in step with the subscribe events WeChat pushes: the pop-up answered
 * (an `accept` adds a one-time acceptance, a `reject` is remembered), a template turned off in the settings (no
 * acceptance left), a message delivered (one acceptance used). The handlers write through the push's transaction, so a
 * push counts exactly once, and the counts change by relative updates (`acceptances_left + 1`), so two pushes for one
 * user and template at once both count.
 * @internal
 */
@Injectable()
export class WeChatSubscriptionConsent {
  private readonly logger = new Logger('MiniProgram');

  @OnWeChatEvent('subscribe_msg_popup_event')
  async popupAnswered({ message, manager }: WeChatPushEvent<SubscribeMsgPopupEvent>): Promise<void> {
    for (const item of this.items(message)) {
      // acceptWithAudio / acceptWithAlert (voice and banner reminders) are acceptances too; ban and filter are not answers.
      if (item.status.startsWith('accept')) await record(manager, item.openId, item.templateId, 'accept', 'add-one');
      else if (item.status === 'reject') await record(manager, item.openId, item.templateId, 'reject', 'keep');
    }
  }

  @OnWeChatEvent('subscribe_msg_change_event')
  async settingsChanged({ message, manager }: WeChatPushEvent<SubscribeMsgChangeEvent>): Promise<void> {
    for (const item of this.items(message)) {
      if (item.status === 'reject') await record(manager, item.openId, item.templateId, 'reject', 'clear');
      else if (item.status.startsWith('accept')) await record(manager, item.openId, item.templateId, 'accept', 'keep');
    }
  }

  @OnWeChatEvent('subscribe_msg_sent_event')
  async messageSent({ message, manager }: WeChatPushEvent<SubscribeMsgSentEvent>): Promise<void> {
    for (const item of this.items(message)) {
      if (item.errorCode !== 0) continue; // a delivery that failed (a system failure, WeChat says) used nothing
      await manager
        .createQueryBuilder()
        .update(WeChatSubscription)
        .set({ acceptancesLeft: () => 'acceptances_left - 1' })
        .where('open_id = :openId AND template_id = :templateId AND acceptances_left > 0', {
          openId: item.openId,
          templateId: item.templateId,
        })
        .execute();
    }
  }

  /** The usable items of a subscribe event's `List` (normalised to an array by the push reader), with the user. */
  private items(message: WeChatPushMessage): Array<{ openId: string; templateId: string; status: string; errorCode: number }> {
    const openId = message.FromUserName;
    const list = Array.isArray(message.List) ? (message.List as unknown[]) : [];
    const items = list.flatMap((entry) => {
      const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
      const templateId = item.TemplateId;
      if (typeof templateId !== 'string' || !WECHAT_ID.test(templateId)) return [];
      const status = typeof item.SubscribeStatusString === 'string' ? item.SubscribeStatusString : '';
      return [{ openId, templateId, status, errorCode: typeof item.ErrorCode === 'number' ? item.ErrorCode : 0 }];
    });
    if (!WECHAT_ID.test(openId) || items.length < list.length) {
      this.logger.warn(`${message.Event} push with an openid or template ids the consent record cannot hold: left out`);
    }
    return WECHAT_ID.test(openId) ? items : [];
  }
}

/**
 * Sets a row's answer and one-time acceptances, creating the row first if there is none. The update comes first: on a
 * row that exists (every answer but a user's first for a template) it is the only statement, and it locks just that row,
 * so answers and deliveries arriving at once queue on it. Only a first answer inserts (or finds that a concurrent first
 * answer just did) and then updates; two first answers at the very same moment may deadlock on MySQL/MariaDB, where one
 * push is rolled back and WeChat delivers it again.
 */
async function record(
  manager: EntityManager,
  openId: string,
  templateId: string,
  status: WeChatSubscriptionStatus,
  acceptances: AcceptancesChange,
): Promise<void> {
  const update = async () => {
    const result = await manager
      .createQueryBuilder()
      .update(WeChatSubscription)
      .set({
        status,
        ...(acceptances === 'add-one'
          ? { acceptancesLeft: () => 'acceptances_left + 1' }
          : acceptances === 'clear'
            ? { acceptancesLeft: 0 }
            : {}),
      })
      .where('open_id = :openId AND template_id = :templateId', { openId, templateId })
      .execute();
    return (result.affected ?? 0) > 0;
  };
  if (await update()) return;
  await manager
    .createQueryBuilder()
    .insert()
    .into(WeChatSubscription)
    .values({ openId, templateId, status, acceptancesLeft: 0 })
    .orIgnore()
    .execute();
  await update();
}

/**
 * The consent handlers when `subscribe.recordConsent` is on, else an object without handlers: a handler of the
 * subscribe events would otherwise take them from the host's `@OnWeChatPush()` catch-all even with nothing to record.
 * @internal
 */
export const subscriptionConsentProvider: Provider = {
  provide: WeChatSubscriptionConsent,
  useFactory: (options: ResolvedMiniProgramOptions) => (options.subscribe?.recordConsent ? new WeChatSubscriptionConsent() : {}),
  inject: [MINI_PROGRAM_OPTIONS],
};
