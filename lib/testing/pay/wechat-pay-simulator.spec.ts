import { spawn } from 'node:child_process';
import { X509Certificate, createHash, createHmac, createPrivateKey, createPublicKey } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { decryptRefundReqInfo, payV2Sign, verifyPayV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../../crypto/pay-xml.codec';
import { createNonceStr } from '../../crypto/random.util';
import { PayCryptoError } from '../../errors/pay-crypto.error';
import { SIMULATOR_DEV_CERTIFICATES, SIMULATOR_DEV_MERCHANT, SIMULATOR_DEV_V3, WeChatSimulator } from '../index';
import type { SimOrder, SimRefund } from '../index';
import { isLoopbackUrl } from './pay-format';
import { PayNotifier } from './pay-notifier';

/** Extra client certificates for the specs only (development keys, public on purpose). */
const OTHER_MERCHANT_CERT = `-----BEGIN CERTIFICATE-----
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
const OTHER_MERCHANT_KEY = `-----BEGIN PRIVATE KEY-----
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
const ROGUE_CA_CLIENT_CERT = `-----BEGIN CERTIFICATE-----
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
const ROGUE_CA_CLIENT_KEY = `-----BEGIN PRIVATE KEY-----
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

type Fields = Record<string, string>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const M = SIMULATOR_DEV_MERCHANT;
const CERTS = SIMULATOR_DEV_CERTIFICATES;
const DEV_CLIENT = { cert: CERTS.clientCert, key: CERTS.clientKey };
/** 1 simulated hour = 3.6 real seconds. */
const TIME_SCALE = 0.001;

/** The WeChat Pay v2 signature computed here from scratch, independently of lib/crypto. */
function independentSign(fields: Fields, apiKey: string, signType: 'MD5' | 'HMAC-SHA256'): string {
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

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  socket: TLSSocket;
}

interface TlsClient {
  cert?: string;
  key?: string;
  pfx?: Buffer;
  passphrase?: string;
  agent?: Agent | false;
  host?: string;
}

/** A raw HTTPS request to the pay server, trusting the development CA. */
function httpsCall(base: string, path: string, body: string | Buffer, client: TlsClient = {}, method = 'POST'): Promise<HttpAnswer> {
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

/** A tiny app receiving notifications: records them and answers from a queue (SUCCESS XML when empty). */
class NotifyTarget {
  readonly received: { at: number; body: string; headers: IncomingHttpHeaders }[] = [];
  readonly answers: { status: number; body: string }[] = [];
  private readonly server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.received.push({ at: Date.now(), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      const answer = this.answers.shift() ?? {
        status: 200,
        body: '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>',
      };
      res.writeHead(answer.status, { 'content-type': 'text/xml' });
      res.end(answer.body);
    });
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path = '/notify'): string {
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

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Today's `bill_date` of an order, from its Beijing `time_end`. */
function billDateOf(order: SimOrder | undefined): string {
  return (order?.timeEnd as string).slice(0, 8);
}

describe('WeChatSimulator (WeChat Pay side)', () => {
  const sim = new WeChatSimulator({ timeScale: TIME_SCALE, refundDelayMs: 200_000 });
  const target = new NotifyTarget();
  let base: string;
  let payBase: string;
  let seq = 0;

  beforeAll(async () => {
    base = await sim.start();
    payBase = sim.payUrl;
    await target.start();
  });
  afterAll(async () => {
    await sim.stop();
    await target.stop();
  });
  beforeEach(() => {
    sim.reset();
    target.reset();
  });
  afterEach(() => jest.restoreAllMocks());

  interface CallOptions {
    signType?: 'MD5' | 'HMAC-SHA256';
    apiKey?: string;
    client?: TlsClient;
    /** Do not add appid/mch_id/nonce_str. */
    bare?: boolean;
  }

  /** Signs and sends a request; checks the answer's signature whenever it is SUCCESS; resolves the answer's fields. */
  async function call(path: string, params: Fields, options: CallOptions = {}): Promise<Fields> {
    const signType = options.signType ?? 'MD5';
    const fields: Fields = options.bare ? { ...params } : { appid: M.appId, mch_id: M.mchId, nonce_str: createNonceStr(), ...params };
    if (signType === 'HMAC-SHA256' && fields.sign_type === undefined) fields.sign_type = 'HMAC-SHA256';
    fields.sign = payV2Sign(fields, options.apiKey ?? M.apiKey, signType);
    const answer = await httpsCall(payBase, path, buildPayXml(fields), options.client);
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
    return httpsCall(payBase, path, buildPayXml(fields), options.client);
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

  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${base}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json };
  }

  describe('servers and certificates', () => {
    it('serves HTTPS on its own port with the development server certificate, for 127.0.0.1 and localhost', async () => {
      expect(payBase).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(payBase).not.toBe(base.replace('http:', 'https:'));
      for (const host of ['127.0.0.1', 'localhost']) {
        const answer = await httpsCall(payBase, '/pay/orderquery', '', { host });
        expect(answer.socket.authorized).toBe(true);
        expect(await parsePayXml(answer.body)).toEqual({ return_code: 'FAIL', return_msg: 'post数据为空' });
      }
      // Without the development CA the certificate is not trusted.
      await expect(
        new Promise((resolve, reject) =>
          httpsRequest(`${payBase}/pay/orderquery`, { method: 'POST', agent: false }, resolve).on('error', reject).end(),
        ),
      ).rejects.toThrow(/certificate/);
    });

    it('lists the merchants, the CA and the pay URL on the control API', async () => {
      const res = await control('GET', '/__sim/merchants');
      // With v3 the public key of the merchant certificate (to verify a v3 paySign); never a private key.
      const v3PublicKey = createPublicKey(SIMULATOR_DEV_V3.merchantPrivateKey).export({ type: 'spki', format: 'pem' });
      expect(res.json).toEqual({ merchants: [{ ...M, v3PublicKey }], ca: CERTS.ca, payUrl: payBase });
      expect(JSON.stringify(res.json)).not.toMatch(/PRIVATE KEY/);
      expect(sim.merchants).toEqual([M]);
    });

    it('ships development certificates that chain to the development CA, with the documented subjects', () => {
      const ca = new X509Certificate(CERTS.ca);
      const server = new X509Certificate(CERTS.serverCert);
      const client = new X509Certificate(CERTS.clientCert);
      expect(ca.subject).toBe('CN=nestjs-miniprogram-api simulator development CA');
      expect(ca.ca).toBe(true);
      expect(server.verify(ca.publicKey)).toBe(true);
      expect(client.verify(ca.publicKey)).toBe(true);
      expect(server.subjectAltName).toBe('IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost');
      expect(client.subject).toMatch(/(^|\n)CN=1900000109$/);
      expect(client.checkPrivateKey(createPrivateKey(CERTS.clientKey))).toBe(true);
      // About 30 years.
      const years = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365.25 * 24 * 3600 * 1000);
      expect(years).toBeGreaterThan(29.9);
      expect(Date.parse(client.validTo)).toBeGreaterThan(Date.now() + 25 * 365 * 24 * 3600 * 1000);
    });

    it('loads the modern PKCS#12 with the mch_id as passphrase; the legacy one needs the legacy provider', async () => {
      const modern = Buffer.from(CERTS.clientPfxBase64, 'base64');
      expect(() => createSecureContext({ pfx: modern, passphrase: M.mchId })).not.toThrow();
      expect(() => createSecureContext({ pfx: modern, passphrase: 'wrong' })).toThrow();
      const legacy = Buffer.from(CERTS.legacyClientPfxBase64, 'base64');
      expect(legacy.equals(modern)).toBe(false);
      // Node's OpenSSL 3 refuses RC2-40 unless the process runs with the legacy provider.
      let loaded = true;
      try {
        createSecureContext({ pfx: legacy, passphrase: M.mchId });
      } catch (error) {
        loaded = false;
        expect((error as Error).message).toMatch(/Unsupported PKCS12 PFX data|unsupported/i);
      }
      if (!loaded) {
        const script = `
          const tls = require('node:tls');
          tls.createSecureContext({ pfx: Buffer.from(process.env.PFX, 'base64'), passphrase: '${M.mchId}' });
          process.stdout.write('loaded');`;
        const out = await new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', script], {
            env: { ...process.env, PFX: CERTS.legacyClientPfxBase64 },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.on('error', reject);
          child.on('exit', () => resolve(stdout));
        });
        expect(out).toBe('loaded');
      }
      // And the modern one authenticates as the merchant.
      const answer = await download(
        '/pay/downloadfundflow',
        { bill_date: '20200101', account_type: 'Basic' },
        {
          signType: 'HMAC-SHA256',
          client: { pfx: modern, passphrase: M.mchId },
        },
      );
      expect(await parsePayXml(answer.body)).toMatchObject({ return_code: 'SUCCESS', err_code: 'NO_BILL_EXIST' });
    });

    it('requires the merchant client certificate on the certificate APIs', async () => {
      const { transactionId } = await paidOrder();
      const refund = { transaction_id: transactionId, out_refund_no: 'R1', total_fee: '1000', refund_fee: '1' };
      const others = [{}, { cert: OTHER_MERCHANT_CERT, key: OTHER_MERCHANT_KEY }, { cert: ROGUE_CA_CLIENT_CERT, key: ROGUE_CA_CLIENT_KEY }];
      for (const client of others) {
        expect(await refundCall(refund, { client })).toEqual({ return_code: 'FAIL', return_msg: '证书错误' });
        const flow = await download(
          '/pay/downloadfundflow',
          { bill_date: '20200101', account_type: 'Basic' },
          { signType: 'HMAC-SHA256', client },
        );
        expect(await parsePayXml(flow.body)).toEqual({ return_code: 'FAIL', return_msg: '证书错误' });
        const comments = await download(
          '/billcommentsp/batchquerycomment',
          { begin_time: '20200101000000', end_time: '20200102000000', offset: '0' },
          { signType: 'HMAC-SHA256', client },
        );
        expect(await parsePayXml(comments.body)).toEqual({ return_code: 'FAIL', return_msg: '证书错误' });
      }
      expect(sim.refund('R1')).toBeUndefined();
      // The certificate of merchant 1900000999 is valid, but not for mch_id 1900000109.
      expect(await refundCall(refund)).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
      // Non-certificate APIs do not need one.
      expect(await call('/pay/orderquery', { transaction_id: transactionId })).toMatchObject({ trade_state: 'SUCCESS' });
    });

    it('keeps connections alive and keeps the client certificate on reused and resumed TLS sessions', async () => {
      const { transactionId } = await paidOrder();
      const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const first = await refundCall(
          { transaction_id: transactionId, out_refund_no: 'KA1', total_fee: '1000', refund_fee: '1' },
          { client: { ...DEV_CLIENT, agent: keepAlive } },
        );
        expect(first.result_code).toBe('SUCCESS');
        const a = await httpsCall(payBase, '/pay/orderquery', '', { ...DEV_CLIENT, agent: keepAlive });
        const b = await httpsCall(payBase, '/pay/orderquery', '', { ...DEV_CLIENT, agent: keepAlive });
        expect(a.socket).toBe(b.socket);
        const second = await refundCall(
          { transaction_id: transactionId, out_refund_no: 'KA2', total_fee: '1000', refund_fee: '1' },
          { client: { ...DEV_CLIENT, agent: keepAlive } },
        );
        expect(second.result_code).toBe('SUCCESS');
      } finally {
        keepAlive.destroy();
      }
      // New connections that resume the TLS session still present the certificate.
      const resuming = new Agent({ keepAlive: false, maxCachedSessions: 10 });
      try {
        let resumed = false;
        for (let i = 0; i < 3; i++) {
          const answer = await refundCall(
            { transaction_id: transactionId, out_refund_no: `RS${i}`, total_fee: '1000', refund_fee: '1' },
            { client: { ...DEV_CLIENT, agent: resuming } },
          );
          expect(answer.result_code).toBe('SUCCESS');
          const probe = await httpsCall(payBase, '/pay/orderquery', '', { ...DEV_CLIENT, agent: resuming });
          resumed ||= probe.socket.isSessionReused();
        }
        expect(resumed).toBe(true);
      } finally {
        resuming.destroy();
      }
    });
  });

  describe('common checks', () => {
    it('answers malformed requests with unsigned return_code FAIL', async () => {
      const send = async (body: string, path = '/pay/orderquery', method = 'POST'): Promise<Fields> =>
        parsePayXml((await httpsCall(payBase, path, body, {}, method)).body);
      expect(await send('')).toEqual({ return_code: 'FAIL', return_msg: 'post数据为空' });
      expect(await send('not xml')).toEqual({ return_code: 'FAIL', return_msg: 'XML格式错误' });
      expect(await send('<!DOCTYPE x [<!ENTITY a "b">]><xml><a>&a;</a></xml>')).toEqual({ return_code: 'FAIL', return_msg: 'XML格式错误' });
      expect(await send('<xml><a><b>1</b></a></xml>')).toEqual({ return_code: 'FAIL', return_msg: 'XML格式错误' });
      expect(await send('', '/pay/orderquery', 'GET')).toEqual({ return_code: 'FAIL', return_msg: '请使用post方法' });
      const unknown = await httpsCall(payBase, '/pay/nowhere', '<xml/>');
      expect(unknown.status).toBe(404);
      expect((await parsePayXml(unknown.body)).return_code).toBe('FAIL');
    });

    it('checks the merchant, the appid, the sign type, the signature and the nonce in that order', async () => {
      const q = { out_trade_no: 'T0000001' };
      expect(await call('/pay/orderquery', { ...q, appid: M.appId, nonce_str: 'n' }, { bare: true })).toEqual({
        return_code: 'FAIL',
        return_msg: 'mch_id参数缺失',
      });
      expect(await call('/pay/orderquery', { ...q, mch_id: '1999999999' })).toEqual({
        return_code: 'FAIL',
        return_msg: 'mch_id参数格式错误',
      });
      expect(await call('/pay/orderquery', { ...q, mch_id: M.mchId, nonce_str: 'n' }, { bare: true })).toEqual({
        return_code: 'FAIL',
        return_msg: 'appid参数缺失',
      });
      expect(await call('/pay/orderquery', { ...q, appid: 'wxsomeoneelse' })).toEqual({
        return_code: 'FAIL',
        return_msg: 'appid和mch_id不匹配',
      });
      expect(await call('/pay/orderquery', { ...q, sign_type: 'SHA1' })).toEqual({
        return_code: 'FAIL',
        return_msg: 'sign_type参数格式错误',
      });
      expect(await call('/pay/orderquery', { ...q, appid: M.appId, mch_id: M.mchId }, { bare: true })).toEqual({
        return_code: 'FAIL',
        return_msg: 'nonce_str参数缺失',
      });
    });

    it('answers 签名错误 for a wrong key, a tampered field or a sign type other than the declared one', async () => {
      const q = { out_trade_no: 'T0000001' };
      expect(await call('/pay/orderquery', q, { apiKey: 'notthekey0000000000000000000000' })).toEqual({
        return_code: 'FAIL',
        return_msg: '签名错误',
      });
      // Signed as MD5 but declared HMAC-SHA256.
      expect(await call('/pay/orderquery', { ...q, sign_type: 'HMAC-SHA256' }, { signType: 'MD5' })).toEqual({
        return_code: 'FAIL',
        return_msg: '签名错误',
      });
      const fields: Fields = { appid: M.appId, mch_id: M.mchId, nonce_str: 'abc', ...q };
      fields.sign = payV2Sign(fields, M.apiKey);
      fields.out_trade_no = 'T0000002';
      expect(await parsePayXml((await httpsCall(payBase, '/pay/orderquery', buildPayXml(fields))).body)).toEqual({
        return_code: 'FAIL',
        return_msg: '签名错误',
      });
      const unsigned: Fields = { appid: M.appId, mch_id: M.mchId, nonce_str: 'abc', ...q };
      expect(await parsePayXml((await httpsCall(payBase, '/pay/orderquery', buildPayXml(unsigned))).body)).toEqual({
        return_code: 'FAIL',
        return_msg: 'sign参数缺失',
      });
    });

    it('accepts extra unknown fields, which take part in the signature', async () => {
      const answer = await call('/pay/orderquery', { out_trade_no: 'T0000001', some_future_field: 'x' });
      expect(answer).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'ORDERNOTEXIST' });
    });
  });

  describe('/pay/unifiedorder', () => {
    it('creates a NOTPAY order and answers a prepay_id, signed MD5 like the request (checked independently)', async () => {
      const openid = user();
      const outTradeNo = newOutTradeNo();
      const before = Date.now();
      const answer = await call('/pay/unifiedorder', {
        body: '模拟商品 & <特价>',
        out_trade_no: outTradeNo,
        total_fee: '1',
        spbill_create_ip: '::1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
        openid,
        attach: 'a=1&b=2',
        device_info: 'WEB',
        time_start: '20260101080000',
        time_expire: '20991231235959',
        detail: '{"goods_detail":[]}',
      });
      expect(answer).toEqual({
        return_code: 'SUCCESS',
        return_msg: 'OK',
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: expect.any(String),
        sign: expect.stringMatching(/^[0-9A-F]{32}$/),
        result_code: 'SUCCESS',
        device_info: 'WEB',
        trade_type: 'JSAPI',
        prepay_id: expect.stringMatching(/^wx\d{14}[0-9a-f]{20}$/),
      });
      expect(answer.sign).toBe(independentSign(answer, M.apiKey, 'MD5'));
      const stored = sim.order(outTradeNo);
      expect(stored).toMatchObject({
        appId: M.appId,
        mchId: M.mchId,
        outTradeNo,
        body: '模拟商品 & <特价>',
        totalFee: 1,
        tradeType: 'JSAPI',
        openId: openid,
        attach: 'a=1&b=2',
        signType: 'MD5',
        prepayId: answer.prepay_id,
        tradeState: 'NOTPAY',
        refunds: [],
      });
      // 2 hours, scaled.
      expect(stored?.prepayExpiresAt).toBeGreaterThanOrEqual(before + 7200);
      expect(stored?.prepayExpiresAt).toBeLessThanOrEqual(Date.now() + 7200);
      expect((await control('GET', `/__sim/order?outTradeNo=${outTradeNo}`)).json).toEqual(stored);
    });

    it('answers an HMAC-SHA256 request with an HMAC-SHA256 signature (checked independently)', async () => {
      const { out_trade_no: outTradeNo, ...answer } = await order({}, { signType: 'HMAC-SHA256' });
      expect(answer.sign).toMatch(/^[0-9A-F]{64}$/);
      expect(answer.sign).toBe(independentSign(answer, M.apiKey, 'HMAC-SHA256'));
      expect(answer.sign_type).toBeUndefined();
      expect(verifyPayV2Sign(answer, M.apiKey, 'MD5')).toBe(false);
      expect(sim.order(outTradeNo)?.signType).toBe('HMAC-SHA256');
    });

    it('answers NATIVE and MWEB orders with their URLs', async () => {
      const native = await order({ trade_type: 'NATIVE', product_id: 'p1', openid: '' });
      expect(native.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
      const mweb = await order({ trade_type: 'MWEB', openid: '' });
      expect(mweb.mweb_url).toContain(mweb.prepay_id);
    });

    it.each([
      ['body', { body: '' }, 'body参数缺失'],
      ['body', { body: 'x'.repeat(128) }, 'body参数格式错误'],
      ['out_trade_no', { out_trade_no: '' }, 'out_trade_no参数缺失'],
      ['out_trade_no', { out_trade_no: 'abc' }, 'out_trade_no参数格式错误'],
      ['out_trade_no', { out_trade_no: 'a'.repeat(33) }, 'out_trade_no参数格式错误'],
      ['out_trade_no', { out_trade_no: 'has space1' }, 'out_trade_no参数格式错误'],
      ['total_fee', { total_fee: '' }, 'total_fee参数缺失'],
      ['total_fee', { total_fee: '0' }, 'total_fee参数格式错误'],
      ['total_fee', { total_fee: '1.5' }, 'total_fee参数格式错误'],
      ['total_fee', { total_fee: '-1' }, 'total_fee参数格式错误'],
      ['spbill_create_ip', { spbill_create_ip: '' }, 'spbill_create_ip参数缺失'],
      ['spbill_create_ip', { spbill_create_ip: 'localhost' }, 'spbill_create_ip参数格式错误'],
      ['notify_url', { notify_url: '' }, 'notify_url参数缺失'],
      ['notify_url', { notify_url: 'ftp://127.0.0.1/x' }, 'notify_url参数格式错误'],
      ['trade_type', { trade_type: '' }, 'trade_type参数缺失'],
      ['trade_type', { trade_type: 'MICROPAY' }, 'trade_type参数格式错误'],
      ['openid', { openid: '' }, 'openid参数缺失'],
      ['time_expire', { time_expire: '20261301000000' }, 'time_expire参数格式错误'],
      ['fee_type', { fee_type: 'USD' }, 'fee_type参数格式错误'],
    ])('answers FAIL for a bad %s (%j)', async (_name, override, returnMsg) => {
      const request: Fields = {
        body: 'b',
        out_trade_no: newOutTradeNo(),
        total_fee: '1',
        spbill_create_ip: '127.0.0.1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
        openid: user(),
        ...override,
      };
      expect(await call('/pay/unifiedorder', request)).toEqual({ return_code: 'FAIL', return_msg: returnMsg });
    });

    it('refuses an openid the simulator does not know for the app with PARAM_ERROR, signed', async () => {
      const answer = await call('/pay/unifiedorder', {
        body: 'b',
        out_trade_no: newOutTradeNo(),
        total_fee: '1',
        spbill_create_ip: '127.0.0.1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
        openid: 'oNeverLoggedIn',
      });
      expect(answer).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'FAIL',
        err_code: 'PARAM_ERROR',
        err_code_des: 'appid和openid不匹配',
      });
      expect(answer.prepay_id).toBeUndefined();
    });

    it('reuses an out_trade_no only for the same order while unpaid', async () => {
      const openid = user();
      const first = await order({ openid, total_fee: '100', body: 'b' });
      const request = { openid, total_fee: '100', body: 'b', out_trade_no: first.out_trade_no };
      expect((await order(request)).prepay_id).toBe(first.prepay_id);
      for (const changed of [{ total_fee: '101' }, { body: 'other' }, { openid: user() }]) {
        expect(await call('/pay/unifiedorder', { ...baseOrder(), ...request, ...changed })).toMatchObject({
          return_code: 'SUCCESS',
          result_code: 'FAIL',
          err_code: 'OUT_TRADE_NO_USED',
          err_code_des: '商户订单号重复',
        });
      }
      await sim.pay({ prepayId: first.prepay_id });
      expect(await call('/pay/unifiedorder', { ...baseOrder(), ...request })).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERPAID' });
      const closed = await order({ openid });
      expect((await call('/pay/closeorder', { out_trade_no: closed.out_trade_no })).result_code).toBe('SUCCESS');
      expect(await call('/pay/unifiedorder', { ...baseOrder(), openid, out_trade_no: closed.out_trade_no })).toMatchObject({
        result_code: 'FAIL',
        err_code: 'ORDERCLOSED',
      });
    });

    it('expires a prepay_id after 2 scaled hours; ordering again gives a new one', async () => {
      const openid = user();
      const first = await order({ openid });
      const realNow = Date.now.bind(Date);
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 7300);
      const expired = await control('POST', '/__sim/pay', { prepayId: first.prepay_id });
      expect(expired.status).toBe(410);
      expect(expired.json.error).toMatch(/expired/);
      const again = await order({ openid, out_trade_no: first.out_trade_no });
      expect(again.prepay_id).not.toBe(first.prepay_id);
      expect((await control('POST', '/__sim/pay', { prepayId: first.prepay_id })).status).toBe(410);
      const paid = await control('POST', '/__sim/pay', { prepayId: again.prepay_id });
      expect(paid.status).toBe(200);
      expect(paid.json.outTradeNo).toBe(first.out_trade_no);
    });

    it('refuses to pay after time_expire', async () => {
      const created = await order({ time_expire: '20200101000000' });
      await expect(sim.pay({ prepayId: created.prepay_id })).rejects.toMatchObject({ status: 410 });
    });

    function baseOrder(): Fields {
      return {
        body: 'b',
        out_trade_no: newOutTradeNo(),
        total_fee: '1',
        spbill_create_ip: '127.0.0.1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
      };
    }
  });

  describe('/__sim/pay', () => {
    it('answers 404 for an unknown prepay_id, 409 when paid, 400 for bad input', async () => {
      expect((await control('POST', '/__sim/pay', { prepayId: 'wxnope' })).status).toBe(404);
      expect((await control('POST', '/__sim/pay', {})).status).toBe(400);
      const created = await order();
      expect((await control('POST', '/__sim/pay', { prepayId: created.prepay_id, result: 'MAYBE' })).status).toBe(400);
      expect((await control('POST', '/__sim/pay', { prepayId: created.prepay_id, bankType: 'cmb debit' })).status).toBe(400);
      expect((await control('POST', '/__sim/pay', { prepayId: created.prepay_id, bankType: 'CMB_DEBIT' })).status).toBe(200);
      const again = await control('POST', '/__sim/pay', { prepayId: created.prepay_id });
      expect(again).toEqual({ status: 409, json: { error: 'the order is already paid' } });
      expect(sim.order(created.out_trade_no)?.bankType).toBe('CMB_DEBIT');
    });
  });

  describe('/pay/orderquery and /pay/closeorder', () => {
    it('reports NOTPAY, then SUCCESS with the payment fields; transaction_id wins over out_trade_no', async () => {
      const created = await order({ attach: 'att' });
      const notPaid = await call('/pay/orderquery', { out_trade_no: created.out_trade_no });
      expect(notPaid).toMatchObject({ result_code: 'SUCCESS', trade_state: 'NOTPAY', trade_state_desc: '订单未支付', attach: 'att' });
      expect(notPaid.transaction_id).toBeUndefined();
      expect(notPaid.time_end).toBeUndefined();

      const before = Date.now();
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(paid.transactionId).toMatch(/^\d{28}$/);
      const other = await order();
      const answer = await call('/pay/orderquery', { transaction_id: paid.transactionId, out_trade_no: other.out_trade_no });
      const stored = sim.order(created.out_trade_no) as SimOrder;
      expect(answer).toMatchObject({
        result_code: 'SUCCESS',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        out_trade_no: created.out_trade_no,
        transaction_id: paid.transactionId,
        openid: stored.openId,
        is_subscribe: 'N',
        trade_type: 'JSAPI',
        bank_type: 'OTHERS',
        total_fee: '1000',
        fee_type: 'CNY',
        cash_fee: '1000',
        attach: 'att',
        time_end: stored.timeEnd,
      });
      // time_end is Beijing time.
      const beijing = new Date(before + 8 * 3600 * 1000).toISOString().replace(/[-T:]/g, '').slice(0, 12);
      expect(answer.time_end.slice(0, 12) >= beijing).toBe(true);
      expect(answer.time_end).toMatch(/^\d{14}$/);
    });

    it('reports PAYERROR after a failed payment, and ORDERNOTEXIST for unknown orders', async () => {
      const created = await order();
      const failed = await sim.pay({ prepayId: created.prepay_id, result: 'FAIL' });
      expect(failed.notification.acknowledged).toBe(true);
      expect(await call('/pay/orderquery', { out_trade_no: created.out_trade_no })).toMatchObject({ trade_state: 'PAYERROR' });
      expect(await call('/pay/orderquery', { out_trade_no: 'T9999999' })).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'FAIL',
        err_code: 'ORDERNOTEXIST',
      });
      expect(await call('/pay/orderquery', { transaction_id: '4200000000000000000000000000' })).toMatchObject({
        err_code: 'ORDERNOTEXIST',
      });
      expect(await call('/pay/orderquery', {})).toEqual({ return_code: 'FAIL', return_msg: 'transaction_id或out_trade_no参数缺失' });
      // A failed payment can be retried.
      expect((await sim.pay({ prepayId: created.prepay_id })).transactionId).toBe(failed.transactionId);
    });

    it('closes an unpaid order once; never a paid one', async () => {
      const created = await order();
      expect(await call('/pay/closeorder', { out_trade_no: created.out_trade_no })).toMatchObject({
        result_code: 'SUCCESS',
        result_msg: 'OK',
      });
      expect(await call('/pay/orderquery', { out_trade_no: created.out_trade_no })).toMatchObject({ trade_state: 'CLOSED' });
      expect(await call('/pay/closeorder', { out_trade_no: created.out_trade_no })).toMatchObject({
        result_code: 'FAIL',
        err_code: 'ORDERCLOSED',
      });
      const closedPay = await control('POST', '/__sim/pay', { prepayId: created.prepay_id });
      expect(closedPay.status).toBe(410);
      const { outTradeNo } = await paidOrder();
      expect(await call('/pay/closeorder', { out_trade_no: outTradeNo })).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERPAID' });
      expect(await call('/pay/closeorder', { out_trade_no: 'T8888888' })).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERNOTEXIST' });
      expect(await call('/pay/closeorder', {})).toEqual({ return_code: 'FAIL', return_msg: 'out_trade_no参数缺失' });
    });
  });

  describe('/secapi/pay/refund and /pay/refundquery', () => {
    it('accepts a refund as PROCESSING, settles it after the scaled delay, and retries are idempotent', async () => {
      const { outTradeNo, transactionId } = await paidOrder();
      const request = { out_trade_no: outTradeNo, out_refund_no: 'R-1', total_fee: '1000', refund_fee: '300', refund_desc: '缺货' };
      const answer = await refundCall(request, { signType: 'HMAC-SHA256' });
      expect(answer).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'SUCCESS',
        transaction_id: transactionId,
        out_trade_no: outTradeNo,
        out_refund_no: 'R-1',
        refund_id: expect.stringMatching(/^\d{29}$/),
        refund_fee: '300',
        total_fee: '1000',
        cash_fee: '1000',
        cash_refund_fee: '300',
      });
      expect(sim.refund('R-1')).toMatchObject({ status: 'PROCESSING', refundDesc: '缺货', refundId: answer.refund_id });
      const again = await refundCall(request);
      expect(again.refund_id).toBe(answer.refund_id);
      expect(await refundCall({ ...request, refund_fee: '301' })).toMatchObject({
        result_code: 'FAIL',
        err_code: 'INVALID_REQUEST',
        err_code_des: '订单金额或退款金额与之前请求不一致',
      });
      const processing = await call('/pay/refundquery', { out_refund_no: 'R-1' });
      expect(processing).toMatchObject({ refund_count: '1', refund_status_0: 'PROCESSING' });
      expect(processing.refund_success_time_0).toBeUndefined();
      await waitFor(() => sim.refund('R-1')?.status === 'SUCCESS');
      expect(sim.order(outTradeNo)?.tradeState).toBe('REFUND');
      expect(await call('/pay/orderquery', { out_trade_no: outTradeNo })).toMatchObject({ trade_state: 'REFUND' });
      const settled = await call('/pay/refundquery', { refund_id: answer.refund_id });
      expect(settled).toMatchObject({
        result_code: 'SUCCESS',
        transaction_id: transactionId,
        out_trade_no: outTradeNo,
        total_fee: '1000',
        cash_fee: '1000',
        total_refund_count: '1',
        refund_count: '1',
        out_refund_no_0: 'R-1',
        refund_id_0: answer.refund_id,
        refund_fee_0: '300',
        refund_status_0: 'SUCCESS',
        refund_channel_0: 'ORIGINAL',
        refund_recv_accout_0: '支付用户的零钱',
        refund_account_0: 'REFUND_SOURCE_RECHARGE_FUNDS',
        refund_success_time_0: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      });
      expect(settled.refund_success_time_0).toBe(sim.refund('R-1')?.successTime);
      expect((await control('GET', '/__sim/refund?outRefundNo=R-1')).json).toEqual(sim.refund('R-1'));
    });

    it('limits refunds to what is left, counting closed refunds out', async () => {
      const { outTradeNo } = await paidOrder();
      const r = (no: string, fee: string, total = '1000'): Promise<Fields> =>
        refundCall({ out_trade_no: outTradeNo, out_refund_no: no, total_fee: total, refund_fee: fee });
      expect((await r('A', '600')).result_code).toBe('SUCCESS');
      expect(await r('B', '401')).toMatchObject({
        result_code: 'FAIL',
        err_code: 'INVALID_REQUEST',
        err_code_des: '累计退款金额大于支付金额',
      });
      expect(await r('C', '100', '999')).toMatchObject({ result_code: 'FAIL', err_code: 'INVALID_REQUEST' });
      expect((await r('D', '400')).result_code).toBe('SUCCESS');
      expect(await r('E', '1')).toMatchObject({ err_code: 'INVALID_REQUEST' });
      const closed = await sim.settleRefund({ outRefundNo: 'D', status: 'REFUNDCLOSE' });
      expect(closed.refund.status).toBe('REFUNDCLOSE');
      expect((await r('E', '400')).result_code).toBe('SUCCESS');
      expect(await r('A', '600', '1000')).toMatchObject({ result_code: 'SUCCESS' });
      const other = await paidOrder();
      expect(await refundCall({ out_trade_no: other.outTradeNo, out_refund_no: 'A', total_fee: '1000', refund_fee: '600' })).toMatchObject({
        err_code: 'INVALID_REQUEST',
      });
      expect((await control('POST', '/__sim/settleRefund', { outRefundNo: 'D' })).status).toBe(409);
      expect((await control('POST', '/__sim/settleRefund', { outRefundNo: 'nope' })).status).toBe(404);
    });

    it('refuses refunds of unpaid and unknown orders, and bad fields', async () => {
      const created = await order();
      const request = { out_trade_no: created.out_trade_no, out_refund_no: 'X1', total_fee: '1000', refund_fee: '1' };
      expect(await refundCall(request)).toMatchObject({ result_code: 'FAIL', err_code: 'TRADE_STATE_ERROR' });
      expect(await refundCall({ ...request, out_trade_no: 'T7777777' })).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERNOTEXIST' });
      expect(await refundCall({ ...request, refund_fee: '0' })).toEqual({ return_code: 'FAIL', return_msg: 'refund_fee参数格式错误' });
      expect(await refundCall({ ...request, out_refund_no: 'x'.repeat(65) })).toEqual({
        return_code: 'FAIL',
        return_msg: 'out_refund_no参数格式错误',
      });
      expect(await refundCall({ ...request, out_refund_no: '' })).toEqual({ return_code: 'FAIL', return_msg: 'out_refund_no参数缺失' });
      expect(await refundCall({ ...request, notify_url: 'javascript:alert(1)' })).toEqual({
        return_code: 'FAIL',
        return_msg: 'notify_url参数格式错误',
      });
    });

    it('lists refunds with indexed fields, ten per page from offset, and REFUNDNOTEXIST otherwise', async () => {
      const { outTradeNo, transactionId } = await paidOrder({ total_fee: '10000' });
      for (let i = 0; i < 12; i++) {
        expect(
          (await refundCall({ transaction_id: transactionId, out_refund_no: `P${i}`, total_fee: '10000', refund_fee: String(i + 1) }))
            .result_code,
        ).toBe('SUCCESS');
      }
      const first = await call('/pay/refundquery', { out_trade_no: outTradeNo });
      expect(first).toMatchObject({ total_refund_count: '12', refund_count: '10', out_refund_no_0: 'P0', refund_fee_9: '10' });
      expect(first.out_refund_no_10).toBeUndefined();
      const second = await call('/pay/refundquery', { transaction_id: transactionId, offset: '10' });
      expect(second).toMatchObject({
        total_refund_count: '12',
        refund_count: '2',
        out_refund_no_0: 'P10',
        out_refund_no_1: 'P11',
        refund_fee: '23',
      });
      // refund_id > out_refund_no > transaction_id > out_trade_no.
      const byPriority = await call('/pay/refundquery', {
        out_refund_no: 'P3',
        transaction_id: transactionId,
        refund_id: sim.refund('P5')?.refundId as string,
      });
      expect(byPriority).toMatchObject({ refund_count: '1', out_refund_no_0: 'P5' });
      const unpaid = await order();
      expect(await call('/pay/refundquery', { out_trade_no: unpaid.out_trade_no })).toMatchObject({
        result_code: 'FAIL',
        err_code: 'REFUNDNOTEXIST',
      });
      expect(await call('/pay/refundquery', { out_refund_no: 'nope' })).toMatchObject({ err_code: 'REFUNDNOTEXIST' });
      expect(await call('/pay/refundquery', { out_trade_no: outTradeNo, offset: '12' })).toMatchObject({ err_code: 'REFUNDNOTEXIST' });
    });
  });

  describe('bills', () => {
    async function dayWithTrades(): Promise<{ billDate: string; a: string; b: string }> {
      const a = await paidOrder({ total_fee: '1000', attach: 'att' });
      const b = await paidOrder({ total_fee: '250', body: '第二件' });
      await refundCall({ out_trade_no: a.outTradeNo, out_refund_no: 'BR1', total_fee: '1000', refund_fee: '100' });
      await sim.settleRefund({ outRefundNo: 'BR1' });
      return { billDate: billDateOf(sim.order(a.outTradeNo)), a: a.outTradeNo, b: b.outTradeNo };
    }

    function lines(text: string): string[] {
      expect(text.endsWith('\r\n')).toBe(true);
      return text.slice(0, -2).split('\r\n');
    }

    function values(line: string): string[] {
      const cells = line.split(',');
      for (const cell of cells) expect(cell.startsWith('`')).toBe(true);
      return cells.map((cell) => cell.slice(1));
    }

    it('downloads the ALL bill in WeChat CSV shape: header, backticked rows, summary', async () => {
      const { billDate, a, b } = await dayWithTrades();
      const answer = await download('/pay/downloadbill', { bill_date: billDate, bill_type: 'ALL' });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('text/plain;charset=utf-8');
      const rows = lines(answer.text);
      expect(rows[0]).toBe(
        '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
      );
      expect(rows).toHaveLength(6);
      const [payA, payB, refund] = rows.slice(1, 4).map(values);
      for (const row of [payA, payB, refund]) expect(row).toHaveLength(27);
      const orderA = sim.order(a) as SimOrder;
      expect(payA).toEqual([
        expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
        M.appId,
        M.mchId,
        '0',
        '',
        orderA.transactionId,
        a,
        orderA.openId,
        'JSAPI',
        'SUCCESS',
        'OTHERS',
        'CNY',
        '10.00',
        '0.00',
        '0',
        '0',
        '0.00',
        '0.00',
        '',
        '',
        '模拟商品',
        'att',
        '0.06000',
        '0.60%',
        '10.00',
        '0.00',
        '',
      ]);
      expect(payB[6]).toBe(b);
      expect(payB[12]).toBe('2.50');
      expect(payB[22]).toBe('0.02000');
      expect(refund.slice(9, 20)).toEqual([
        'REFUND',
        'OTHERS',
        'CNY',
        '0.00',
        '0.00',
        sim.refund('BR1')?.refundId,
        'BR1',
        '1.00',
        '0.00',
        'ORIGINAL',
        'SUCCESS',
      ]);
      expect(refund[25]).toBe('1.00');
      expect(rows[4]).toBe('总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额');
      expect(values(rows[5])).toEqual(['3', '12.50', '1.00', '0.00', '0.07000', '12.50', '1.00']);
    });

    it('downloads SUCCESS and REFUND bills with their own columns, and gzip on request', async () => {
      const { billDate } = await dayWithTrades();
      const success = lines((await download('/pay/downloadbill', { bill_date: billDate, bill_type: 'SUCCESS' })).text);
      expect(success[0].split(',')).toHaveLength(20);
      expect(success).toHaveLength(5);
      expect(values(success[4])[0]).toBe('2');
      const refund = lines((await download('/pay/downloadbill', { bill_date: billDate, bill_type: 'REFUND' })).text);
      expect(refund[0].split(',')).toHaveLength(29);
      expect(refund[0]).toContain('退款申请时间,退款成功时间');
      expect(refund).toHaveLength(4);
      expect(values(refund[1])).toHaveLength(29);
      const plain = await download('/pay/downloadbill', { bill_date: billDate });
      const zipped = await download('/pay/downloadbill', { bill_date: billDate, tar_type: 'GZIP' }, { signType: 'HMAC-SHA256' });
      expect(zipped.headers['content-type']).toBe('application/x-gzip');
      expect(zipped.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(gunzipSync(zipped.body).toString('utf8')).toBe(plain.text);
    });

    it('answers No Bill Exist as XML for an empty day or bill type, and FAIL for bad fields', async () => {
      const { billDate } = await dayWithTrades();
      const empty = await download('/pay/downloadbill', { bill_date: '20200101' });
      expect(empty.headers['content-type']).toBe('text/xml; charset=utf-8');
      expect(await parsePayXml(empty.body)).toEqual({ return_code: 'FAIL', return_msg: 'No Bill Exist', error_code: '20002' });
      expect(
        await parsePayXml((await download('/pay/downloadbill', { bill_date: billDate, bill_type: 'RECHARGE_REFUND' })).body),
      ).toMatchObject({
        return_msg: 'No Bill Exist',
      });
      expect(await call('/pay/downloadbill', { bill_date: '20201332' })).toEqual({
        return_code: 'FAIL',
        return_msg: 'bill_date参数格式错误',
      });
      expect(await call('/pay/downloadbill', { bill_date: billDate, bill_type: 'EVERYTHING' })).toEqual({
        return_code: 'FAIL',
        return_msg: 'bill_type参数格式错误',
      });
      expect(await call('/pay/downloadbill', { bill_date: billDate, tar_type: 'ZIP' })).toEqual({
        return_code: 'FAIL',
        return_msg: 'tar_type参数格式错误',
      });
      expect(await call('/pay/downloadbill', {})).toEqual({ return_code: 'FAIL', return_msg: 'bill_date参数缺失' });
    });

    it('downloads the fund flow with HMAC-SHA256 and the client certificate only', async () => {
      const { billDate, a } = await dayWithTrades();
      const request = { bill_date: billDate, account_type: 'Basic' };
      expect(await call('/pay/downloadfundflow', request, { client: DEV_CLIENT })).toEqual({
        return_code: 'FAIL',
        return_msg: 'sign_type必须为HMAC-SHA256',
      });
      const answer = await download('/pay/downloadfundflow', request, { signType: 'HMAC-SHA256', client: DEV_CLIENT });
      expect(answer.headers['content-type']).toBe('text/plain;charset=utf-8');
      const rows = lines(answer.text);
      expect(rows[0]).toBe(
        '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号',
      );
      const body = rows.slice(1, -2).map(values);
      const orderA = sim.order(a) as SimOrder;
      expect(body[0]).toEqual([
        expect.any(String),
        orderA.transactionId,
        expect.stringMatching(new RegExp(`^${M.mchId}${billDate}\\d{10}$`)),
        '交易',
        '交易',
        '收入',
        '10.00',
        '10.00',
        'system',
        '',
        a,
      ]);
      expect(body[1].slice(3, 8)).toEqual(['交易', '扣除交易手续费', '支出', '0.06', '9.94']);
      const refundRow = body.find((row) => row[3] === '退款') as string[];
      expect(refundRow).toEqual([
        expect.any(String),
        sim.refund('BR1')?.refundId,
        expect.any(String),
        '退款',
        '退款',
        '支出',
        '0.99',
        expect.any(String),
        `${M.mchId}API`,
        '退款总金额1.00元;含手续费0.01元',
        'BR1',
      ]);
      expect(rows.at(-2)).toBe('资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额');
      expect(values(rows.at(-1) as string)).toEqual([String(body.length), '2', '12.50', String(body.length - 2), expect.any(String)]);
      // The final balance is everything in minus everything out.
      expect(body.at(-1)?.[7]).toBe('11.43');
      const again = await download('/pay/downloadfundflow', request, { signType: 'HMAC-SHA256', client: DEV_CLIENT });
      expect(again.text).toBe(answer.text);
      const zipped = await download(
        '/pay/downloadfundflow',
        { ...request, tar_type: 'GZIP' },
        { signType: 'HMAC-SHA256', client: DEV_CLIENT },
      );
      expect(gunzipSync(zipped.body).toString('utf8')).toBe(answer.text);
      for (const empty of [
        { bill_date: billDate, account_type: 'Operation' },
        { bill_date: '20200101', account_type: 'Basic' },
      ]) {
        expect(await call('/pay/downloadfundflow', empty, { signType: 'HMAC-SHA256', client: DEV_CLIENT })).toMatchObject({
          return_code: 'SUCCESS',
          result_code: 'FAIL',
          err_code: 'NO_BILL_EXIST',
        });
      }
      expect(
        await call(
          '/pay/downloadfundflow',
          { bill_date: billDate, account_type: 'basic' },
          { signType: 'HMAC-SHA256', client: DEV_CLIENT },
        ),
      ).toEqual({
        return_code: 'FAIL',
        return_msg: 'account_type参数格式错误',
      });
    });

    it('lists one comment per paid order with the next offset first (HMAC-SHA256 and certificate)', async () => {
      const paid = [await paidOrder(), await paidOrder(), await paidOrder()];
      await order();
      const request = { begin_time: '20200101000000', end_time: '20991231235959', offset: '0', limit: '2' };
      expect(await call('/billcommentsp/batchquerycomment', request, { client: DEV_CLIENT })).toEqual({
        return_code: 'FAIL',
        return_msg: 'sign_type必须为HMAC-SHA256',
      });
      const first = await download('/billcommentsp/batchquerycomment', request, { signType: 'HMAC-SHA256', client: DEV_CLIENT });
      expect(first.headers['content-type']).toBe('text/plain;charset=utf-8');
      const [offset, ...comments] = first.text.split('\n');
      expect(offset).toBe('2');
      expect(comments).toHaveLength(2);
      const [time, transactionId, score, text] = comments[0].split(',');
      expect(time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(transactionId).toBe(paid[0].transactionId);
      expect(Number(score)).toBeGreaterThanOrEqual(1);
      expect(Number(score)).toBeLessThanOrEqual(5);
      expect(text.length).toBeGreaterThan(0);
      const next = await download(
        '/billcommentsp/batchquerycomment',
        { ...request, offset },
        { signType: 'HMAC-SHA256', client: DEV_CLIENT },
      );
      expect(next.text.split('\n')).toEqual(['3', expect.stringContaining(paid[2].transactionId)]);
      const none = await download(
        '/billcommentsp/batchquerycomment',
        { ...request, begin_time: '20200101000000', end_time: '20200102000000' },
        { signType: 'HMAC-SHA256', client: DEV_CLIENT },
      );
      expect(none.text).toBe('0');
      expect(
        await call('/billcommentsp/batchquerycomment', { ...request, limit: '201' }, { signType: 'HMAC-SHA256', client: DEV_CLIENT }),
      ).toEqual({
        return_code: 'FAIL',
        return_msg: 'limit参数格式错误',
      });
      expect(
        await call('/billcommentsp/batchquerycomment', { ...request, offset: '' }, { signType: 'HMAC-SHA256', client: DEV_CLIENT }),
      ).toEqual({
        return_code: 'FAIL',
        return_msg: 'offset参数缺失',
      });
    });
  });

  describe('/payitil/report', () => {
    it('records reports and answers SUCCESS', async () => {
      const report = {
        interface_url: 'https://api.mch.weixin.qq.com/pay/unifiedorder',
        execute_time_: '120',
        return_code: 'SUCCESS',
        result_code: 'SUCCESS',
        user_ip: '203.0.113.5',
        time: '20260101120000',
      };
      expect(await call('/payitil/report', report)).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
      expect(sim.reports).toEqual([{ appId: M.appId, mchId: M.mchId, at: expect.any(Number), fields: expect.objectContaining(report) }]);
      expect(sim.reports[0].fields.sign).toBeUndefined();
      expect((await control('GET', '/__sim/reports')).json.reports).toEqual(sim.reports);
      const { user_ip: _ip, ...noIp } = report;
      expect(await call('/payitil/report', noIp)).toEqual({ return_code: 'FAIL', return_msg: 'user_ip参数缺失' });
      const { execute_time_: _t, ...noTime } = report;
      expect(await call('/payitil/report', noTime)).toEqual({ return_code: 'FAIL', return_msg: 'execute_time_参数缺失' });
      expect(sim.reports).toHaveLength(1);
    });
  });

  describe('faults and the calls log', () => {
    it('applies status, payErrCode, delay and close faults to pay paths, and logs pay calls', async () => {
      const statusFault = sim.addFault({ path: '/pay/orderquery', status: 503 });
      const unavailable = await httpsCall(payBase, '/pay/orderquery', '<xml/>');
      expect(unavailable.status).toBe(503);
      expect(unavailable.text).toBe('Service Unavailable');

      sim.addFault({ path: '/pay/unifiedorder', payErrCode: 'SYSTEMERROR' });
      const faulted = await call(
        '/pay/unifiedorder',
        { body: 'b', out_trade_no: newOutTradeNo(), total_fee: '1' },
        { signType: 'HMAC-SHA256' },
      );
      expect(faulted).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'FAIL',
        err_code: 'SYSTEMERROR',
        err_code_des: expect.any(String),
      });

      sim.addFault({ path: '/pay/orderquery', close: true });
      await expect(httpsCall(payBase, '/pay/orderquery', '<xml/>')).rejects.toThrow();

      sim.addFault({ path: '/pay/orderquery', delayMs: 150 });
      const started = Date.now();
      await call('/pay/orderquery', { out_trade_no: 'T0000001' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);

      // errcode faults are for the JSON APIs: a pay call does not use them up.
      const jsonFault = sim.addFault({ path: '*', errcode: -1 });
      expect((await call('/pay/orderquery', { out_trade_no: 'T0000001' })).return_code).toBe('SUCCESS');
      expect(sim.faults).toEqual([jsonFault]);
      sim.clearFaults();

      const calls = sim.calls;
      expect(calls[0]).toEqual({ method: 'POST', path: '/pay/orderquery', at: expect.any(Number), status: 503, faultId: statusFault.id });
      expect(calls[1]).toMatchObject({
        path: '/pay/unifiedorder',
        status: 200,
        appId: M.appId,
        mchId: M.mchId,
        returnCode: 'SUCCESS',
        errCode: 'SYSTEMERROR',
      });
      expect(calls.at(-1)).toMatchObject({ path: '/pay/orderquery', status: 200, returnCode: 'SUCCESS', errCode: 'ORDERNOTEXIST' });
    });

    it('answers a payErrCode fault with its HTTP status when both are given; unknown fields stay refused', async () => {
      sim.addFault({ path: '/pay/closeorder', payErrCode: 'SYSTEMERROR', status: 500 });
      const answer = await download('/pay/closeorder', { out_trade_no: 'T0000001' });
      expect(answer.status).toBe(500);
      expect(await parsePayXml(answer.body)).toMatchObject({ result_code: 'FAIL', err_code: 'SYSTEMERROR' });
      expect(() => sim.addFault({ payErrCode: 'lower' })).toThrow(/payErrCode/);
      expect(() => sim.addFault({ path: '/pay/closeorder', payErrcode: 'X' } as never)).toThrow(/unknown fault fields/);
    });
  });

  describe('payment notifications', () => {
    it('delivers the signed payment notification (checked independently) and reports the first attempt', async () => {
      const created = await order({ attach: '附加' });
      const result = await control('POST', '/__sim/pay', { prepayId: created.prepay_id });
      expect(result.status).toBe(200);
      expect(target.received).toHaveLength(1);
      const received = target.received[0];
      expect(received.headers['content-type']).toBe('text/xml');
      const fields = await parsePayXml(received.body);
      const stored = sim.order(created.out_trade_no) as SimOrder;
      expect(fields).toEqual({
        return_code: 'SUCCESS',
        return_msg: 'OK',
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
        result_code: 'SUCCESS',
        openid: stored.openId,
        is_subscribe: 'N',
        trade_type: 'JSAPI',
        bank_type: 'OTHERS',
        total_fee: '1000',
        fee_type: 'CNY',
        cash_fee: '1000',
        transaction_id: stored.transactionId,
        out_trade_no: created.out_trade_no,
        attach: '附加',
        time_end: stored.timeEnd,
        sign: expect.stringMatching(/^[0-9A-F]{32}$/),
      });
      expect(fields.sign).toBe(independentSign(fields, M.apiKey, 'MD5'));
      expect(result.json).toEqual({
        outTradeNo: created.out_trade_no,
        transactionId: stored.transactionId,
        notification: {
          id: expect.any(String),
          kind: 'pay',
          mchId: M.mchId,
          outTradeNo: created.out_trade_no,
          url: target.url(),
          variant: 'genuine',
          attempts: [{ at: expect.any(Number), status: 200, body: expect.stringContaining('SUCCESS') }],
          acknowledged: true,
          done: true,
          refused: false,
        },
      });
      expect(sim.notifications).toEqual([result.json.notification]);
      expect((await control('GET', '/__sim/notifications')).json.notifications).toEqual(sim.notifications);
      expect((await control('DELETE', '/__sim/notifications')).status).toBe(200);
      expect(sim.notifications).toEqual([]);
    });

    it('signs the notification of an HMAC-SHA256 order with HMAC-SHA256 and says so in sign_type', async () => {
      const created = await order({}, { signType: 'HMAC-SHA256' });
      await sim.pay({ prepayId: created.prepay_id });
      const fields = await parsePayXml(target.received[0].body);
      expect(fields.sign_type).toBe('HMAC-SHA256');
      expect(fields.sign).toBe(independentSign(fields, M.apiKey, 'HMAC-SHA256'));
    });

    it('notifies a failed payment with result_code FAIL', async () => {
      const created = await order();
      await sim.pay({ prepayId: created.prepay_id, result: 'FAIL' });
      const fields = await parsePayXml(target.received[0].body);
      expect(fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'PAYERROR' });
      expect(verifyPayV2Sign(fields, M.apiKey)).toBe(true);
    });

    it('retries on the scaled schedule until the app answers SUCCESS, then stops', async () => {
      const created = await order({ notify_url: target.url('/retry?x=1') });
      target.answers.push({ status: 200, body: '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg>busy</return_msg></xml>' });
      target.answers.push({ status: 200, body: '<xml><return_code>SUCCESS</return_code></xml>' });
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(paid.notification).toMatchObject({
        acknowledged: false,
        done: false,
        attempts: [{ status: 200, body: expect.stringContaining('FAIL') }],
      });
      await waitFor(() => sim.notifications[0].done);
      const [report] = sim.notifications;
      expect(report).toMatchObject({ acknowledged: true, done: true });
      expect(report.attempts).toHaveLength(2);
      // 15 s scaled by 0.001.
      expect(report.attempts[1].at - report.attempts[0].at).toBeGreaterThanOrEqual(15);
      expect(target.received).toHaveLength(2);
      expect(target.received[1].body).toBe(target.received[0].body);
      await sleep(60);
      expect(target.received).toHaveLength(2);
    });

    it.each([
      ['a non-XML answer', { status: 200, body: 'success' }],
      ['HTTP 500 with SUCCESS XML', { status: 500, body: '<xml><return_code>SUCCESS</return_code></xml>' }],
      ['a FAIL answer', { status: 200, body: '<xml><return_code>FAIL</return_code></xml>' }],
    ])('does not count %s as acknowledged', async (_name, answer) => {
      const created = await order();
      target.answers.push(answer);
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(paid.notification).toMatchObject({ acknowledged: false, done: false });
      expect(paid.notification.attempts[0]).toEqual({ at: expect.any(Number), status: answer.status, body: answer.body });
      await waitFor(() => sim.notifications[0].acknowledged);
    });

    it('records refused connections and retries them', async () => {
      const closed = createHttpServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const created = await order({ notify_url: `http://localhost:${port}/gone` });
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(paid.notification.attempts[0]).toEqual({
        at: expect.any(Number),
        status: 0,
        body: '',
        error: expect.stringMatching(/ECONNREFUSED/),
      });
      expect(paid.notification.done).toBe(false);
      await waitFor(() => sim.notifications[0].attempts.length >= 2);
      sim.clearNotifications();
    });

    it('refuses a notify_url that is not loopback without connecting', async () => {
      const created = await order({ notify_url: 'http://192.0.2.1/notify' });
      // Any connection to 192.0.2.1 would go through Socket#connect: make it fail loudly instead.
      const original = Socket.prototype.connect;
      const connect = jest.spyOn(Socket.prototype, 'connect').mockImplementation(function (this: Socket, ...args: unknown[]) {
        if (JSON.stringify(args).includes('192.0.2.1')) throw new Error('the simulator tried to connect to 192.0.2.1');
        return (original as (...a: unknown[]) => Socket).apply(this, args);
      });
      const tried = (): boolean => connect.mock.calls.some((args) => JSON.stringify(args).includes('192.0.2.1'));
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(tried()).toBe(false);
      expect(paid.notification).toEqual({
        id: expect.any(String),
        kind: 'pay',
        mchId: M.mchId,
        outTradeNo: created.out_trade_no,
        url: 'http://192.0.2.1/notify',
        variant: 'genuine',
        attempts: [{ at: expect.any(Number), status: 0, body: '', error: expect.stringMatching(/^refused: .*loopback/) }],
        acknowledged: false,
        done: true,
        refused: true,
      });
      expect((await sim.notify({ outTradeNo: created.out_trade_no, kind: 'duplicate' }))[0].refused).toBe(true);
      await sleep(30);
      expect(tried()).toBe(false);
      expect(sim.notifications.every((n) => n.attempts.length === 1)).toBe(true);
    });

    it('sends notification variants once each, concurrently, with the app answers', async () => {
      const created = await order();
      await sim.pay({ prepayId: created.prepay_id });
      const genuineBody = target.received[0].body;
      const genuine = await parsePayXml(genuineBody);
      target.reset();
      const variants = [
        'duplicate',
        'forged-sign',
        'wrong-key',
        'wrong-amount',
        'wrong-appid',
        'wrong-mchid',
        'fail-return-code',
        'unsigned',
      ] as const;
      for (const kind of variants) {
        target.reset();
        const res = await control('POST', '/__sim/notify', { outTradeNo: created.out_trade_no, kind });
        expect(res.status).toBe(200);
        expect(res.json.notifications).toEqual([expect.objectContaining({ kind: 'pay', variant: kind, acknowledged: true, done: true })]);
        expect(res.json.notifications[0].attempts).toEqual([
          { at: expect.any(Number), status: 200, body: expect.stringContaining('SUCCESS') },
        ]);
        expect(target.received).toHaveLength(1);
        const body = target.received[0].body;
        const fields = await parsePayXml(body);
        const verifies = verifyPayV2Sign(fields, M.apiKey);
        switch (kind) {
          case 'duplicate':
            expect(body).toBe(genuineBody);
            break;
          case 'forged-sign':
          case 'wrong-key':
            expect(verifies).toBe(false);
            expect({ ...fields, sign: '' }).toEqual({ ...genuine, sign: '' });
            break;
          case 'wrong-amount':
            expect(verifies).toBe(true);
            expect(fields.total_fee).toBe('1001');
            break;
          case 'wrong-appid':
            expect(verifies).toBe(true);
            expect(fields.appid).not.toBe(M.appId);
            break;
          case 'wrong-mchid':
            expect(verifies).toBe(true);
            expect(fields.mch_id).not.toBe(M.mchId);
            break;
          case 'fail-return-code':
            expect(fields).toEqual({ return_code: 'FAIL', return_msg: expect.any(String) });
            break;
          case 'unsigned':
            expect(fields.sign).toBeUndefined();
            expect(fields.transaction_id).toBe(genuine.transaction_id);
            break;
        }
      }
      target.reset();
      const copies = await sim.notify({ transactionId: genuine.transaction_id, kind: 'duplicate', copies: 3 });
      expect(copies).toHaveLength(3);
      expect(new Set(copies.map((c) => c.id)).size).toBe(3);
      expect(target.received.map((r) => r.body)).toEqual([genuineBody, genuineBody, genuineBody]);
    });

    it('forges notifications for an unpaid order without paying it', async () => {
      const created = await order();
      const sent = await sim.notify({ outTradeNo: created.out_trade_no, kind: 'wrong-key' });
      expect(sent[0]).toMatchObject({ variant: 'wrong-key', done: true });
      const fields = await parsePayXml(target.received[0].body);
      expect(fields).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'SUCCESS',
        out_trade_no: created.out_trade_no,
        total_fee: '1000',
      });
      expect(fields.transaction_id).toMatch(/^\d{28}$/);
      expect(verifyPayV2Sign(fields, M.apiKey)).toBe(false);
      target.reset();
      await sim.notify({ outTradeNo: created.out_trade_no, kind: 'wrong-amount' });
      const amount = await parsePayXml(target.received[0].body);
      expect(verifyPayV2Sign(amount, M.apiKey)).toBe(true);
      expect(amount.total_fee).toBe('1001');
      expect(sim.order(created.out_trade_no)).toMatchObject({ tradeState: 'NOTPAY' });
      expect(sim.order(created.out_trade_no)?.transactionId).toBeUndefined();
      expect(await call('/pay/orderquery', { out_trade_no: created.out_trade_no })).toMatchObject({ trade_state: 'NOTPAY' });
    });

    it('validates notify requests', async () => {
      const created = await order();
      expect((await control('POST', '/__sim/notify', { outTradeNo: created.out_trade_no, kind: 'duplicate' })).status).toBe(409);
      expect((await control('POST', '/__sim/notify', { outTradeNo: 'T404404', kind: 'duplicate' })).status).toBe(404);
      expect((await control('POST', '/__sim/notify', { outTradeNo: created.out_trade_no, kind: 'bogus' })).status).toBe(400);
      expect((await control('POST', '/__sim/notify', { outTradeNo: created.out_trade_no, kind: 'duplicate', copies: 0 })).status).toBe(400);
      expect((await control('POST', '/__sim/notify', { kind: 'duplicate' })).status).toBe(400);
    });
  });

  describe('refund notifications', () => {
    it('delivers an unsigned notification whose req_info decrypts to the documented fields', async () => {
      const { outTradeNo, transactionId } = await paidOrder();
      target.reset();
      await refundCall({
        out_trade_no: outTradeNo,
        out_refund_no: 'RN1',
        total_fee: '1000',
        refund_fee: '250',
        notify_url: target.url('/refund'),
      });
      await waitFor(() => target.received.length === 1, 2000);
      const outer = await parsePayXml(target.received[0].body);
      expect(outer).toEqual({
        return_code: 'SUCCESS',
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: expect.any(String),
        req_info: expect.any(String),
      });
      const inner = await parsePayXml(decryptRefundReqInfo(outer.req_info, M.apiKey), { root: 'root' });
      const refund = sim.refund('RN1') as SimRefund;
      expect(inner).toEqual({
        transaction_id: transactionId,
        out_trade_no: outTradeNo,
        refund_id: refund.refundId,
        out_refund_no: 'RN1',
        total_fee: '1000',
        settlement_total_fee: '1000',
        refund_fee: '250',
        settlement_refund_fee: '250',
        refund_status: 'SUCCESS',
        success_time: refund.successTime,
        refund_recv_accout: '支付用户的零钱',
        refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
        refund_request_source: 'API',
      });
      expect(inner.success_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      await waitFor(() => sim.notifications.some((n) => n.kind === 'refund' && n.done));
      expect(sim.notifications.find((n) => n.kind === 'refund')).toMatchObject({
        outTradeNo,
        outRefundNo: 'RN1',
        variant: 'genuine',
        acknowledged: true,
        url: target.url('/refund'),
      });
    });

    it('sends refund notification variants', async () => {
      const { outTradeNo } = await paidOrder();
      await refundCall({ out_trade_no: outTradeNo, out_refund_no: 'RV1', total_fee: '1000', refund_fee: '1', notify_url: target.url() });
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo: 'RV1', kind: 'duplicate' })).status).toBe(409);
      const settled = await sim.settleRefund({ outRefundNo: 'RV1' });
      expect(settled.notification).toMatchObject({ kind: 'refund', acknowledged: true });
      const genuineBody = target.received.at(-1)?.body as string;
      const genuine = await parsePayXml(genuineBody);

      target.reset();
      const duplicate = await control('POST', '/__sim/refundNotify', { outRefundNo: 'RV1', kind: 'duplicate', copies: 2 });
      expect(duplicate.json.notifications).toHaveLength(2);
      expect(target.received.map((r) => r.body)).toEqual([genuineBody, genuineBody]);

      target.reset();
      await sim.refundNotify({ outRefundNo: 'RV1', kind: 'garbage-req-info' });
      const garbage = await parsePayXml(target.received[0].body);
      expect(() => decryptRefundReqInfo(garbage.req_info, M.apiKey)).toThrow(PayCryptoError);

      target.reset();
      await sim.refundNotify({ outRefundNo: 'RV1', kind: 'wrong-key' });
      const wrongKey = await parsePayXml(target.received[0].body);
      expect(wrongKey.req_info).not.toBe(genuine.req_info);
      expect(() => decryptRefundReqInfo(wrongKey.req_info, M.apiKey)).toThrow(PayCryptoError);

      target.reset();
      await sim.refundNotify({ outRefundNo: 'RV1', kind: 'wrong-appid' });
      const wrongApp = await parsePayXml(target.received[0].body);
      expect(wrongApp.appid).not.toBe(M.appId);
      expect(decryptRefundReqInfo(wrongApp.req_info, M.apiKey)).toBe(decryptRefundReqInfo(genuine.req_info, M.apiKey));

      expect(sim.notifications.filter((n) => n.kind === 'refund').map((n) => n.variant)).toEqual([
        'genuine',
        'duplicate',
        'duplicate',
        'garbage-req-info',
        'wrong-key',
        'wrong-appid',
      ]);
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo: 'RV1', kind: 'nope' })).status).toBe(400);
      await refundCall({ out_trade_no: outTradeNo, out_refund_no: 'RV2', total_fee: '1000', refund_fee: '1' });
      await sim.settleRefund({ outRefundNo: 'RV2' });
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo: 'RV2', kind: 'duplicate' })).status).toBe(409);
    });
  });
});

