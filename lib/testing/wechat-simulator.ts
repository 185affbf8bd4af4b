import { SimulatorProfitSharingFront } from './front/simulator-profit-sharing.front';

/**
 * A local fake of WeChat's servers for development and end-to-end tests: the mini program APIs of
 * `api.weixin.qq.com` (HTTP) with a control API under `/__sim/` that plays the user, and the WeChat Pay API v2 of
 * `api.mch.weixin.qq.com` on a second server (HTTPS with the development certificates, client certificates checked
 * on the certificate APIs), with the API v3 (`/v3/...`, signed JSON) beside it on the same server and the same orders
 * and refunds. It also plays WeChat's message push (消息推送) to the app's push URL, each paid order's shipping state,
 * subscribe messages and the user's consent, customer-service sessions, entry links, content checks and merchant
 * transfers with the user's confirmation and profit sharing (分账). Notifications
 * and pushes are only ever delivered to loopback addresses.
 * @publicApi
 */
export class WeChatSimulator extends SimulatorProfitSharingFront {}
