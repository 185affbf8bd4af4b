import { Injectable } from '@nestjs/common';
import { WeChatApiService } from '../wechat/wechat-api.service';
import type { WeChatJson, WeChatRequest } from '../wechat/wechat-http.client';
import { linkText, readLinkInfo, readVisitQuota } from './links-answers';
import { checkedLink, entryLinkParts, shortLinkBody, unlimitedCodeBody } from './links-input';
import type {
  EntryLinkInfo,
  EntryLinkOptions,
  LinkVisitQuota,
  MiniProgramCodeImage,
  ShortLinkOptions,
  UnlimitedCodeOptions,
} from './wechat-link.interfaces';

/**
 * Entry links into the mini program: mini program codes (小程序码) to print or show, URL Schemes and URL Links to open it
 * from SMS, e-mail and web pages, Short Links to paste inside WeChat, and what WeChat knows of a scheme or link. Input is
 * checked against WeChat's limits before anything is sent (`WeChatInputError` names every problem); WeChat's refusals are
 * `WeChatApiError`s (41030 page, 40165 path, 40212 query, 85401/85402 expiry, 40066 Short Link page, 85400 permanent
 * quota, 45009 daily quota, …).
 *
 * Generating is repeated after a timeout: a second code or link for the same page is harmless and counts against the
 * daily quota only. A permanent Short Link is not, as the permanent ones are limited to 100,000 in all.
 * @publicApi
 */
@Injectable()
export class WeChatLinkService {
  constructor(private readonly wechat: WeChatApiService) {}

  /**
   * A mini program code for any number of uses (`wxa/getwxacodeunlimit`): WeChat answers the image on success and JSON
   * on failure, told apart by the answer itself.
   * @throws WeChatInputError for options WeChat would refuse, before anything is sent.
   * @throws WeChatApiError e.g. 41030 (page not in the released version), 40169/40129 (scene), 45009 (rate).
   * @throws WeChatUnavailableError
   */
  async getUnlimitedCode(options: UnlimitedCodeOptions): Promise<MiniProgramCodeImage> {
    const body = unlimitedCodeBody(options);
    const answer = await this.wechat.withAccessTokenBinary(linkRequest('getUnlimitedQRCode', '/wxa/getwxacodeunlimit', body, true));
    return { contentType: answer.contentType, image: answer.body };
  }

  /**
   * A URL Scheme (`wxa/generatescheme`), `weixin://dl/business/?t=…`, that opens the mini program from outside WeChat.
   * @throws WeChatApiError e.g. 40165 (path), 40212 (query), 85401/85402 (expiry), 85079 (app not released).
   */
  async generateScheme(options: EntryLinkOptions = {}): Promise<string> {
    const { target, expiry } = entryLinkParts('generateScheme', options, Date.now());
    const json = await this.post('generateScheme', '/wxa/generatescheme', { jump_wxa: target, ...expiry });
    return linkText(json, 'openlink', 'generateScheme');
  }

  /**
   * What a URL Scheme opens, when it was made and when it expires (`wxa/queryscheme`).
   * @throws WeChatApiError e.g. 85403 (no such scheme).
   */
  async queryScheme(scheme: string): Promise<EntryLinkInfo> {
    const json = await this.post('queryScheme', '/wxa/queryscheme', { scheme: checkedLink('queryScheme', scheme), query_type: 0 });
    return readLinkInfo(json, 'scheme_info', 'queryScheme');
  }

  /** How many more times the app's URL Schemes and URL Links may be opened today (`wxa/queryscheme`, `query_type` 1). */
  async getLinkVisitQuota(): Promise<LinkVisitQuota> {
    return readVisitQuota(await this.post('getLinkVisitQuota', '/wxa/queryscheme', { query_type: 1 }), 'getLinkVisitQuota');
  }

  /**
   * A URL Link (`wxa/generate_urllink`), `https://wxaurl.cn/…`, that opens the mini program from a browser or inside
   * WeChat.
   * @throws WeChatApiError e.g. 40165 (path), 40212 (query), 85401/85402 (expiry), 85079 (app not released).
   */
  async generateUrlLink(options: EntryLinkOptions = {}): Promise<string> {
    const { target, expiry } = entryLinkParts('generateUrlLink', options, Date.now());
    const json = await this.post('generateUrlLink', '/wxa/generate_urllink', { ...target, ...expiry });
    return linkText(json, 'url_link', 'generateUrlLink');
  }

  /**
   * What a URL Link opens, when it was made and when it expires (`wxa/query_urllink`).
   * @throws WeChatApiError e.g. 85403 (no such link).
   */
  async queryUrlLink(urlLink: string): Promise<EntryLinkInfo> {
    const json = await this.post('queryUrlLink', '/wxa/query_urllink', { url_link: checkedLink('queryUrlLink', urlLink), query_type: 0 });
    return readLinkInfo(json, 'url_link_info', 'queryUrlLink');
  }

  /**
   * A Short Link (`wxa/genwxashortlink`), `#小程序://名称/标题/…`, that opens the page when pasted inside WeChat.
   * @throws WeChatApiError e.g. 40066 (page not in the released version), 85400 (100,000 permanent links reached).
   */
  async generateShortLink(options: ShortLinkOptions): Promise<string> {
    const body = shortLinkBody(options);
    const json = await this.post('generateShortLink', '/wxa/genwxashortlink', body, body.is_permanent !== true);
    return linkText(json, 'link', 'generateShortLink');
  }

  private post(api: string, path: string, body: object, idempotent = true): Promise<WeChatJson> {
    return this.wechat.withAccessToken(linkRequest(api, path, body, idempotent));
  }
}

/** A link API's request: a JSON body POSTed with the access token in the query. */
function linkRequest(api: string, path: string, body: object, idempotent: boolean): (accessToken: string) => WeChatRequest {
  return (accessToken) => ({ api, method: 'POST', path, query: { access_token: accessToken }, body, idempotent });
}