describe('WeChatSimulator (WeChat Pay) lifecycle', () => {
  it('cancels pending notification retries on stop() and reset()', async () => {
    const target = new NotifyTarget();
    await target.start();
    const sim = new WeChatSimulator({ timeScale: 0.01 });
    try {
      await sim.start();
      for (let i = 0; i < 20; i++) target.answers.push({ status: 503, body: 'down' });
      const openid = sim.login().openId;
      const fields: Fields = {
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: 'n1',
        body: 'b',
        out_trade_no: 'STOP000001',
        total_fee: '1',
        spbill_create_ip: '127.0.0.1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
        openid,
      };
      fields.sign = payV2Sign(fields, M.apiKey);
      const answer = await parsePayXml((await httpsCall(sim.payUrl, '/pay/unifiedorder', buildPayXml(fields))).body);
      await sim.pay({ prepayId: answer.prepay_id });
      // The second attempt comes 150 ms later; stop before it.
      expect(target.received).toHaveLength(1);
      await sim.stop(); // does not wait for the retry: the test's timeout would catch that
      expect(sim.notifications[0]).toMatchObject({ done: true, acknowledged: false });
      await sleep(400);
      expect(target.received).toHaveLength(1);
      expect(sim.notifications[0].attempts).toHaveLength(1);

      // reset() cancels too.
      await sim.start();
      const again: Fields = { ...fields, out_trade_no: 'STOP000002', nonce_str: 'n2' };
      again.sign = payV2Sign(again, M.apiKey);
      const second = await parsePayXml((await httpsCall(sim.payUrl, '/pay/unifiedorder', buildPayXml(again))).body);
      await sim.pay({ prepayId: second.prepay_id });
      expect(target.received).toHaveLength(2);
      sim.reset();
      expect(sim.notifications).toEqual([]);
      await sleep(400);
      expect(target.received).toHaveLength(2);
    } finally {
      await sim.stop();
      await target.stop();
    }
  });

  it('starts and stops both servers together, and restarts', async () => {
    const sim = new WeChatSimulator();
    expect(() => sim.payUrl).toThrow(/not started/);
    const url = await sim.start();
    expect(await sim.start()).toBe(url);
    const payUrl = sim.payUrl;
    expect((await httpsCall(payUrl, '/pay/orderquery', '')).status).toBe(200);
    await sim.stop();
    await expect(httpsCall(payUrl, '/pay/orderquery', '')).rejects.toThrow();
    expect(() => sim.payUrl).toThrow(/not started/);
    await sim.start();
    expect((await httpsCall(sim.payUrl, '/pay/orderquery', '')).status).toBe(200);
    await sim.stop();
    await sim.stop();
  });

  it('validates the pay options and binds the default merchant to the first app', () => {
    const app = { appId: 'wxanotherapp00001', appSecret: 's' };
    expect(new WeChatSimulator({ apps: [app] }).merchants).toEqual([{ ...M, appId: app.appId }]);
    expect(() => new WeChatSimulator({ merchants: [{ appId: 'wxunknown', mchId: '1', apiKey: 'k' }] })).toThrow(/unknown app/);
    expect(() => new WeChatSimulator({ merchants: [] })).toThrow(TypeError);
    expect(() => new WeChatSimulator({ merchants: [M, M] })).toThrow(/duplicate/);
    expect(() => new WeChatSimulator({ merchants: [{ ...M, mchId: 'abc' }] })).toThrow(TypeError);
    expect(() => new WeChatSimulator({ timeScale: 0 })).toThrow(RangeError);
    expect(() => new WeChatSimulator({ refundDelayMs: -1 })).toThrow(RangeError);
    expect(() => new WeChatSimulator({ payPort: 70000 })).toThrow(RangeError);
  });

  it('serves several merchants, each with its own key', async () => {
    const second = { appId: M.appId, mchId: '1900000999', apiKey: 'secondmerchantapikey000000000002' };
    const sim = new WeChatSimulator({ merchants: [M, second] });
    await sim.start();
    try {
      const fields: Fields = { appid: M.appId, mch_id: second.mchId, nonce_str: 'n', out_trade_no: 'T0000001' };
      fields.sign = payV2Sign(fields, second.apiKey);
      expect(await parsePayXml((await httpsCall(sim.payUrl, '/pay/orderquery', buildPayXml(fields))).body)).toMatchObject({
        return_code: 'SUCCESS',
        mch_id: second.mchId,
        err_code: 'ORDERNOTEXIST',
      });
      fields.sign = payV2Sign({ ...fields, sign: '' }, M.apiKey);
      expect((await parsePayXml((await httpsCall(sim.payUrl, '/pay/orderquery', buildPayXml(fields))).body)).return_msg).toBe('签名错误');
      // The certificate of 1900000999 (issued by the development CA for these specs) opens its certificate APIs.
      const flow: Fields = {
        appid: M.appId,
        mch_id: second.mchId,
        nonce_str: 'n',
        sign_type: 'HMAC-SHA256',
        bill_date: '20200101',
        account_type: 'Basic',
      };
      flow.sign = payV2Sign(flow, second.apiKey, 'HMAC-SHA256');
      const answer = await httpsCall(sim.payUrl, '/pay/downloadfundflow', buildPayXml(flow), {
        cert: OTHER_MERCHANT_CERT,
        key: OTHER_MERCHANT_KEY,
      });
      expect(await parsePayXml(answer.body)).toMatchObject({ return_code: 'SUCCESS', err_code: 'NO_BILL_EXIST' });
    } finally {
      await sim.stop();
    }
  });
});

