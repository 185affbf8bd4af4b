import { SimulatorInputError, controlBody, controlOk } from '../server/simulator-http';
import type { SimRequest, SimRoute } from '../server/simulator-http';
import type { LinksState } from './links-state';
import type { SimOpenLinkInput, SimPagesInput } from './links.interfaces';

/** The image of `POST /__sim/readCode`: the PNG itself, its base64, or `{ image }` with its base64. */
function imageOf(req: SimRequest): Buffer {
  if (req.body[0] === 0x89) return req.body;
  const text = req.body.toString('utf8').trim();
  const base64 = text.startsWith('{') ? controlBody(req).image : text;
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/=_-]+$/.test(base64)) {
    throw new SimulatorInputError('the body must be the PNG, its base64, or { image } with its base64');
  }
  return Buffer.from(base64, 'base64');
}

/**
 * The control calls of the link side, under `/__sim/`: the pages an app has, reading a code back, a user opening a link,
 * and the list of what was generated. Bad input throws {@link SimulatorInputError}, which the server turns into 400, 404
 * or 410.
 * @internal
 */
export function linksControlRoutes(links: LinksState): SimRoute[] {
  const appOf = (req: SimRequest) => req.query.get('appId') ?? undefined;
  return [
    { method: 'POST', path: '/__sim/pages', handler: (req) => controlOk(links.setPages(controlBody(req) as unknown as SimPagesInput)) },
    { method: 'GET', path: '/__sim/pages', handler: (req) => controlOk(links.pagesOf(links.sim.resolveApp(appOf(req)).appId)) },
    { method: 'POST', path: '/__sim/readCode', handler: (req) => controlOk(links.readCode(imageOf(req))) },
    {
      method: 'POST',
      path: '/__sim/openLink',
      handler: (req) => controlOk(links.openLink(controlBody(req) as unknown as SimOpenLinkInput)),
    },
    {
      method: 'GET',
      path: '/__sim/links',
      handler: (req) => {
        const appId = appOf(req);
        return controlOk({ links: links.list(appId === undefined ? undefined : links.sim.resolveApp(appId).appId) });
      },
    },
  ];
}
