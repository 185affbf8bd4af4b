import { controlBody, controlOk } from '../server/simulator-http';
import type { SimRoute } from '../server/simulator-http';
import type { SimulatorState } from '../server/simulator-state';
import type { SimLoginInput, SimPhoneCodeInput, SimUserInfoInput } from '../mini-program/mini-program.interfaces';
import type { SimFault } from '../server/simulator.interfaces';

/**
 * The control API under `/__sim/`, which plays the mini program user and steers the simulator. Bad input throws
 * {@link SimulatorInputError}, which the server turns into 400 or 404.
 * @internal
 */
export function controlRoutes(state: SimulatorState): SimRoute[] {
  // The state checks every field at run time, so the parsed bodies are handed over as the typed inputs.
  return [
    { method: 'GET', path: '/__sim/health', handler: () => controlOk({ ok: true }) },
    { method: 'GET', path: '/__sim/apps', handler: () => controlOk({ apps: [...state.apps.values()] }) },
    { method: 'POST', path: '/__sim/login', handler: (req) => controlOk(state.login(controlBody(req) as SimLoginInput)) },
    {
      method: 'POST',
      path: '/__sim/userInfo',
      handler: (req) => controlOk(state.userInfo(controlBody(req) as unknown as SimUserInfoInput)),
    },
    {
      method: 'POST',
      path: '/__sim/phoneCode',
      handler: (req) => controlOk(state.phoneCode(controlBody(req) as unknown as SimPhoneCodeInput)),
    },
    { method: 'GET', path: '/__sim/faults', handler: () => controlOk({ faults: state.faults.map((f) => ({ ...f })) }) },
    { method: 'POST', path: '/__sim/faults', handler: (req) => controlOk(state.addFault(controlBody(req) as SimFault)) },
    {
      method: 'DELETE',
      path: '/__sim/faults',
      handler: () => {
        state.faults.length = 0;
        return controlOk({ ok: true });
      },
    },
    { method: 'GET', path: '/__sim/calls', handler: () => controlOk({ calls: state.calls }) },
    {
      method: 'DELETE',
      path: '/__sim/calls',
      handler: () => {
        state.calls.length = 0;
        return controlOk({ ok: true });
      },
    },
    {
      method: 'POST',
      path: '/__sim/reset',
      handler: () => {
        state.reset();
        return controlOk({ ok: true });
      },
    },
  ];
}
