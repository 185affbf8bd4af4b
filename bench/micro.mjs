// Micro benchmarks: the library's hot operations beside the same operations of the Node peers
// (wechatpay-axios-plugin, tenpay, node-easywechat), each checked for the same output before it is timed.
//
//   npm run bench:micro                       # full run (about 1 s per case)
//   npm run bench:micro -- --time=100         # shorter runs (ms per case)
//   npm run bench:micro -- --only=notify,xml  # only the operations whose name contains one of these
//   npm run bench:micro -- --smoke            # a few ms per case: proves the suite still runs
//   npm run bench:micro -- --json=out.json    # also write the results as JSON
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';

const require = createRequire(import.meta.url);
const lib = require('../dist/index.js');
const { SIMULATOR_DEV_APP, SIMULATOR_DEV_MERCHANT } = require('../dist/testing/index.js');
const axiosPlugin = require('wechatpay-axios-plugin');
const Tenpay = require('tenpay');
const tenpayUtil = require('tenpay/lib/util');
const ewUtils = require('node-easywechat/dist/Core/Support/Utils');
const { AES: EwAes } = require('node-easywechat/dist/Core/Support/AES');
const EwDecryptor = require('node-easywechat/dist/MiniApp/Decryptor');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const time = args.smoke !== undefined ? 5 : Number(args.time ?? 1000);
const only = args.only ? String(args.only).split(',') : null;

