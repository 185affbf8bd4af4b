import { spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { Agent, request as httpsRequest } from 'node:https';
import { createSecureContext } from 'node:tls';
import { payV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../../crypto/pay-xml.codec';
import { SIMULATOR_DEV_V3 } from '../index';
import {
  CERTS,
  DEV_CLIENT,
  Fields,
  M,
  OTHER_MERCHANT_CERT,
  OTHER_MERCHANT_KEY,
  ROGUE_CA_CLIENT_CERT,
  ROGUE_CA_CLIENT_KEY,
  httpsCall,
  payBench,
} from './pay-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay side): servers, certificates and common checks', () => {
  const bench = payBench();
  const { sim, call, download, paidOrder, refundCall, control } = bench;
  let base = '';
  let payBase = '';
  beforeAll(() => {
    ({ base, payBase } = bench.urls());
  });

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
});
