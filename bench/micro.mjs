// Micro benchmarks: the library's hot operations beside the same operations of a Node peer
// (wechatpay-axios-plugin), each checked for the same output before it is timed.
//
//   npm run bench                      # full run (about 1 s per case)
//   npm run bench -- --time=100        # shorter runs (ms per case)
//   npm run bench -- --smoke           # a few ms per case: proves the suite still runs
//   npm run bench -- --json=out.json   # also write the results as JSON
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';

const require = createRequire(import.meta.url);
const lib = require('../dist/index.js');
const { SIMULATOR_DEV_APP } = require('../dist/testing/index.js');
const { Hash, Transformer, Aes } = require('wechatpay-axios-plugin');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const time = args.smoke !== undefined ? 5 : Number(args.time ?? 1000);

const KEY = 'devsimulatorapikey00000000000001';
const params = {
  appid: SIMULATOR_DEV_APP.appId,
  mch_id: '1900000109',
  nonce_str: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  body: '腾讯充值中心-QQ会员充值',
  out_trade_no: '20150806125346',
  total_fee: '888',
  spbill_create_ip: '123.12.12.123',
  notify_url: 'https://api.example.com/miniprogram_auth/wechatPayCallback',
  trade_type: 'JSAPI',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  attach: '',
};
const notifyFields = {
  return_code: 'SUCCESS',
  result_code: 'SUCCESS',
  appid: params.appid,
  mch_id: params.mch_id,
  nonce_str: params.nonce_str,
  openid: params.openid,
  is_subscribe: 'N',
  trade_type: 'JSAPI',
  bank_type: 'OTHERS',
  total_fee: '888',
  fee_type: 'CNY',
  cash_fee: '888',
  transaction_id: '4200000001202611240000000001',
  out_trade_no: params.out_trade_no,
  time_end: '20261124120000',
};
const notifyXml = lib.buildPayXml({ ...notifyFields, sign: lib.payV2Sign(notifyFields, KEY) });
const reqInfo = lib.encryptRefundReqInfo('<root><out_refund_no><![CDATA[R1]]></out_refund_no><refund_fee>888</refund_fee></root>', KEY);
const refundKey = lib.refundReqInfoKey(KEY);
const sessionKey = 'tiihtNczf5v6AKRyjwEUhQ==';
const userData = lib.encryptUserData(
  { openId: 'o1', nickName: 'Band', watermark: { appid: SIMULATOR_DEV_APP.appId, timestamp: 1 } },
  sessionKey,
  'r7BXXKkLb8qrSNn05n0qiA==',
);
const token = lib.generateApiToken();

/** [name, ours, peer or null] — each pair is checked for the same result first. */
const cases = [
  ['v2 sign MD5', () => lib.payV2Sign(params, KEY, 'MD5'), () => Hash.sign('MD5', params, KEY)],
  ['v2 sign HMAC-SHA256', () => lib.payV2Sign(params, KEY, 'HMAC-SHA256'), () => Hash.sign('HMAC-SHA256', params, KEY)],
  ['build request XML', () => lib.buildPayXml(params), () => Transformer.toXml(params)],
  ['decrypt refund req_info', () => lib.decryptRefundReqInfo(reqInfo, KEY), () => Aes.AesEcb.decrypt(reqInfo, refundKey)],
  [
    'jsapiParams paySign',
    () =>
      lib.jsapiPaySign(
        { appId: params.appid, timeStamp: '1795500000', nonceStr: params.nonce_str, package: 'prepay_id=wx1', signType: 'MD5' },
        KEY,
      ),
    null,
  ],
  ['decrypt user encryptedData', () => lib.decryptUserData(userData.encryptedData, userData.iv, sessionKey, SIMULATOR_DEV_APP.appId), null],
  ['token shape + hash', () => lib.isApiTokenShape(token) && lib.hashApiToken(token), null],
];
/** Async cases: parsing. */
const asyncCases = [
  [
    'verify notify (parse + sign)',
    async () => lib.verifyPayV2Sign(await lib.parsePayXml(notifyXml), KEY),
    async () => {
      const o = Transformer.toObject(notifyXml);
      return Hash.equals ? Hash.equals(o.sign, Hash.sign('MD5', o, KEY)) : o.sign === Hash.sign('MD5', o, KEY);
    },
  ],
];

/** XML is compared by what it says (both documents parsed), everything else as it is. */
async function comparable(name, value) {
  return name === 'build request XML'
    ? JSON.stringify(await lib.parsePayXml(value))
    : typeof value === 'string'
      ? value.trim()
      : JSON.stringify(value);
}

// Equal outputs first: a faster wrong answer is no result.
for (const [name, ours, peer] of [...cases, ...asyncCases]) {
  if (!peer) continue;
  const [a, b] = [await comparable(name, await ours()), await comparable(name, await peer())];
  if (a !== b) throw new Error(`${name}: ours ${a} differs from the peer's ${b}`);
}

const bench = new Bench({ time, warmupTime: Math.min(time, 200) });
for (const [name, ours, peer] of [...cases, ...asyncCases]) {
  bench.add(`${name} | nestjs-miniprogram-api`, ours);
  if (peer) bench.add(`${name} | wechatpay-axios-plugin`, peer);
}
await bench.run();

const rows = bench.tasks.map((task) => {
  const [operation, impl] = task.name.split(' | ');
  const r = task.result;
  const median = r.latency?.p50 ?? r.median ?? r.mean;
  return { operation, impl, medianUs: median * 1000, opsPerSec: r.throughput?.mean ?? r.hz };
});
const table = [];
for (const op of [...new Set(rows.map((r) => r.operation))]) {
  const ours = rows.find((r) => r.operation === op && r.impl === 'nestjs-miniprogram-api');
  const peer = rows.find((r) => r.operation === op && r.impl !== 'nestjs-miniprogram-api');
  table.push({
    operation: op,
    'ours µs (median)': ours.medianUs.toFixed(2),
    'peer µs (median)': peer ? peer.medianUs.toFixed(2) : '—',
    'ours / peer': peer ? (ours.medianUs / peer.medianUs).toFixed(2) : '—',
  });
}
console.table(table);
if (args.json) writeFileSync(args.json, JSON.stringify({ node: process.version, timeMs: time, rows }, null, 2));
