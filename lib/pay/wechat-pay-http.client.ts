import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import * as http from 'node:http';
import * as https from 'node:https';
import { WeChatUnavailableError } from '../errors/wechat-api.error';
import { WeChatPayInputError } from '../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions } from '../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { isTimeoutError, networkErrorCode } from '../utils/retry.util';
import { payOptionsFor } from './pay-options.util';

/** An answer of the pay API. @internal */
export interface PayHttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Largest answer read (bills can be large). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Sends WeChat Pay requests (v2 XML, v3 JSON) over keep-alive connections, presenting the merchant's client
 * certificate (mutual TLS) on the APIs that require it, with a timeout on every call.
 * @internal
 */
@Injectable()
export class WeChatPayHttpClient implements OnModuleDestroy {
  private readonly agents = new Map<'plain' | 'cert', http.Agent>();

  constructor(@Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions) {}

  onModuleDestroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  post(api: string, path: string, xml: string, { cert }: { cert: boolean }): Promise<PayHttpResponse> {
    const pay = payOptionsFor(this.options, api);
    if (cert && !pay.clientCert) {
      throw new WeChatPayInputError(api, ['this API needs the merchant API client certificate: set pay.clientCert']);
    }
    return this.send(api, {
      method: 'POST',
      url: new URL(pay.baseUrl + path),
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: Buffer.from(xml, 'utf8'),
      cert,
      rejectHttpErrors: true,
    });
  }

  /**
   * One request of API v3 (no client certificate): `path` is relative to `pay.baseUrl`, or an absolute URL (a bill's
   * `download_url`). HTTP error statuses are returned, not thrown: v3 explains them in a JSON body.
   */
  request(
    api: string,
    method: string,
    pathOrUrl: string,
    headers: Record<string, string>,
    body?: Buffer,
  ): Promise<PayHttpResponse & { url: URL }> {
    const pay = payOptionsFor(this.options, api);
    const url = /^https?:\/\//i.test(pathOrUrl) ? new URL(pathOrUrl) : new URL(pay.baseUrl + pathOrUrl);
    return this.send(api, { method, url, headers, body, cert: false, rejectHttpErrors: false }).then((res) => ({ ...res, url }));
  }

  private send(
    api: string,
    r: { method: string; url: URL; headers: Record<string, string>; body?: Buffer; cert: boolean; rejectHttpErrors: boolean },
  ): Promise<PayHttpResponse> {
    const pay = this.options.pay!;
    const url = r.url;
    const transport = url.protocol === 'http:' ? http : https;
    const timeoutMs = this.options.http.timeoutMs;

    return new Promise<PayHttpResponse>((resolve, reject) => {
      const fail = (error: unknown) => {
        if (isTimeoutError(error) || (error as { code?: string }).code === 'ETIMEDOUT') {
          reject(new WeChatUnavailableError(api, 'timeout', `no answer within ${timeoutMs} ms`, undefined, { cause: error }));
        } else {
          reject(new WeChatUnavailableError(api, 'network', networkErrorCode(error) ?? 'request failed', undefined, { cause: error }));
        }
      };
      const body = r.body;
      const req = transport.request(
        url,
        {
          method: r.method,
          agent: this.agent(pay, url.protocol === 'http:' ? 'http' : 'https', r.cert),
          headers: { ...r.headers, ...(body ? { 'content-length': body.length } : {}) },
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy();
              reject(new WeChatUnavailableError(api, 'invalid-response', 'the answer is too large'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 400 && r.rejectHttpErrors) {
              reject(new WeChatUnavailableError(api, 'http', `HTTP ${status}`, status));
            } else {
              resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
            }
          });
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  private agent(pay: ResolvedPayOptions, protocol: 'http' | 'https', cert: boolean): http.Agent {
    const kind = cert ? 'cert' : 'plain';
    let agent = this.agents.get(kind);
    if (!agent) {
      if (protocol === 'http') {
        agent = new http.Agent({ keepAlive: true });
      } else {
        const tls: https.AgentOptions = { keepAlive: true, ...(pay.ca ? { ca: pay.ca } : {}) };
        if (cert && pay.clientCert) {
          Object.assign(
            tls,
            'pfx' in pay.clientCert ? { pfx: pay.clientCert.pfx, passphrase: pay.clientCert.passphrase ?? pay.mchId } : pay.clientCert,
          );
        }
        agent = new https.Agent(tls);
      }
      this.agents.set(kind, agent);
    }
    return agent;
  }
}
