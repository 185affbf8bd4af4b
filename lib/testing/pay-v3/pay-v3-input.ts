import { httpUrl } from '../pay/pay-request';
import { isPlainObject } from '../server/simulator-http';
import { PayV3Error } from './pay-v3-request';
import type { V3Context } from './pay-v3-request';

/** A `PARAM_ERROR` naming the field by its JSON pointer, worded as WeChat's. @internal */
export function paramError(pointer: string, detail: string): PayV3Error {
  return new PayV3Error(400, 'PARAM_ERROR', `输入源“${pointer}”映射到值字段“${pointer.split('/').pop()}”${detail}`);
}

/** The request body, which must be a JSON object. @internal */
export function jsonBody(ctx: V3Context): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(ctx.body.toString('utf8'));
  } catch {
    throw new PayV3Error(400, 'PARAM_ERROR', '请求体不是合法的JSON');
  }
  if (!isPlainObject(value)) throw new PayV3Error(400, 'PARAM_ERROR', '请求体必须是JSON对象');
  return value;
}

/** A required string field, checked by `valid` when given. @internal */
export function str(obj: Record<string, unknown>, name: string, pointer: string, valid?: (v: string) => boolean): string {
  const value = obj[name];
  if (value === undefined || value === null || value === '') throw paramError(`${pointer}/${name}`, '必填性规则校验失败，此字段为必填项');
  if (typeof value !== 'string') throw paramError(`${pointer}/${name}`, '类型校验失败，应为字符串');
  if (valid && !valid(value)) throw paramError(`${pointer}/${name}`, '格式校验失败');
  return value;
}

/** An optional string field, checked as {@link str} when present. @internal */
export function optStr(obj: Record<string, unknown>, name: string, pointer: string, valid?: (v: string) => boolean): string | undefined {
  return obj[name] === undefined ? undefined : str(obj, name, pointer, valid);
}

/** A required object field. @internal */
export function obj(parent: Record<string, unknown>, name: string, pointer: string): Record<string, unknown> {
  const value = parent[name];
  if (value === undefined || value === null) throw paramError(`${pointer}/${name}`, '必填性规则校验失败，此字段为必填项');
  if (!isPlainObject(value)) throw paramError(`${pointer}/${name}`, '类型校验失败，应为对象');
  return value;
}

/** A required amount in fen: a positive integer. @internal */
export function fen(parent: Record<string, unknown>, name: string, pointer: string): number {
  const value = parent[name];
  if (value === undefined || value === null) throw paramError(`${pointer}/${name}`, '必填性规则校验失败，此字段为必填项');
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 99_999_999_999) {
    throw paramError(`${pointer}/${name}`, '数值校验失败，应为正整数（单位：分）');
  }
  return value;
}

/** The `currency` of an amount, which can only be CNY. @internal */
export function currency(parent: Record<string, unknown>, pointer: string, required: boolean): void {
  if (!required && parent.currency === undefined) return;
  str(parent, 'currency', pointer, (v) => v === 'CNY');
}

/** Whether `value` is a notify URL WeChat would accept. @internal */
export function notifyUrl(value: string): boolean {
  // WeChat requires https; the simulator accepts http too, so that local listeners need no certificate.
  return httpUrl(value) && new URL(value).search === '';
}

/** The `mchid` of the query string, which must be the authenticated merchant's. @internal */
export function queryMchId(ctx: V3Context): void {
  const mchid = ctx.query.get('mchid');
  if (mchid === null || mchid === '') throw paramError('/query/mchid', '必填性规则校验失败，此字段为必填项');
  if (mchid !== ctx.merchant.merchant.mchId) throw new PayV3Error(400, 'PARAM_ERROR', 'mchid与请求签名的商户号不一致');
}

/** The `mchid` of the body, which must be the authenticated merchant's. @internal */
export function bodyMchId(ctx: V3Context, body: Record<string, unknown>): void {
  const mchid = str(body, 'mchid', '/body');
  if (mchid !== ctx.merchant.merchant.mchId) throw new PayV3Error(400, 'PARAM_ERROR', 'mchid与请求签名的商户号不一致');
}