describe('notification URL policy', () => {
  it.each([
    ['http://127.0.0.1:8080/n', true],
    ['http://127.255.255.254/n', true],
    ['https://localhost/n', true],
    ['http://[::1]:3000/n', true],
    ['http://2130706433/n', true],
    ['http://0x7f.1/n', true],
    ['http://[::ffff:127.0.0.1]/n', true],
    ['http://192.0.2.1/n', false],
    ['http://10.0.0.1/n', false],
    ['http://0.0.0.0/n', false],
    ['http://[::ffff:192.0.2.1]/n', false],
    ['http://[::]/n', false],
    ['http://localhost.example.com/n', false],
    ['http://127.0.0.1.nip.io/n', false],
    ['http://example.com/n', false],
    ['ftp://127.0.0.1/n', false],
    ['file:///etc/passwd', false],
  ])('%s → %s', (url, allowed) => {
    expect(isLoopbackUrl(new URL(url))).toBe(allowed);
  });
});

describe('PayNotifier', () => {
  it('gives up an attempt the app does not answer in time, and retries it', async () => {
    const sockets = new Set<Socket>();
    const silent = createHttpServer(() => undefined);
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/slow`;
    const notifier = new PayNotifier(1, () => undefined, 100);
    try {
      const started = Date.now();
      const report = await notifier.deliver({
        kind: 'pay',
        mchId: M.mchId,
        outTradeNo: 'T1',
        url,
        variant: 'genuine',
        body: '<xml/>',
        retry: true,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(95);
      expect(report).toMatchObject({
        acknowledged: false,
        done: false,
        attempts: [{ status: 0, body: '', error: expect.stringMatching(/^timeout/) }],
      });
      notifier.cancelAll();
      expect(notifier.list()[0].done).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('keeps reports of deliveries without retries done after one attempt', async () => {
    const notifier = new PayNotifier(1, () => undefined);
    const report = await notifier.deliver({
      kind: 'refund',
      mchId: M.mchId,
      outTradeNo: 'T1',
      outRefundNo: 'R1',
      url: 'not a url',
      variant: 'duplicate',
      body: '<xml/>',
      retry: false,
    });
    expect(report).toMatchObject({
      refused: true,
      done: true,
      outRefundNo: 'R1',
      attempts: [{ error: 'refused: the notify_url is not a URL' }],
    });
    notifier.clear();
    expect(notifier.list()).toEqual([]);
  });
});