const KEY = SIMULATOR_DEV_MERCHANT.apiKey;
const APP_ID = SIMULATOR_DEV_APP.appId;
const MCH_ID = SIMULATOR_DEV_MERCHANT.mchId;
// No empty value: node-easywechat's LegacySignature signs `attach=` where WeChat leaves empty values out.
const params = {
  appid: APP_ID,
  mch_id: MCH_ID,
  nonce_str: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  body: '腾讯充值中心-QQ会员充值',
  out_trade_no: '20150806125346',
  total_fee: '888',
  spbill_create_ip: '123.12.12.123',
  notify_url: 'https://api.example.com/miniprogram_auth/wechatPayCallback',
  trade_type: 'JSAPI',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
};
const notifyFields = {
  return_code: 'SUCCESS',
  result_code: 'SUCCESS',
  appid: APP_ID,
  mch_id: MCH_ID,
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
const answerXml = lib.buildPayXml(
  (() => {
    const answer = { return_code: 'SUCCESS', return_msg: 'OK', appid: APP_ID, mch_id: MCH_ID, nonce_str: params.nonce_str };
    Object.assign(answer, { result_code: 'SUCCESS', prepay_id: 'wx201411101639507cbf6ffd8b0779950874', trade_type: 'JSAPI' });
    return { ...answer, sign: lib.payV2Sign(answer, KEY) };
  })(),
);
const reqInfoPlain =
  '<root><out_refund_no><![CDATA[R1]]></out_refund_no><out_trade_no><![CDATA[20150806125346]]></out_trade_no>' +
  '<refund_id><![CDATA[50000000001]]></refund_id><refund_fee>888</refund_fee><total_fee>888</total_fee>' +
  '<refund_status><![CDATA[SUCCESS]]></refund_status><success_time><![CDATA[2026-11-24 12:00:00]]></success_time></root>';
const reqInfo = lib.encryptRefundReqInfo(reqInfoPlain, KEY);
const refundKey = lib.refundReqInfoKey(KEY);
const sessionKey = 'tiihtNczf5v6AKRyjwEUhQ==';
const profile = { openId: 'o1', nickName: 'Band', gender: 1, city: 'Guangzhou', watermark: { appid: APP_ID, timestamp: 1795500000 } };
const userData = lib.encryptUserData(profile, sessionKey, 'r7BXXKkLb8qrSNn05n0qiA==');
const token = lib.generateApiToken();
const payParams = { appId: APP_ID, timeStamp: '1795500000', nonceStr: params.nonce_str, package: 'prepay_id=wx1', signType: 'MD5' };

const tenpay = new Tenpay({ appid: APP_ID, mchid: MCH_ID, partnerKey: KEY });
const { Hash, Transformer, Aes } = axiosPlugin;

/** tenpay's notify check, as its middleware does it: parse, then compare the sign. */
async function tenpayVerify(xml) {
  const json = await tenpayUtil.parseXML(xml);
  return json.sign === tenpay._getSign(json, json.sign_type || 'MD5');
}

/**
 * Each operation: ours, and the peers that have it. Outputs are compared first (XML by what it
 * parses to), so a faster wrong answer is no result.
 */
const cases = [
  {
    name: 'v2 sign MD5',
    ours: () => lib.payV2Sign(params, KEY, 'MD5'),
    peers: {
      'wechatpay-axios-plugin': () => Hash.sign('MD5', params, KEY),
      tenpay: () => tenpay._getSign(params, 'MD5'),
      'node-easywechat': () => ewUtils.makeSignature(params, KEY, 'md5'),
    },
  },
  {
    name: 'v2 sign HMAC-SHA256',
    ours: () => lib.payV2Sign(params, KEY, 'HMAC-SHA256'),
    peers: {
      'wechatpay-axios-plugin': () => Hash.sign('HMAC-SHA256', params, KEY),
      tenpay: () => tenpay._getSign(params, 'HMAC-SHA256'),
      'node-easywechat': () => ewUtils.makeSignature(params, KEY, 'hmac-sha256'),
    },
  },
  {
    name: 'build request XML',
    xml: true,
    ours: () => lib.buildPayXml(params),
    peers: {
      'wechatpay-axios-plugin': () => Transformer.toXml(params),
      tenpay: () => tenpayUtil.buildXML(params),
      'node-easywechat': () => ewUtils.buildXml(params),
    },
  },
  {
    name: 'parse response XML',
    ours: () => lib.parsePayXml(answerXml),
    peers: {
      'wechatpay-axios-plugin': () => Transformer.toObject(answerXml),
      tenpay: () => tenpayUtil.parseXML(answerXml),
      'node-easywechat': () => ewUtils.parseXml(answerXml),
    },
  },
  {
    name: 'verify notify (parse + sign)',
    ours: async () => lib.verifyPayV2Sign(await lib.parsePayXml(notifyXml), KEY),
    peers: {
      'wechatpay-axios-plugin': () => {
        const o = Transformer.toObject(notifyXml);
        return Hash.equals(o.sign, Hash.sign('MD5', o, KEY));
      },
      tenpay: () => tenpayVerify(notifyXml),
      'node-easywechat': async () => {
        const o = await ewUtils.parseXml(notifyXml);
        return o.sign === ewUtils.makeSignature(o, KEY, 'md5');
      },
    },
  },
  {
    name: 'decrypt refund req_info',
    ours: () => lib.decryptRefundReqInfo(reqInfo, KEY),
    peers: {
      'wechatpay-axios-plugin': () => Aes.AesEcb.decrypt(reqInfo, refundKey),
      tenpay: () => tenpayUtil.decrypt(reqInfo, refundKey),
      'node-easywechat': () => EwAes.decrypt(reqInfo, refundKey, '', true, 'aes-256-ecb').toString(),
    },
  },
  {
    name: 'wx.requestPayment paySign',
    ours: () => lib.jsapiPaySign(payParams, KEY),
    peers: {
      'wechatpay-axios-plugin': () => Hash.sign('MD5', payParams, KEY),
      tenpay: () => tenpay._getSign(payParams, 'MD5'),
      'node-easywechat': () => ewUtils.makeSignature(payParams, KEY, 'md5'),
    },
  },
  {
    name: 'decrypt user encryptedData',
    ours: () => lib.decryptUserData(userData.encryptedData, userData.iv, sessionKey, APP_ID),
    peers: {
      'wechatpay-axios-plugin': () =>
        JSON.parse(Aes.AesCbc.decrypt(userData.encryptedData, Buffer.from(sessionKey, 'base64'), Buffer.from(userData.iv, 'base64'))),
      'node-easywechat': () => EwDecryptor.decrypt(sessionKey, userData.iv, userData.encryptedData),
    },
  },
  { name: 'token shape + hash', ours: () => lib.isApiTokenShape(token) && lib.hashApiToken(token), peers: {} },
].filter((c) => !only || only.some((word) => c.name.toLowerCase().includes(word.toLowerCase())));

/** XML is compared by what it says (parsed), objects as JSON, strings trimmed. */
async function comparable(c, value) {
  if (c.xml) return JSON.stringify(await lib.parsePayXml(value));
  return typeof value === 'string' ? value.trim() : JSON.stringify(value);
}

for (const c of cases) {
  const expected = await comparable(c, await c.ours());
  for (const [peer, run] of Object.entries(c.peers)) {
    const got = await comparable(c, await run());
    if (got !== expected) throw new Error(`${c.name}: ours ${expected} differs from ${peer}'s ${got}`);
  }
}

const bench = new Bench({ time, warmupTime: Math.min(time, 200) });
for (const c of cases) {
  bench.add(`${c.name} | nestjs-miniprogram-api`, c.ours);
  for (const [peer, run] of Object.entries(c.peers)) bench.add(`${c.name} | ${peer}`, run);
}
await bench.run();

const rows = bench.tasks.map((task) => {
  const [operation, impl] = task.name.split(' | ');
  const r = task.result;
  return { operation, impl, medianUs: (r.latency?.p50 ?? r.median ?? r.mean) * 1000, opsPerSec: r.throughput?.mean ?? r.hz };
});
const PEERS = ['wechatpay-axios-plugin', 'tenpay', 'node-easywechat'];
const table = cases.map((c) => {
  const at = (impl) => rows.find((r) => r.operation === c.name && r.impl === impl);
  const ours = at('nestjs-miniprogram-api').medianUs;
  const peers = PEERS.map((p) => at(p)?.medianUs).filter((v) => v !== undefined);
  const fastest = peers.length ? Math.min(...peers) : undefined;
  return {
    operation: c.name,
    'ours µs': ours.toFixed(2),
    ...Object.fromEntries(PEERS.map((p) => [`${p} µs`, at(p) ? at(p).medianUs.toFixed(2) : '—'])),
    'ours / fastest peer': fastest ? (ours / fastest).toFixed(2) : '—',
  };
});
console.table(table);
if (args.json) {
  const machine = { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length };
  writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), machine, timeMs: time, rows, table }, null, 2));
}
