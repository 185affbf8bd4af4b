import { loginStateSignature } from '../../crypto/user-data.crypto';
import { safeEqual } from '../../crypto/safe-equal.util';
import { WeChatErrcode } from '../server/simulator.constants';
import { nonEmptyString, parseJsonObject, wechatError, wechatSuccess } from '../server/simulator-http';
import type { SimRequest, SimResponse, SimRoute } from '../server/simulator-http';
import type { SimulatorState, WeChatOutcome } from '../server/simulator-state';
import type { SimulatorApp } from '../server/simulator.interfaces';

/**
 * The mini program APIs of `api.weixin.qq.com`: login, access tokens, login-state check and phone numbers.
 * @internal
 */
export function miniProgramRoutes(state: SimulatorState): SimRoute[] {
  return [
    { method: 'GET', path: '/sns/jscode2session', handler: (req) => jscode2session(state, req) },
    { method: 'POST', path: '/cgi-bin/stable_token', handler: (req) => stableToken(state, req) },
    { method: 'GET', path: '/cgi-bin/token', handler: (req) => basicToken(state, req) },
    { method: 'GET', path: '/wxa/checksession', handler: (req) => checkSession(state, req) },
    { method: 'POST', path: '/wxa/business/getuserphonenumber', handler: (req) => userPhoneNumber(state, req) },
  ];
}

function jscode2session(state: SimulatorState, req: SimRequest): SimResponse {
  const q = req.query;
  const app = appCredentials(state, q.get('appid'), q.get('secret'));
  if (!app.ok) return wechatError(app.errcode, { appId: q.get('appid') ?? undefined });
  const appId = app.value.appId;
  if (q.get('grant_type') !== 'authorization_code') return wechatError(WeChatErrcode.INVALID_GRANT_TYPE, { appId });
  const code = nonEmptyString(q.get('js_code'));
  if (code === undefined) return wechatError(WeChatErrcode.CODE_MISSING, { appId });
  const session = state.exchangeLoginCode(appId, code);
  if (!session.ok) return wechatError(session.errcode, { appId });
  const { openId, sessionKey, unionId } = session.value;
  return wechatSuccess(
    { session_key: sessionKey, openid: openId, ...(unionId ? { unionid: unionId } : {}) },
    appId,
    state.config.successErrcode,
  );
}

function stableToken(state: SimulatorState, req: SimRequest): SimResponse {
  const body = parseJsonObject(req.body);
  if (!body) return wechatError(WeChatErrcode.DATA_FORMAT_ERROR);
  const appIdGiven = typeof body.appid === 'string' ? body.appid : undefined;
  if (body.grant_type !== 'client_credential') return wechatError(WeChatErrcode.INVALID_GRANT_TYPE, { appId: appIdGiven });
  const app = appCredentials(state, body.appid, body.secret);
  if (!app.ok) return wechatError(app.errcode, { appId: appIdGiven });
  const appId = app.value.appId;
  if (body.force_refresh !== undefined && typeof body.force_refresh !== 'boolean') {
    return wechatError(WeChatErrcode.DATA_FORMAT_ERROR, { appId });
  }
  const { token, expiresIn } = state.accessToken(appId, 'stable', body.force_refresh === true);
  return wechatSuccess({ access_token: token, expires_in: expiresIn }, appId, state.config.successErrcode);
}

function basicToken(state: SimulatorState, req: SimRequest): SimResponse {
  const q = req.query;
  if (q.get('grant_type') !== 'client_credential') {
    return wechatError(WeChatErrcode.INVALID_GRANT_TYPE, { appId: q.get('appid') ?? undefined });
  }
  const app = appCredentials(state, q.get('appid'), q.get('secret'));
  if (!app.ok) return wechatError(app.errcode, { appId: q.get('appid') ?? undefined });
  const appId = app.value.appId;
  const { token, expiresIn } = state.accessToken(appId, 'basic', true);
  return wechatSuccess({ access_token: token, expires_in: expiresIn }, appId, state.config.successErrcode);
}

function checkSession(state: SimulatorState, req: SimRequest): SimResponse {
  const q = req.query;
  const auth = state.checkAccessToken(nonEmptyString(q.get('access_token')));
  if (!auth.ok) return wechatError(auth.errcode);
  const appId = auth.value.appId;
  const openId = nonEmptyString(q.get('openid'));
  const signature = nonEmptyString(q.get('signature'));
  const user = openId === undefined ? undefined : state.user(appId, openId);
  const valid =
    user !== undefined &&
    signature !== undefined &&
    q.get('sig_method') === 'hmac_sha256' &&
    safeEqual(signature, loginStateSignature(user.sessionKey));
  if (!valid) return wechatError(WeChatErrcode.INVALID_SIGNATURE, { appId });
  return wechatSuccess({}, appId, true);
}

function userPhoneNumber(state: SimulatorState, req: SimRequest): SimResponse {
  const auth = state.checkAccessToken(nonEmptyString(req.query.get('access_token')));
  if (!auth.ok) return wechatError(auth.errcode);
  const appId = auth.value.appId;
  const body = parseJsonObject(req.body);
  if (!body) return wechatError(WeChatErrcode.DATA_FORMAT_ERROR, { appId });
  const code = nonEmptyString(body.code);
  if (code === undefined) return wechatError(WeChatErrcode.INVALID_CODE, { appId });
  if (body.openid !== undefined && typeof body.openid !== 'string') {
    return wechatError(WeChatErrcode.INVALID_OPENID, { appId });
  }
  const phone = state.consumePhoneCode(appId, code, body.openid);
  if (!phone.ok) return wechatError(phone.errcode, { appId });
  const { countryCode, purePhoneNumber } = phone.value;
  return wechatSuccess(
    {
      phone_info: {
        phoneNumber: countryCode === '86' ? purePhoneNumber : `+${countryCode}${purePhoneNumber}`,
        purePhoneNumber,
        countryCode,
        watermark: { timestamp: Math.floor(state.now() / 1000), appid: appId },
      },
    },
    appId,
    true,
  );
}

/** Checks an appid/secret pair in WeChat's order: appid missing, unknown, secret missing, wrong. */
function appCredentials(state: SimulatorState, appId: unknown, secret: unknown): WeChatOutcome<SimulatorApp> {
  const id = nonEmptyString(appId);
  if (id === undefined) return { ok: false, errcode: WeChatErrcode.APPID_MISSING };
  const app = state.apps.get(id);
  if (!app) return { ok: false, errcode: WeChatErrcode.INVALID_APPID };
  const given = nonEmptyString(secret);
  if (given === undefined) return { ok: false, errcode: WeChatErrcode.APPSECRET_MISSING };
  if (!state.secretMatches(app, given)) return { ok: false, errcode: WeChatErrcode.INVALID_APPSECRET };
  return { ok: true, value: app };
}
