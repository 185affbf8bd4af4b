import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A user's last answer for a subscribe-message template: `accept` (接收) or `reject` (拒收). @publicApi */
export type WeChatSubscriptionStatus = 'accept' | 'reject';

/**
 * What the module knows of one user's consent to one subscribe-message template (订阅消息), written only by the
 * subscribe events WeChat pushes when `subscribe.recordConsent` is on: the pop-up of `wx.requestSubscribeMessage`
 * answered (`subscribe_msg_popup_event`), the template turned off in the settings (`subscribe_msg_change_event`), a
 * message delivered (`subscribe_msg_sent_event`). Each event changes the row in the push's transaction, so a redelivered
 * push never counts twice.
 *
 * WeChat counts one-time templates (一次性订阅) per acceptance: each "accept" allows one message, and they add up.
 * Long-term templates (长期订阅) allow any number once accepted. The pushes do not say which kind a template is, so
 * the row keeps both: `status`, the last answer, and `acceptancesLeft`, the one-time acceptances not yet used up by a
 * delivered message (never below 0; it means nothing for a long-term template). WeChat stays the authority: a send
 * it refuses (43101) is a result, whatever the row says.
 * @publicApi
 */
@Entity('miniprogram_subscription')
@Index('UQ_miniprogram_subscription_user_template', ['openId', 'templateId'], { unique: true })
export class WeChatSubscription {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The user's openid (`FromUserName` of the pushes). */
  @Column({ name: 'open_id', type: 'varchar', length: 128 })
  openId!: string;

  /** The template id (`priTmplId`, `TemplateId` of the pushes). */
  @Column({ name: 'template_id', type: 'varchar', length: 128 })
  templateId!: string;

  /** The user's last answer: the pop-up's, or `reject` when the template was turned off in the settings. */
  @Column({ type: 'varchar', length: 16 })
  status!: WeChatSubscriptionStatus;

  /**
   * One-time acceptances not yet used: +1 per `accept` in a pop-up, -1 per message WeChat reports delivered (down to
   * 0), 0 when the user turns the template off.
   */
  @Column({ name: 'acceptances_left', type: 'int', default: 0 })
  acceptancesLeft!: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
