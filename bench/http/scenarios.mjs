// The HTTP scenarios and the data they need: logged-in users (tokens), single-use login codes, encrypted profiles,
// orders, prepaid orders and signed payment notifications, all made through the simulator's control API and the app
// itself before the timed run.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { buildPayXml, payV2Sign } = require('../../dist/index.js');
const { SIMULATOR_DEV_MERCHANT } = require('../../dist/testing/index.js');

/** In the order they run. */
export const SCENARIOS = ['health', 'guardedHealth', 'guarded', 'login', 'updateUserInfo', 'order', 'pay', 'notify'];

const ACK = '<return_code><![CDATA[SUCCESS]]></return_code>';
/** Login codes the simulator keeps (its STORE_LIMIT is 10,000, oldest dropped first), with a margin. */
const MAX_LOGIN_CODES = 9_000;
/** Request rates assumed before a warm-up has measured one, only to size the first pools. */
const GUESSED_RATE = { login: 300, order: 1_000, pay: 400, notify: 600 };
/** Concurrency of the setup requests. */
const SETUP_CONCURRENCY = 32;

// ------------------------------------------------------------------------------------------------- setup requests

async function call(method, url, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Token ${token}`;
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`setup: ${method} ${new URL(url).pathname} answered ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Runs `fn` over `items` with at most `limit` at a time; results in order. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let index = 0;
  const worker = async () => {
    while (index < items.length) {
      const i = index++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A FIFO of single-use items. */
class Queue {
  items = [];
  head = 0;
  get size() {
    return this.items.length - this.head;
  }
  push(item) {
    this.items.push(item);
  }
  shift() {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  clear() {
    this.items = [];
    this.head = 0;
  }
}

/** The sample app numbers its WeChat Pay orders after the pickup order (sample-app/src/orders.service.ts). */
const outTradeNoOf = (orderId) => `pickup${String(orderId).padStart(6, '0')}`;

/** Beijing time, yyyyMMddHHmmss, as WeChat writes time_end. */
function beijingTimeEnd(date = new Date()) {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
}

/**
 * The data of one app under test. Users A (`users`) hold the tokens of the guarded, profile and order scenarios;
 * users B (`loginOpenIds`) are the ones the login scenario logs in again and again, so their session keys may rotate
 * without spoiling the encrypted profiles of users A.
 */
export class World {
  constructor(target, { users, loginUsers }) {
    this.target = target;
    this.sizes = { users, loginUsers };
    this.prefix = `b${process.pid.toString(36)}${target.tag.replace(/[^A-Za-z0-9]/g, '')}`;
    this.users = [];
    this.loginOpenIds = [];
    this.userInfoPool = null;
    this.loginCodes = new Queue();
    this.unpaid = new Queue();
    this.prepaid = new Queue();
    this.notifications = new Queue();
    /** Requests/s per scenario measured by timed runs, and by warm-ups: they size the pools of the next runs. */
    this.rates = {};
    this.warmupRates = {};
    this.cursor = 0;
    this.transactionSeq = 0;
    this.orderSeq = 0;
  }

  app(path) {
    return this.target.appUrl + path;
  }

  sim(path) {
    return this.target.simUrl + path;
  }

  /** wx.login() then POST /miniprogram_auth/login: a token. */
  async login(openId) {
    const { code } = await call('POST', this.sim('/__sim/login'), { body: { openId } });
    const answer = await call('POST', this.app('/miniprogram_auth/login'), { body: { code } });
    return { openId, token: answer.token, userId: answer.user_id };
  }

  /** Logs in users A (and registers users B when the login scenario runs), once. */
  async ensureUsers({ loginUsers }) {
    if (this.users.length < this.sizes.users) {
      const openIds = Array.from({ length: this.sizes.users - this.users.length }, (_, i) => `${this.prefix}a${this.users.length + i}`);
      this.users.push(...(await mapLimit(openIds, SETUP_CONCURRENCY, (openId) => this.login(openId))));
    }
    if (loginUsers && this.loginOpenIds.length === 0) {
      const openIds = Array.from({ length: this.sizes.loginUsers }, (_, i) => `${this.prefix}l${i}`);
      // Registered first: the login scenario measures returning users (find the account, new session key, new token).
      await mapLimit(openIds, SETUP_CONCURRENCY, (openId) => this.login(openId));
      this.loginOpenIds = openIds;
    }
  }

  nextUser() {
    const user = this.users[this.cursor % this.users.length];
    this.cursor++;
    return user;
  }

  async createOrder(user) {
    const totalFee = 1 + (this.orderSeq++ % 99);
    const order = await call('POST', this.app('/orders'), { token: user.token, body: { description: 'Bench order', totalFee } });
    return { id: order.id, token: user.token, openId: user.openId, totalFee };
  }

  async payOrder(order) {
    await call('POST', this.app(`/orders/${order.id}/pay`), { token: order.token });
    return { ...order, outTradeNo: outTradeNoOf(order.id) };
  }

  /** The signed notification WeChat Pay sends when the user has paid `order`. */
  notificationFor(order) {
    const fee = String(order.totalFee);
    const fields = {
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: SIMULATOR_DEV_MERCHANT.appId,
      mch_id: SIMULATOR_DEV_MERCHANT.mchId,
      nonce_str: randomBytes(16).toString('hex'),
      result_code: 'SUCCESS',
      openid: order.openId,
      is_subscribe: 'N',
      trade_type: 'JSAPI',
      bank_type: 'OTHERS',
      total_fee: fee,
      fee_type: 'CNY',
      cash_fee: fee,
      transaction_id: `42000${String(process.pid % 100_000).padStart(5, '0')}${String(++this.transactionSeq).padStart(18, '0')}`,
      out_trade_no: order.outTradeNo,
      time_end: beijingTimeEnd(),
    };
    return buildPayXml({ ...fields, sign: payV2Sign(fields, SIMULATOR_DEV_MERCHANT.apiKey) });
  }

  /** Unpaid orders without a WeChat Pay order, topped up to `count`. */
  async fillUnpaid(count) {
    const missing = count - this.unpaid.size;
    if (missing <= 0) return;
    const made = await mapLimit(new Array(missing).fill(0), SETUP_CONCURRENCY, () => this.createOrder(this.nextUser()));
    for (const order of made) this.unpaid.push(order);
  }

  /** Orders with a prepay (a PayOrder row, status NOTPAY), topped up to `count`. */
  async fillPrepaid(count) {
    const missing = count - this.prepaid.size;
    if (missing <= 0) return;
    await this.fillUnpaid(missing);
    const orders = [];
    for (let i = 0; i < missing; i++) orders.push(this.unpaid.shift());
    const paid = await mapLimit(orders, SETUP_CONCURRENCY, (order) => this.payOrder(order));
    // The out_trade_no is derived from the sample app's numbering: check it once, so that a change there fails here.
    const probe = await call('GET', this.app(`/orders/${paid[0].id}`), { token: paid[0].token });
    if (probe.outTradeNo !== paid[0].outTradeNo || probe.paid) {
      throw new Error(`order ${paid[0].id}: expected unpaid ${paid[0].outTradeNo}, the app says ${JSON.stringify(probe)}`);
    }
    for (const order of paid) this.prepaid.push(order);
  }

  async fillNotifications(count) {
    const missing = count - this.notifications.size;
    if (missing <= 0) return;
    await this.fillPrepaid(missing);
    for (let i = 0; i < missing; i++) {
      const order = this.prepaid.shift();
      this.notifications.push({ order, xml: this.notificationFor(order) });
    }
  }

  /** Fresh single-use codes for users B, cycled; leftovers are dropped (older codes may have left the store). */
  async fillLoginCodes(count) {
    this.loginCodes.clear();
    const n = Math.min(count, MAX_LOGIN_CODES);
    const openIds = Array.from({ length: n }, (_, i) => this.loginOpenIds[i % this.loginOpenIds.length]);
    const codes = await mapLimit(openIds, SETUP_CONCURRENCY, (openId) => call('POST', this.sim('/__sim/login'), { body: { openId } }));
    for (const { code } of codes) this.loginCodes.push(code);
    return n < count;
  }

  /** One encrypted profile per user A, made with the session key of its (only) login. */
  async ensureUserInfo() {
    if (this.userInfoPool?.length === this.users.length) return;
    this.userInfoPool = await mapLimit(this.users, SETUP_CONCURRENCY, async (user, i) => {
      const info = await call('POST', this.sim('/__sim/userInfo'), {
        body: { openId: user.openId, userInfo: { nickName: `Bench user ${i}`, city: 'Shenzhen', province: 'Guangdong', country: 'China' } },
      });
      return { token: user.token, body: JSON.stringify({ iv: info.iv, encryptedData: info.encryptedData }) };
    });
  }
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Each scenario: what it measures, how to get ready (`prepare`, once per app), how many single-use items a run of
 * `seconds` needs (`fill`, consumable scenarios only), the next request, and what a successful answer is.
 */
export const SCENARIO_DEFS = {
  health: {
    what: 'GET /health (unguarded)',
    prepare: async () => {},
    next: () => ({ request: { method: 'GET', path: '/health' } }),
  },
  guardedHealth: {
    what: 'GET /health/token: the /health answer behind the token guard (tokens of users A, cycled)',
    prepare: async (world) => world.ensureUsers({}),
    next: (world) => ({
      request: { method: 'GET', path: '/health/token', headers: { authorization: `Token ${world.nextUser().token}` } },
    }),
  },
  guarded: {
    what: 'GET /miniprogram_auth/me with Authorization: Token (tokens of users A, cycled)',
    prepare: async (world) => world.ensureUsers({}),
    next: (world) => ({
      request: { method: 'GET', path: '/miniprogram_auth/me', headers: { authorization: `Token ${world.nextUser().token}` } },
    }),
  },
  login: {
    what: 'POST /miniprogram_auth/login {code}: a fresh single-use code per request, returning users B cycled',
    prepare: async (world) => world.ensureUsers({ loginUsers: true }),
    fill: (world, count) => world.fillLoginCodes(count),
    capped: MAX_LOGIN_CODES,
    next: (world) => {
      const code = world.loginCodes.shift();
      return code === undefined
        ? null
        : { request: { method: 'POST', path: '/miniprogram_auth/login', headers: JSON_HEADERS, body: JSON.stringify({ code }) } };
    },
    check: (_status, body) => body.includes('"token"'),
  },
  updateUserInfo: {
    what: 'POST /miniprogram_auth/updateUserInfo {iv, encryptedData}: one profile per user A, cycled',
    prepare: async (world) => {
      await world.ensureUsers({});
      await world.ensureUserInfo();
    },
    next: (world) => {
      const entry = world.userInfoPool[world.cursor++ % world.userInfoPool.length];
      return {
        request: {
          method: 'POST',
          path: '/miniprogram_auth/updateUserInfo',
          headers: { ...JSON_HEADERS, authorization: `Token ${entry.token}` },
          body: entry.body,
        },
      };
    },
  },
  order: {
    what: 'POST /orders {description, totalFee}: creates a pickup order row (users A cycled)',
    prepare: async (world) => world.ensureUsers({}),
    next: (world) => {
      const user = world.nextUser();
      const totalFee = 1 + (world.orderSeq++ % 99);
      return {
        item: { user, totalFee },
        request: {
          method: 'POST',
          path: '/orders',
          headers: { ...JSON_HEADERS, authorization: `Token ${user.token}` },
          body: JSON.stringify({ description: 'Bench order', totalFee }),
        },
      };
    },
    // The orders made are the next scenario's raw material.
    onSuccess: (world, { user, totalFee }, body) => {
      world.unpaid.push({ id: JSON.parse(body).id, token: user.token, openId: user.openId, totalFee });
    },
  },
  pay: {
    what: 'POST /orders/:id/pay on distinct unpaid orders: the first call makes the PayOrder and the prepay (unifiedorder)',
    prepare: async (world) => world.ensureUsers({}),
    fill: (world, count) => world.fillUnpaid(count),
    next: (world) => {
      const order = world.unpaid.shift();
      return order === undefined
        ? null
        : {
            item: order,
            request: {
              method: 'POST',
              path: `/orders/${order.id}/pay`,
              headers: { authorization: `Token ${order.token}`, 'content-length': '0' },
            },
          };
    },
    check: (_status, body) => body.includes('"paySign"'),
    onSuccess: (world, order) => world.prepaid.push({ ...order, outTradeNo: outTradeNoOf(order.id) }),
  },
  notify: {
    what: 'POST /miniprogram_auth/wechatPayCallback: a signed payment notification per distinct unpaid order (answer SUCCESS)',
    prepare: async (world) => world.ensureUsers({}),
    fill: (world, count) => world.fillNotifications(count),
    next: (world) => {
      const entry = world.notifications.shift();
      return entry === undefined
        ? null
        : {
            item: entry.order,
            request: {
              method: 'POST',
              path: '/miniprogram_auth/wechatPayCallback',
              headers: { 'content-type': 'text/xml' },
              body: entry.xml,
            },
          };
    },
    check: (_status, body) => body.includes(ACK),
    onSuccess: (world, order) => {
      (world.notified ??= []).push(order);
    },
    /** A few orders whose notification was answered SUCCESS: paid, and fulfilled exactly once. */
    verify: async (world) => {
      const sample = (world.notified ?? []).slice(-3);
      world.notified = [];
      const wrong = [];
      for (const order of sample) {
        const view = await call('GET', world.app(`/orders/${order.id}`), { token: order.token });
        if (!view.paid || view.fulfilledCount !== 1 || view.status !== 'FULFILLED') wrong.push({ id: order.id, view });
      }
      return wrong;
    },
  },
};

/**
 * How many single-use items a run needs: the expected rate with a margin, plus what the connections hold. A warm-up
 * is slower than the run after it (cold code, cold connections), so a rate known from a warm-up only gets more margin.
 */
export function poolSize(world, scenario, connections, seconds) {
  const timed = world.rates[scenario];
  const warm = world.warmupRates[scenario];
  const [rate, margin] = timed ? [timed, 1.3] : warm ? [warm, 1.6] : [GUESSED_RATE[scenario] ?? 500, 1.3];
  return Math.ceil(rate * seconds * margin) + 4 * connections;
}
