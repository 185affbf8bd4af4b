import { SimulatorInputError, jsonResponse, parseJsonObject } from './simulator-http';
import type { SimRequest, SimResponse, SimRoute } from './simulator-http';
import type { SimulatorState } from './simulator-state';
import type { SimFault, SimLoginInput, SimPhoneCodeInput, SimUserInfoInput } from './simulator.interfaces';

/**
 * The control API under `/__sim/`, which plays the mini program user and steers the simulator. Bad input throws
 * {@link SimulatorInputError}, which the server turns into 400 or 404.
 * @internal
 */
export function controlRoutes(state: SimulatorState): SimRoute[] {
  // The state checks every field at run time, so the parsed bodies are handed over as the typed inputs.
  return [
    { method: 'GET', path: '/__sim/health', handler: () => ok({ ok: true }) },
    { method: 'GET', path: '/__sim/apps', handler: () => ok({ apps: [...state.apps.values()] }) },
    { method: 'POST', path: '/__sim/login', handler: (req) => ok(state.login(body(req) as SimLoginInput)) },
    { method: 'POST', path: '/__sim/userInfo', handler: (req) => ok(state.userInfo(body(req) as unknown as SimUserInfoInput)) },
    { method: 'POST', path: '/__sim/phoneCode', handler: (req) => ok(state.phoneCode(body(req) as unknown as SimPhoneCodeInput)) },
    { method: 'GET', path: '/__sim/faults', handler: () => ok({ faults: state.faults.map((f) => ({ ...f })) }) },
    { method: 'POST', path: '/__sim/faults', handler: (req) => ok(state.addFault(body(req) as SimFault)) },
    {
      method: 'DELETE',
      path: '/__sim/faults',
      handler: () => {
        state.faults.length = 0;
        return ok({ ok: true });
      },
    },
    { method: 'GET', path: '/__sim/calls', handler: () => ok({ calls: state.calls }) },
    {
      method: 'DELETE',
      path: '/__sim/calls',
      handler: () => {
        state.calls.length = 0;
        return ok({ ok: true });
      },
    },
    {
      method: 'POST',
      path: '/__sim/reset',
      handler: () => {
        state.reset();
        return ok({ ok: true });
      },
    },
  ];
}

function ok(value: unknown): SimResponse {
  return jsonResponse(200, value);
}

/** The JSON object body; an empty body is an empty object. */
function body(req: SimRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  const parsed = parseJsonObject(req.body);
  if (!parsed) throw new SimulatorInputError('the body must be a JSON object');
  return parsed;
}
