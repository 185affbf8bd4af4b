import { controlRoutes } from '../control/control.routes';
import { payControlRoutes } from '../control/pay-control.routes';
import { miniProgramRoutes } from '../mini-program/mini-program.routes';
import type { PayState } from '../pay/pay-state';
import { answerPay, fail as payFail, payRoutes } from '../pay/pay.routes';
import type { PayRoute } from '../pay/pay.routes';
import type { PayV3State } from '../pay-v3/pay-v3-state';
import { answerPayV3, payV3ControlRoutes } from '../pay-v3/pay-v3.routes';
import { pushControlRoutes } from '../push/push-control.routes';
import type { PushState } from '../push/push-state';
import { WeChatErrcode } from './simulator.constants';
import { SimulatorInputError, controlError, jsonResponse, wechatError, wrongMethod } from './simulator-http';
import type { SimRequest, SimResponse, SimRoute, SimRouteHandler } from './simulator-http';
import type { SimulatorState } from './simulator-state';

/**
 * The simulator's route tables and how a request reaches its handler: the JSON routes (the mini program APIs and the
 * control API, message push included) by path and method, the WeChat Pay API v2 by path, the API v3 through its own
 * dispatcher. A handler that throws is logged and answered as the API it stands in for answers an internal error, so a
 * bug in one route never takes the server down.
 * @internal
 */
export class SimulatorRouter {
  private readonly routes = new Map<string, Map<string, SimRouteHandler>>();
  private readonly payRouteTable = new Map<string, PayRoute>();

  /** Mounts every route group; `payUrl` gives the pay server's URL once started. */
  constructor(
    state: SimulatorState,
    private readonly payState: PayState,
    private readonly payV3: PayV3State,
    push: PushState,
    payUrl: () => string | undefined,
    private readonly log: (line: string) => void,
  ) {
    this.addRoutes(miniProgramRoutes(state));
    this.addRoutes(controlRoutes(state));
    this.addRoutes(payControlRoutes(payState, payUrl));
    this.addRoutes(payV3ControlRoutes(payV3));
    this.addRoutes(pushControlRoutes(push));
    for (const route of payRoutes(payState)) this.payRouteTable.set(route.path, route);
  }

  /** Adds JSON routes to the table; a second handler for one method and path is a bug, so it throws. */
  addRoutes(routes: readonly SimRoute[]): void {
    for (const route of routes) {
      let byMethod = this.routes.get(route.path);
      if (!byMethod) this.routes.set(route.path, (byMethod = new Map()));
      if (byMethod.has(route.method)) throw new Error(`Duplicate simulator route ${route.method} ${route.path}`);
      byMethod.set(route.method, route.handler);
    }
  }

  /** Answers a mini program API call as WeChat would: errcode 40066 for an unknown path, -1 for a broken handler. */
  async dispatchApi(request: SimRequest): Promise<SimResponse> {
    const byMethod = this.routes.get(request.path);
    if (!byMethod) return wechatError(WeChatErrcode.INVALID_URL, { status: 404 });
    const handler = byMethod.get(request.method);
    if (!handler) return wrongMethod([...byMethod.keys()]);
    try {
      return await handler(request);
    } catch (error) {
      this.log(`${request.method} ${request.path} failed: ${describeError(error)}`);
      return jsonResponse(500, { errcode: -1, errmsg: 'simulator internal error' }, { errcode: -1 });
    }
  }

  /** Answers a control API call: plain HTTP statuses, and a {@link SimulatorInputError}'s own status for bad input. */
  async dispatchControl(request: SimRequest): Promise<SimResponse> {
    const byMethod = this.routes.get(request.path);
    if (!byMethod) return controlError(404, `no control route ${request.path}`);
    const handler = byMethod.get(request.method);
    if (!handler) {
      const response = controlError(405, `${request.method} not allowed on ${request.path}`);
      response.headers = { allow: [...byMethod.keys()].join(', ') };
      return response;
    }
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof SimulatorInputError) return controlError(error.status, error.message);
      this.log(`${request.method} ${request.path} failed: ${describeError(error)}`);
      return controlError(500, 'simulator internal error');
    }
  }

  /**
   * Answers a WeChat Pay API v3 call (`target` is the request target with its query, which v3 signs); a broken
   * handler gets v3's `SYSTEM_ERROR`.
   */
  dispatchPayV3(request: SimRequest, target: string, payUrl: string, payErrCode: string | undefined): SimResponse {
    try {
      return answerPayV3(this.payV3, request.method, target, request.headers, request.body, payUrl, payErrCode);
    } catch (error) {
      this.log(`${request.method} ${request.path} failed: ${describeError(error)}`);
      return {
        status: 500,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({ code: 'SYSTEM_ERROR', message: '系统错误' }),
      };
    }
  }

  /** Answers a WeChat Pay API v2 call; a broken handler gets a `return_code FAIL` with HTTP 500. */
  async dispatchPayV2(request: SimRequest, payErrCode: string | undefined): Promise<SimResponse> {
    try {
      return await answerPay(this.payState, this.payRouteTable.get(request.path), request, payErrCode);
    } catch (error) {
      this.log(`${request.method} ${request.path} failed: ${describeError(error)}`);
      return { ...payFail('simulator internal error'), status: 500 };
    }
  }
}

/** An error as one log line: its name and message, never its stack. @internal */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
