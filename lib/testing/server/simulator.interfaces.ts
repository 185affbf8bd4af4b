import type { SimPayV3Mode } from '../pay-v3/pay-v3.interfaces';
import type { SimulatorMerchant } from '../pay/pay.interfaces';
import type { SimPushConfig } from '../push/push.interfaces';

/**
 * A mini program known to the simulator.
 * @publicApi
 */
export interface SimulatorApp {
  appId: string;
  appSecret: string;
  /**
   * The app's original id (原始ID, `gh_…`), the `ToUserName` of its message pushes. When absent, configuring a push
   * gives the app one made from its AppID.
   */
  originalId?: string;
}

/**
 * How a {@link WeChatSimulator} listens and behaves.
 * @publicApi
 */
export interface WeChatSimulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. The CLI defaults to 3001. */
  port?: number;
  /** Interface to listen on, `127.0.0.1` by default. */
  host?: string;
  /** Known mini programs; the first is the default app of the control API. Default: the development app. */
  apps?: SimulatorApp[];
  /** Lifetime of login codes and phone codes in seconds, 300 by default. */
  codeTtlSeconds?: number;
  /** Lifetime of access tokens in seconds, 7200 by default. */
  accessTokenTtlSeconds?: number;
  /**
   * Whether successful `jscode2session`, `stable_token` and `token` answers carry `errcode: 0, errmsg: 'ok'`
   * (real WeChat does both); `absent` by default. `checksession` and `getuserphonenumber` always carry them.
   */
  successErrcode?: 'absent' | 'zero';
  /** Receives one line per request and per internal error; never given secrets or session keys. */
  logger?: (line: string) => void;
  /** HTTPS port of the WeChat Pay API (same host); 0 (the default) picks a free one. The CLI defaults to 3002. */
  payPort?: number;
  /**
   * Known WeChat Pay merchants. Default: the development merchant `1900000109`, bound to the first app (which is
   * exactly `SIMULATOR_DEV_MERCHANT` with the default apps). Only `1900000109` has a client certificate. Only merchants
   * with `v3` credentials can call the API v3 (`/v3/...`) routes.
   */
  merchants?: SimulatorMerchant[];
  /**
   * Multiplies every simulated delay: notification and message push retries, refund settlement and `prepay_id` expiry
   * (not the 5 s timeout of one attempt). 1 by default; e.g. 0.001 in tests.
   */
  timeScale?: number;
  /** Delay between accepting a refund (PROCESSING) and settling it (SUCCESS), before the time scale; 1000 by default. */
  refundDelayMs?: number;
  /**
   * How the WeChat Pay API v3 signs answers and notifications, `public-key` by default; switchable at run time with
   * `POST /__sim/v3`.
   */
  payV3Mode?: SimPayV3Mode;
  /**
   * Where and how the simulator pushes the first app's messages (消息推送); other apps' with `configurePush`. Without
   * it no app has a push until one is configured.
   */
  push?: SimPushConfig;
}

/**
 * A misbehaviour injected into the WeChat API paths (never into `/__sim/`).
 * @publicApi
 */
export interface SimFault {
  /** Exact API path such as `/sns/jscode2session`, or `*` (the default) for every API path. */
  path?: string;
  /** How many matching calls it affects, 1 by default. */
  count?: number;
  /** Wait this long before answering (or before applying the other effects). */
  delayMs?: number;
  /** Answer with this HTTP status and a short text body (a JSON error body when `errcode` is also given). */
  status?: number;
  /** Answer `{errcode, errmsg}` (HTTP 200 unless `status` is given). */
  errcode?: number;
  /** The `errmsg` for `errcode`, sent as given; WeChat's wording plus a rid when absent. */
  errmsg?: string;
  /** Destroy the connection without answering. */
  close?: boolean;
  /**
   * WeChat Pay API paths only: answer a well-formed, correctly signed request with `result_code FAIL` and this
   * `err_code` (e.g. `SYSTEMERROR`), signed. `errcode`/`errmsg` never apply to the XML APIs and `payErrCode` never
   * applies to the JSON APIs; a fault with no effect on a path's kind of API is not used up by it. On the API v3 paths
   * (`/v3/...`) an authenticated request is answered with this v3 error code instead, signed (`SYSTEMERROR` → 500
   * `SYSTEM_ERROR`, `FREQUENCY_LIMITED` → 429, `NOAUTH` → 403, `ORDERNOTEXIST` → 404 `ORDER_NOT_EXIST`, others 400).
   */
  payErrCode?: string;
}

/**
 * A registered fault: its id, path and how many calls it will still affect.
 * @publicApi
 */
export type SimActiveFault = SimFault & { id: string; path: string; count: number };

/**
 * One WeChat API call the simulator received.
 * @publicApi
 */
export interface SimCall {
  method: string;
  /** The path without query string (queries carry secrets). */
  path: string;
  /** The app the call was for, when it could be told. */
  appId?: string;
  /** When it arrived, in epoch milliseconds. */
  at: number;
  /** The HTTP status answered; 0 while unanswered (e.g. held by a delay) or when a fault closed the connection. */
  status: number;
  /** The `errcode` answered, when the answer had one. */
  errcode?: number;
  /** The id of the fault that shaped the answer. */
  faultId?: string;
  /** WeChat Pay calls: the merchant, when it could be told. */
  mchId?: string;
  /** WeChat Pay calls: the `return_code` answered. */
  returnCode?: string;
  /** WeChat Pay calls: the `err_code` of a `result_code FAIL` answer. */
  errCode?: string;
}
