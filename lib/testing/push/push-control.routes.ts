import { controlBody, controlOk } from '../server/simulator-http';
import type { SimRoute } from '../server/simulator-http';
import type { PushState } from './push-state';
import type { SimPushConfig, SimPushInput } from './push.interfaces';

/**
 * The control API of the message push side, under `/__sim/` on the mini program server: configuring an app's push,
 * WeChat pushing a message (or a variant of it), the URL check, and the reports of every delivery.
 * @internal
 */
export function pushControlRoutes(push: PushState): SimRoute[] {
  // The push state checks every field at run time, so the parsed bodies are handed over as the typed inputs.
  return [
    {
      method: 'POST',
      path: '/__sim/pushConfig',
      handler: (req) => {
        const body = controlBody(req);
        return controlOk(push.configure(body as unknown as SimPushConfig, body.appId as string | undefined));
      },
    },
    { method: 'GET', path: '/__sim/pushConfig', handler: () => controlOk({ configs: push.settings() }) },
    {
      method: 'POST',
      path: '/__sim/push',
      handler: async (req) => controlOk({ pushes: await push.push(controlBody(req) as unknown as SimPushInput) }),
    },
    { method: 'GET', path: '/__sim/pushes', handler: () => controlOk({ pushes: push.list() }) },
    {
      method: 'DELETE',
      path: '/__sim/pushes',
      handler: () => {
        push.clear();
        return controlOk({ ok: true });
      },
    },
    {
      method: 'POST',
      path: '/__sim/pushCheck',
      handler: async (req) => controlOk(await push.checkUrl(controlBody(req).appId as string | undefined)),
    },
  ];
}
