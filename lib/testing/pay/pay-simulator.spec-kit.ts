import { createHash, createHmac } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { payV2Sign, verifyPayV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../../crypto/pay-xml.codec';
import { createNonceStr } from '../../crypto/random.util';
import { SIMULATOR_DEV_CERTIFICATES, SIMULATOR_DEV_MERCHANT, WeChatSimulator } from '../index';
import type { SimOrder } from '../index';
import { simulatorBench } from '../server/simulator-bench.spec-kit';

/** Extra client certificates for the specs only (development keys, public on purpose). */
export const OTHER_MERCHANT_CERT = `-----BEGIN CERTIFICATE-----
MIIDmTCCAoGgAwIBAgICIAIwDQYJKoZIhvcNAQELBQAwOjE4MDYGA1UEAwwvbmVz
dGpzLW1pbmlwcm9ncmFtLWFwaSBzaW11bGF0b3IgZGV2ZWxvcG1lbnQgQ0EwIBcN
MjYxMTI0MDQzNTUxWhgPMjA1NjExMjMwNDM1NTFaMGwxCzAJBgNVBAYTAkNOMSkw
JwYDVQQKDCBuZXN0anMtbWluaXByb2dyYW0tYXBpIHNpbXVsYXRvcjEdMBsGA1UE
CwwUZGV2ZWxvcG1lbnQgbWVyY2hhbnQxEzARBgNVBAMMCjE5MDAwMDA5OTkwggEi
MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQC+b15qb9e2CODRwlp9htgHMXVz
lwT6lhUg0l5DJkrg3yCMCUdqcJ5gBzMaSRXTRrDvKjz797Y1k73yBWdKaRKWX8Kh
eeKHUOJd/MFjpgM0FG7G4lvqUUvKnpIZfXpPPq7ouUkdlLW+0nEkkgIkihtq3/7L
S5f/ZmHAP5TIxiMAGryeL6XvgLKAHENO6nHZQQ7eZ+2ftzwTiFtkfFUU3yTpB539
Dgpf+ZWWLKpjCnS7thOTmUoiF6HuboiBrUcuCPkzsZKIgw/AJ3p5+SxosqBLha6G
NAi62eAxzoB5AQN3zgq5PmPl83J5Y9FdF6VDsKVtF/qCq8UxcJ38qdw4tvSrAgMB
AAGjdTBzMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgWgMBMGA1UdJQQMMAoG
CCsGAQUFBwMCMB8GA1UdIwQYMBaAFG5FX0gDBMmZouVDCht8raqgM576MB0GA1Ud
DgQWBBRN9sE0YT8OCHUVUzciCFW5xoHc1TANBgkqhkiG9w0BAQsFAAOCAQEAutkQ
64V5nva/VCMz2mN1Uv+CQ+835hvV4lvq9cBjatpJ89nNtO0iYgDtcyAMGSXIhJ2k
UqPeqjFEXtcRayhAwIv1Cz4A2OxjLHXljNI+i1uKcJiV5ogjZtEICQenLOFmoThT
MA5VlsOM6hMfISp1jbkw/nO8Ho360baQ2FMEVGpFxS0Fng8zudR0e8zp+CRnvH5U
ikuc4qBGFZOWPouAS8SaK3sWXuSW4CxMwHaytT/0jtaTqGeFbA1UVmkPK2VBOHi0
Us4B5+bubg/dmcooqa5P2gDoNvU9PhzeGq+bw3i6PPkfmf+TlKIUJ+ujDacXRWCM
0IDUmX6xffaMmVMkAQ==
-----END CERTIFICATE-----
`;
export const OTHER_MERCHANT_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC+b15qb9e2CODR
wlp9htgHMXVzlwT6lhUg0l5DJkrg3yCMCUdqcJ5gBzMaSRXTRrDvKjz797Y1k73y
BWdKaRKWX8KheeKHUOJd/MFjpgM0FG7G4lvqUUvKnpIZfXpPPq7ouUkdlLW+0nEk
kgIkihtq3/7LS5f/ZmHAP5TIxiMAGryeL6XvgLKAHENO6nHZQQ7eZ+2ftzwTiFtk
fFUU3yTpB539Dgpf+ZWWLKpjCnS7thOTmUoiF6HuboiBrUcuCPkzsZKIgw/AJ3p5
+SxosqBLha6GNAi62eAxzoB5AQN3zgq5PmPl83J5Y9FdF6VDsKVtF/qCq8UxcJ38
qdw4tvSrAgMBAAECggEAMgaPhuZahDdQ18l2fAMwPLOBZxwE8s76PeUFXh5xDSGQ
KzlEyXFMKW26vuz0DsxDLpCp9IbeFrT48Nr6h1GS0G3XcxPRrjpRPN9o7gRuUwAL
GbPc8XDpuBBv0MJlnuuYhwolat/l3nrpvfGdHnwpN6ogBMeW5kC+7QHG0/c4uo3W
lXnKuxINn5UdFxSanPtO8TpQDuoXVA3IL3e+wJ5CYOMnwGinpGORWxrjf8aclc9f
gGndVBPacQAJ4yeizMrBOw8nxL1OmYxxp/Mpd+5TAKK3QwblMuuIvN1s25YP/pB0
9Fkvu0oEIAFCqwEqKwMHqSzhdTegqSQzOw5xEQUaAQKBgQD6LUUU9xD7y7GZU/XO
xixP4VziXfJZrGRUQAoGMt2vET19VMpmnf6Ts3Zk/7P+zqwGw4sBm+ITQo/y/o7s
Je2qHWiLPQpB5FXfRnkOX+9elNVcGvlkGMclCc/oPj9mX2IZYzhITMxUTH4yDzHm
37xI8fjEGQsOALUAPBvJ++/iFwKBgQDC3h16S8Fto7jAKczhJcncx5yhe+h6srkF
R6jRYCWUTyRodKFCfj66h6UpZJ1qFU66u+5vks0iG8Xqo7DTHVFYhG+HeY10D8I2
fxY4/fDGP+Ht7pZbcj2e9P0FxpvZshwwEzJMx+Cz6jMk1PpdnVWhS7VrMwJpnhpc
ktmMiQ7CjQKBgQDhsEkr2p71qBJ1keqkON7syQ+0HrBs+TohTww7/1NBhboFAKL+
4/UvZaye/JZyfhtulqUmNGxEl72opsBkhOrcll8jjVNdkhFttPOsZhtZJcc8qhDl
nfy5ixqGFvG29sFWyc2SW8XRHpiRrGeGMbx3yeJzdWwlm7mtlowzMRZ8zQKBgDnv
yfnbXiYX4E0Z4HUsRAklO/dzHJqmWoYsWQ/vMx0WLq/zxSI84K+atstIw9iPfznb
uDdqAR1b/osVofQSqmXT8kjoJdtU+Bw1ysilD5oR0j1oi0GjBJknI7c85odiAil0
+6aCYtd7ETupKsr8hUIQfV7i6pu2SwYtDwtOkJndAoGAS25+4741eE/8BEgsgwdU
qy+dQCBsV9hxvoLzNc4t+Isp5dCST1Jq9OD2aeOR9BjKV4+i9CgcPGs/uq9OpKoN
yob8SpEJXsw0wZAtD5fPWXCrp665jqwnbbWpfsZIS66iI5sRstXpcW6cQVuGLpV4
TfyTwjzQ1Nbr2a5hESlnHeU=
-----END PRIVATE KEY-----
`;
export const ROGUE_CA_CLIENT_CERT = `-----BEGIN CERTIFICATE-----
MIIDRDCCAiygAwIBAgICMAEwDQYJKoZIhvcNAQELBQAwHzEdMBsGA1UEAwwUbm90
IHRoZSBzaW11bGF0b3IgQ0EwIBcNMjYxMTI0MDQzNTUyWhgPMjA1NjExMjMwNDM1
NTJaMDIxCzAJBgNVBAYTAkNOMQ4wDAYDVQQKDAVyb2d1ZTETMBEGA1UEAwwKMTkw
MDAwMDEwOTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAPFWHME+Rs9e
YNwyfq/nQnFzu6i5DQKACoiEVIEry9J2Y9f1QWJqUkBRkMUbD2ZIi0J/kakgsTcb
6nJOzBxamX2frJ+GqHlWxp/dQ7dz8tZyWIr8IGWsixHF0Gpa60hh48ietwCI4dc4
FI4810tP2nkDkZT2EUfF4ckOCnSexlT8mkf2xnLZ5kf/dNK7/pQRAv8UyunjmnSB
pCwEOuFnDx0E+kA9Z4vVrO7zs7iUN9qq72DoyL8bPB6H5TrTJtbUuZO2A6GEzq5x
L4EhFtt7fIUBinhwODhA7hL3K1MOMKJ96sYYIS8X7/tooTDeqCPvCL0//ocfhdFp
j4epor41jWECAwEAAaN1MHMwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCBaAw
EwYDVR0lBAwwCgYIKwYBBQUHAwIwHwYDVR0jBBgwFoAU18CRgudOnYSVt66wR8Vw
6SBklPswHQYDVR0OBBYEFAgxH2r+ypDcS7yBRK9/QfJi7Rg6MA0GCSqGSIb3DQEB
CwUAA4IBAQA9wa50OcrwSaUIRX9nR3fJYu/Jii6Zjv3LuIQVuyctEPlw6uzmKx6t
8mjYbvJiGLNgtMqjAlIKprUagELHFJOLzQIMX5SZdFMc6BewfxmDZ2S+0XLPANFb
J7nUam6DhJ3XT7gbbH77tgTot+O2yQHFyhFLgYXDP/6AXrIEAhSuz4kfTcGytYEs
9TRJppDcAZhBo7KHz3jyL6eO+H837vvZAcsuf8s+1cpnKUC65SRUijjADzx91b5x
qT2nQbCaW4uXoMO7M6BySHqLiCTgAYXXiY4l8cGB8oBEkQEshignaEhcXAb199IO
RVnWSO0RVK4vX7rbwcLD2I4VTbS8OFhk
-----END CERTIFICATE-----
`;
export const ROGUE_CA_CLIENT_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDxVhzBPkbPXmDc
Mn6v50Jxc7uouQ0CgAqIhFSBK8vSdmPX9UFialJAUZDFGw9mSItCf5GpILE3G+py
TswcWpl9n6yfhqh5Vsaf3UO3c/LWcliK/CBlrIsRxdBqWutIYePInrcAiOHXOBSO
PNdLT9p5A5GU9hFHxeHJDgp0nsZU/JpH9sZy2eZH/3TSu/6UEQL/FMrp45p0gaQs
BDrhZw8dBPpAPWeL1azu87O4lDfaqu9g6Mi/Gzweh+U60ybW1LmTtgOhhM6ucS+B
IRbbe3yFAYp4cDg4QO4S9ytTDjCiferGGCEvF+/7aKEw3qgj7wi9P/6HH4XRaY+H
qaK+NY1hAgMBAAECggEAGCCbz1YCjkjJNjp2H+/m3KDNahjWDCHw66UPLbrLLcdY
RAbo+oXWo0eESbBi4b7u7T8DuPzjura3waXPEiacocqM34X+4eKjCOh+FKEq7fWQ
lJSQSJnvbV9xbrCYRSxEMZJsiUkmCvY4V+ANRiI9nUuWCmZvY9WMtSUKNo6JFYXZ
02uvuLPyAZLPG2CKUFaphc7BXWXX9UG/Sb3HyGeUp2J+hGv0p2OBbqfnEHhZLUIZ
Ecgu1FU4IMSD+LoDtUNl2SpS/X9/cDXsmOmZV1CffBspg9d+wIw/rCTu/smUDygT
4IQo1mvymOl9AlfjFiFgXBHULDUCCda5+f7zs8HiAQKBgQD57ZFQqq6pnTo5gRYe
ZDy2Uwbz+QV1s5QYsvNp2voPYV1R/cNwisSCCwYF+hSFrwCKHCepz5MRWGDhjH1T
EhmqYc5DyitoTUVyUzfMtnOEWozGWdWYEbsOINmakcgLxbKuGLeMJresbUDXxJxF
gBpuOazZfrjaQyFXGXqYcHYdeQKBgQD3MxvhwwY/Q76kGlXySCwPi4kG6lWmqgsP
3nR4AwMmiGz5kmY7A9+/l5uPaOA3u/KqgkhxR4Ut+nvZl0iGlyEmdbpDcVolEAEK
bl9a/PHSyNQx32yTVUrKDNEslc2w3jH0wvGQjkjH5dRo/+qm2+t7CyW7xXauGflN
WERiqC09KQKBgA4CzXSyPNxxXgQ/Qlgt0mF+QhOHUFEK4jCIR7EVf5NBKBQin8Q9
Y0rPB2VqYaAk8WjMr0SLyHjedX/vek8f4qR0mzWdrdVJD62bELO/PraaxO2Rt7Gw
vMXL/ab2qTpPuPadmByZRw65iTsPYJtc1R58yT3gJsjFnqbdXMwS8ewxAoGAGW0r
YARkXxuDv3NqBbrAtXSfypNN7g+thZtXFYURzOPZea5CT62tVRKuEIk0DueJJVqz
QtudakZKeO4jqpxe74rKdudw40ELKlyB+GTuJsU7dknJ7DmosLGyzkg2WQvxzYBD
wp+wAse0GnzAURtr1EMoRXEhLPVE/Fyo5BDyXkkCgYEA9MPOj5Y+D74+uedyGEd7
oPrOpXrvqdcQnlP89/mEKRe0h877vSqR7D5G7n0P/3H88inKmckPI93E/IXWYkWC
aoeDsmrULrwf3f8QR98aQZEdepy3NXT8tKgq4gOR9fD9Mt3vp5IsS1BQE6/lNQst
OFN2UBvByaf2Qe++YMEu6Pg=
-----END PRIVATE KEY-----
`;

export type Fields = Record<string, string>;
export type { Json } from '../server/simulator-bench.spec-kit';
export { sleep, waitFor } from '../server/simulator-bench.spec-kit';

export const M = SIMULATOR_DEV_MERCHANT;
export const CERTS = SIMULATOR_DEV_CERTIFICATES;
export const DEV_CLIENT = { cert: CERTS.clientCert, key: CERTS.clientKey };
/** 1 simulated hour = 3.6 real seconds. */
export const TIME_SCALE = 0.001;

/** The WeChat Pay v2 signature computed here from scratch, independently of lib/crypto. */
export function independentSign(fields: Fields, apiKey: string, signType: 'MD5' | 'HMAC-SHA256'): string {
  const stringA = Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '')
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
  const text = `${stringA}&key=${apiKey}`;
  const digest =
    signType === 'MD5'
      ? createHash('md5').update(text, 'utf8').digest('hex')
      : createHmac('sha256', apiKey).update(text, 'utf8').digest('hex');
  return digest.toUpperCase();
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  socket: TLSSocket;
}

