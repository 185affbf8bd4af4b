import { gunzipSync } from 'node:zlib';
import { parsePayXml } from '../../crypto/pay-xml.codec';
import type { SimOrder } from '../index';
import { DEV_CLIENT, M, billDateOf, httpsCall, payBench } from './pay-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay side): bills, report, faults', () => {
  const bench = payBench();
  const { sim, call, download, newOutTradeNo, order, paidOrder, refundCall, control } = bench;
  let payBase = '';
  beforeAll(() => {
    ({ payBase } = bench.urls());
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
});
