import { MAX_FAULT_DELAY_MS } from './simulator.constants';
import { SimulatorInputError } from './simulator-http';
import { asInput } from './simulator-input';
import type { SimActiveFault } from './simulator.interfaces';

/**
 * A fault as given to `POST /__sim/faults` or `addFault()`, checked field by field (it may come straight from a JSON
 * body) and given its id. A fault that would change nothing is refused rather than silently used up.
 * @internal
 */
export function validateFault(input: unknown, id: string): SimActiveFault {
  const raw = asInput(input);
  const known = new Set(['path', 'count', 'delayMs', 'status', 'errcode', 'errmsg', 'close', 'payErrCode']);
  const unknown = Object.keys(raw).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new SimulatorInputError(`unknown fault fields: ${unknown.join(', ')}`);

  const path = raw.path ?? '*';
  if (typeof path !== 'string' || (path !== '*' && !path.startsWith('/'))) {
    throw new SimulatorInputError("path must be '*' or an API path starting with '/'");
  }
  if (path === '/__sim' || path.startsWith('/__sim/')) throw new SimulatorInputError('faults never apply to /__sim/');
  const count = raw.count ?? 1;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw new SimulatorInputError('count must be a positive integer');
  }
  const fault: SimActiveFault = { id, path, count };
  if (raw.delayMs !== undefined) {
    if (typeof raw.delayMs !== 'number' || !Number.isFinite(raw.delayMs) || raw.delayMs < 0 || raw.delayMs > MAX_FAULT_DELAY_MS) {
      throw new SimulatorInputError(`delayMs must be a number from 0 to ${MAX_FAULT_DELAY_MS}`);
    }
    fault.delayMs = raw.delayMs;
  }
  if (raw.status !== undefined) {
    if (typeof raw.status !== 'number' || !Number.isInteger(raw.status) || raw.status < 200 || raw.status > 599) {
      throw new SimulatorInputError('status must be an integer HTTP status from 200 to 599');
    }
    fault.status = raw.status;
  }
  if (raw.errcode !== undefined) {
    if (typeof raw.errcode !== 'number' || !Number.isSafeInteger(raw.errcode)) {
      throw new SimulatorInputError('errcode must be an integer');
    }
    fault.errcode = raw.errcode;
  }
  if (raw.errmsg !== undefined) {
    if (typeof raw.errmsg !== 'string') throw new SimulatorInputError('errmsg must be a string');
    if (fault.errcode === undefined) throw new SimulatorInputError('errmsg needs errcode');
    fault.errmsg = raw.errmsg;
  }
  if (raw.close !== undefined) {
    if (typeof raw.close !== 'boolean') throw new SimulatorInputError('close must be a boolean');
    fault.close = raw.close;
  }
  if (raw.payErrCode !== undefined) {
    if (typeof raw.payErrCode !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(raw.payErrCode)) {
      throw new SimulatorInputError('payErrCode must be an upper-case WeChat Pay err_code such as SYSTEMERROR');
    }
    fault.payErrCode = raw.payErrCode;
  }
  if (
    fault.delayMs === undefined &&
    fault.status === undefined &&
    fault.errcode === undefined &&
    fault.payErrCode === undefined &&
    !fault.close
  ) {
    throw new SimulatorInputError('a fault needs at least one of delayMs, status, errcode, payErrCode or close');
  }
  return fault;
}

/**
 * Whether a fault has an effect on a kind of API: delays, statuses and closes on both, `errcode` only on the JSON
 * APIs, `payErrCode` only on the pay APIs.
 * @internal
 */
export function faultApplies(fault: SimActiveFault, api: 'json' | 'pay'): boolean {
  if (fault.delayMs !== undefined || fault.status !== undefined || fault.close) return true;
  return api === 'json' ? fault.errcode !== undefined : fault.payErrCode !== undefined;
}