export interface TlsClient {
  cert?: string;
  key?: string;
  pfx?: Buffer;
  passphrase?: string;
  agent?: Agent | false;
  host?: string;
}

/** A raw HTTPS request to the pay server, trusting the development CA. */
export function httpsCall(base: string, path: string, body: string | Buffer, client: TlsClient = {}, method = 'POST'): Promise<HttpAnswer> {
  const { agent, host, ...tls } = client;
  const url = new URL(path, base);
  if (host) url.hostname = host;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method, ca: CERTS.ca, agent: agent ?? false, headers: { 'content-type': 'text/xml' }, ...tls },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: all,
            text: all.toString('utf8'),
            socket: res.socket as TLSSocket,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** How a `NotifyTarget` answers when its queue is empty, and under which path its URL is. */
export interface NotifyTargetOptions {
  fallback?: { status: number; body: string };
  contentType?: string;
  path?: string;
}

/** API v2's acknowledgement, which a `NotifyTarget` answers by default. */
const V2_ACK = '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>';

/**
 * A tiny app receiving notifications: records them and answers from a queue (by default API v2's SUCCESS XML when
 * empty; the v3 specs answer 204).
 */
export class NotifyTarget {
  readonly received: { at: number; body: string; headers: IncomingHttpHeaders }[] = [];
  readonly answers: { status: number; body: string }[] = [];
  private readonly server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.received.push({ at: Date.now(), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      const answer = this.answers.shift() ?? this.options.fallback ?? { status: 200, body: V2_ACK };
      res.writeHead(answer.status, { 'content-type': this.options.contentType ?? 'text/xml' });
      res.end(answer.body);
    });
  });
  port = 0;

  constructor(private readonly options: NotifyTargetOptions = {}) {}

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path = this.options.path ?? '/notify'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  reset(): void {
    this.received.length = 0;
    this.answers.length = 0;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Today's `bill_date` of an order, from its Beijing `time_end`. */
export function billDateOf(order: SimOrder | undefined): string {
  return (order?.timeEnd as string).slice(0, 8);
}

export interface CallOptions {
  signType?: 'MD5' | 'HMAC-SHA256';
  apiKey?: string;
  client?: TlsClient;
  /** Do not add appid/mch_id/nonce_str. */
  bare?: boolean;
}

/**
 * One simulator (with a notification target, configured by `targetOptions`) for a spec file: started before its tests,
 * reset before each, stopped after; and the calls the specs make of it.
 */
export function payBench(targetOptions: NotifyTargetOptions = {}) {
  const sim = new WeChatSimulator({ timeScale: TIME_SCALE, refundDelayMs: 200_000 });
  const target = new NotifyTarget(targetOptions);
  const { control } = simulatorBench(sim, target);
  let seq = 0;

  afterEach(() => jest.restoreAllMocks());

  /** Signs and sends a request; checks the answer's signature whenever it is SUCCESS; resolves the answer's fields. */
  async function call(path: string, params: Fields, options: CallOptions = {}): Promise<Fields> {
    const signType = options.signType ?? 'MD5';
    const fields: Fields = options.bare ? { ...params } : { appid: M.appId, mch_id: M.mchId, nonce_str: createNonceStr(), ...params };
    if (signType === 'HMAC-SHA256' && fields.sign_type === undefined) fields.sign_type = 'HMAC-SHA256';
    fields.sign = payV2Sign(fields, options.apiKey ?? M.apiKey, signType);
    const answer = await httpsCall(sim.payUrl, path, buildPayXml(fields), options.client);
    expect(answer.headers['content-type']).toBe('text/xml; charset=utf-8');
    const parsed = await parsePayXml(answer.body);
    if (parsed.return_code === 'SUCCESS') {
      expect(verifyPayV2Sign(parsed, M.apiKey, signType)).toBe(true);
      expect(parsed.nonce_str).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(parsed.nonce_str).not.toBe(fields.nonce_str);
    } else {
      expect(parsed.sign).toBeUndefined();
    }
    return parsed;
  }

  /** Sends a request whose answer is a file on success; resolves the raw answer. */
  async function download(path: string, params: Fields, options: CallOptions = {}): Promise<HttpAnswer> {
    const signType = options.signType ?? 'MD5';
    const fields: Fields = { appid: M.appId, mch_id: M.mchId, nonce_str: createNonceStr(), ...params };
    if (signType === 'HMAC-SHA256') fields.sign_type = 'HMAC-SHA256';
    fields.sign = payV2Sign(fields, M.apiKey, signType);
    return httpsCall(sim.payUrl, path, buildPayXml(fields), options.client);
  }

  function newOutTradeNo(): string {
    return `T${Date.now()}${++seq}`;
  }

  function user(): string {
    return sim.login({ openId: `oUser${++seq}` }).openId;
  }

  async function order(params: Fields = {}, options: CallOptions = {}): Promise<Fields & { out_trade_no: string }> {
    const request = {
      body: '模拟商品',
      out_trade_no: newOutTradeNo(),
      total_fee: '1000',
      spbill_create_ip: '127.0.0.1',
      notify_url: target.url(),
      trade_type: 'JSAPI',
      openid: params.openid ?? user(),
      ...params,
    };
    const answer = await call('/pay/unifiedorder', request, options);
    expect(answer).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    return { ...answer, out_trade_no: request.out_trade_no };
  }

  async function paidOrder(params: Fields = {}, options: CallOptions = {}): Promise<{ outTradeNo: string; transactionId: string }> {
    const created = await order(params, options);
    const paid = await sim.pay({ prepayId: created.prepay_id });
    return { outTradeNo: created.out_trade_no, transactionId: paid.transactionId };
  }

  function refundCall(params: Fields, options: CallOptions = {}): Promise<Fields> {
    return call('/secapi/pay/refund', params, { client: DEV_CLIENT, ...options });
  }

  return {
    sim,
    target,
    urls: () => ({ base: sim.url, payBase: sim.payUrl }),
    call,
    download,
    newOutTradeNo,
    user,
    order,
    paidOrder,
    refundCall,
    control,
  };
}
