import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { WeChatMediaCheck } from '../entities/wechat-media-check.entity';
import { WeChatApiError } from '../errors/wechat-api.error';
import { isUniqueViolation } from '../utils/unique-violation.util';
import { WeChatApiService } from '../wechat/wechat-api.service';
import type { WeChatJson } from '../wechat/wechat-http.client';
import { OTHER_LABEL, V1_RISKY_ERRCODE, readTextCheck, readTraceId } from './security-answers';
import { mediaCheckBody, textCheckBody } from './security-input';
import type { MediaCheckInput, MediaCheckStarted, TextCheckInput, TextCheckResult } from './security.interfaces';

/**
 * WeChat's content security (内容安全) for what the host's users write and upload: a text checked at once
 * (`checkText`, msgSecCheck), an image or audio file checked asynchronously (`checkMediaAsync`, mediaCheckAsync) with its
 * verdict pushed later to the `@OnMediaCheckResult()` handlers, exactly once. Both use version 2 of WeChat's APIs. Input
 * is checked before anything is sent (`WeChatInputError` names every problem); a risky verdict is a result, not an
 * exception: what to do with risky content (refuse it, hide it, queue it for a person) is the host's decision.
 * @publicApi
 */
@Injectable()
export class WeChatSecurityService {
  private readonly logger = new Logger('MiniProgram');

  constructor(
    private readonly wechat: WeChatApiService,
    @InjectRepository(WeChatMediaCheck) private readonly checks: Repository<WeChatMediaCheck>,
  ) {}

  /**
   * Checks a text (`wxa/msg_sec_check`, version 2). A check changes nothing at WeChat, so it is retried like a query.
   * @returns WeChat's verdict: `suggest` `pass`, `review` or `risky` with its label and each strategy's finding.
   * @throws WeChatInputError for input WeChat would refuse, before anything is sent.
   * @throws WeChatApiError for WeChat's refusals: 40003 (openid), 43104 (openid of another app), 61010 (the user has not
   * opened the mini program in the last two hours), 44991/45009 (rate limits), …
   * @throws WeChatUnavailableError
   */
  async checkText(input: TextCheckInput): Promise<TextCheckResult> {
    const body = textCheckBody(input);
    try {
      return readTextCheck(await this.call('msgSecCheck', '/wxa/msg_sec_check', body, true));
    } catch (error) {
      // Version 1's refusal of a risky text; version 2 answers with a verdict, but a risky text stays a result.
      if (!(error instanceof WeChatApiError) || error.errcode !== V1_RISKY_ERRCODE) throw error;
      return { suggest: 'risky', label: OTHER_LABEL, traceId: '', detail: [] };
    }
  }

  /**
   * Asks WeChat to check an image or an audio file (`wxa/media_check_async`, version 2) and records the check as
   * pending. The verdict arrives within 30 minutes as a `wxa_media_check` push (configure `push`), which the module
   * matches to the record and hands to the `@OnMediaCheckResult()` handlers once. Not repeated after a timeout: WeChat
   * may have started the check, and its verdict would then arrive for a trace id this call never saw (delivered with
   * `known: false`).
   * @returns the `traceId` the verdict will carry.
   * @throws WeChatInputError for input WeChat would refuse, before anything is sent.
   * @throws WeChatApiError e.g. 40004 (media type), 40003, 61010, 87020 (the same request repeated too often).
   * @throws WeChatUnavailableError
   */
  async checkMediaAsync(input: MediaCheckInput): Promise<MediaCheckStarted> {
    const body = mediaCheckBody(input);
    const traceId = readTraceId(await this.call('mediaCheckAsync', '/wxa/media_check_async', body, false));
    const details = { openId: input.openId, mediaUrl: input.mediaUrl, mediaType: input.mediaType };
    try {
      await this.checks.insert({ traceId, ...details, status: 'pending', label: null, resolvedAt: null });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The verdict came first (a fast check, a slow insert) and made a row of its own: it was delivered as not known.
      await this.checks.update({ traceId }, details);
      this.logger.warn(`the verdict of media check ${traceId} arrived before the check was recorded`);
    }
    return { traceId };
  }

  /** A POST of `body` with the access token in the query, as both APIs take it. */
  private call(api: string, path: string, body: object, idempotent: boolean): Promise<WeChatJson> {
    return this.wechat.withAccessToken((token) => ({ api, method: 'POST', path, query: { access_token: token }, body, idempotent }));
  }
}
