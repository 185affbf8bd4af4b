import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { WeChatSubscription } from '../entities/wechat-subscription.entity';
import { WeChatApiError } from '../errors/wechat-api.error';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { WeChatApiService } from '../wechat/wechat-api.service';
import type { WeChatJson } from '../wechat/wechat-http.client';
import { readAddedTemplateId, readCategories, readKeywords, readTemplates, readTitles } from './subscribe-answers';
import { checkedAddTemplate, checkedTemplateId, checkedTid, checkedTitlesQuery, subscribeSendBody } from './subscribe-input';
import type {
  AddSubscribeTemplateInput,
  PubTemplateKeyword,
  PubTemplateTitles,
  PubTemplateTitlesQuery,
  SubscribeCategory,
  SubscribeMessage,
  SubscribeSendOptions,
  SubscribeSendResult,
  SubscribeTemplate,
} from './subscribe.interfaces';

/**
 * WeChat's errcodes that concern the user rather than the call: 43101 (the user refused the template, turned it off, or
 * has no one-time acceptance left) and 43108 (another message to the same user is under way). Sending to such users is
 * normal, so these are results; every other refusal is a mistake in the call and stays a `WeChatApiError`.
 */
const USER_REFUSALS: ReadonlyMap<number, 'refused' | 'busy-user'> = new Map([
  [43101, 'refused'],
  [43108, 'busy-user'],
]);

/**
 * Subscribe messages (订阅消息): sending one to a user who accepted its template in `wx.requestSubscribeMessage`, and
 * managing the mini program's templates. Input is checked before anything is sent (`WeChatInputError` names every
 * problem, each parameter against its type's rule); a user who cannot get the message now is a result (`{ sent: false
 * }`), not an exception. With `subscribe.recordConsent`, `send` can consult the consent record first.
 * @publicApi
 */
@Injectable()
export class WeChatSubscribeMessageService {
  private readonly logger = new Logger('MiniProgram');

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly wechat: WeChatApiService,
    @InjectRepository(WeChatSubscription) private readonly subscriptions: Repository<WeChatSubscription>,
  ) {}

  /**
   * Sends a subscribe message (`cgi-bin/message/subscribe/send`). Never repeated after a timeout: WeChat may have
   * delivered it, and a one-time acceptance is used up by the first.
   * @returns `{ sent: true }`, or `{ sent: false, reason }` when the user cannot get it now (43101, 43108) or, with
   * `skipUnlessAccepted`, when the consent record has no acceptance (WeChat is then not asked).
   * @throws WeChatInputError for input that WeChat would refuse, before anything is sent.
   * @throws WeChatApiError for WeChat's other refusals: 40003 (openid), 40037 (template id), 47003 (data), 41030 (page)…
   * @throws WeChatUnavailableError
   */
  async send(message: SubscribeMessage, options: SubscribeSendOptions = {}): Promise<SubscribeSendResult> {
    const body = subscribeSendBody(message, options, this.options.subscribe?.recordConsent === true);
    if (options?.skipUnlessAccepted && !(await this.accepted(body.touser, body.template_id))) {
      this.logger.debug(`subscribe message of template ${body.template_id} skipped: the user has not accepted it`);
      return { sent: false, reason: 'not-accepted' };
    }
    try {
      await this.call('subscribeMessage.send', 'POST', '/cgi-bin/message/subscribe/send', {}, body, false);
      return { sent: true };
    } catch (error) {
      const reason = error instanceof WeChatApiError ? USER_REFUSALS.get(error.errcode) : undefined;
      if (!reason) throw error;
      const { errcode, errmsg } = error as WeChatApiError;
      this.logger.debug(`subscribe message of template ${body.template_id} not sent: errcode ${errcode}`);
      return { sent: false, reason, errcode, errmsg };
    }
  }

  /** The templates added to the mini program (`wxaapi/newtmpl/gettemplate`), with the parameter keys of each. */
  async getTemplateList(): Promise<SubscribeTemplate[]> {
    return readTemplates(await this.call('getTemplateList', 'GET', '/wxaapi/newtmpl/gettemplate'));
  }

  /**
   * Adds a template made of a public title and keywords chosen from it (`wxaapi/newtmpl/addtemplate`).
   * @throws WeChatApiError e.g. 200014 (tid), 200020 (kidList), 200021 (sceneDesc), 200012 (too many templates).
   */
  async addTemplate(input: AddSubscribeTemplateInput): Promise<{ templateId: string }> {
    const body = checkedAddTemplate(input);
    return { templateId: readAddedTemplateId(await this.call('addTemplate', 'POST', '/wxaapi/newtmpl/addtemplate', {}, body, false)) };
  }

  /** Deletes a template of the mini program (`wxaapi/newtmpl/deltemplate`). */
  async deleteTemplate(templateId: string): Promise<void> {
    const priTmplId = checkedTemplateId(templateId);
    await this.call('deleteTemplate', 'POST', '/wxaapi/newtmpl/deltemplate', {}, { priTmplId }, false);
  }

  /** The mini program's categories (`wxaapi/newtmpl/getcategory`), whose public titles can be listed. */
  async getCategory(): Promise<SubscribeCategory[]> {
    return readCategories(await this.call('getCategory', 'GET', '/wxaapi/newtmpl/getcategory'));
  }

  /**
   * A page of the public titles of categories (`wxaapi/newtmpl/getpubtemplatetitles`).
   * @throws WeChatApiError e.g. 200016 (start), 200017 (limit), 200018/200019 (ids).
   */
  async getPubTemplateTitles(query: PubTemplateTitlesQuery): Promise<PubTemplateTitles> {
    const checked = checkedTitlesQuery(query);
    return readTitles(await this.call('getPubTemplateTitles', 'GET', '/wxaapi/newtmpl/getpubtemplatetitles', checked));
  }

  /** The keywords of a public title (`wxaapi/newtmpl/getpubtemplatekeywords`), to choose from for `addTemplate`. */
  async getPubTemplateKeywords(tid: string | number): Promise<PubTemplateKeyword[]> {
    const checked = checkedTid(tid);
    return readKeywords(await this.call('getPubTemplateKeywords', 'GET', '/wxaapi/newtmpl/getpubtemplatekeywords', { tid: checked }));
  }

  /** Whether the consent record holds an acceptance: the last answer was `accept`, or a one-time acceptance is left. */
  private async accepted(openId: string, templateId: string): Promise<boolean> {
    const row = await this.subscriptions.findOneBy({ openId, templateId });
    return row !== null && (row.status === 'accept' || row.acceptancesLeft > 0);
  }

  private call(
    api: string,
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string> = {},
    body?: object,
    idempotent = true,
  ): Promise<WeChatJson> {
    return this.wechat.withAccessToken((accessToken) => ({
      api,
      method,
      path,
      query: { access_token: accessToken, ...query },
      ...(body !== undefined ? { body } : {}),
      idempotent,
    }));
  }
}
