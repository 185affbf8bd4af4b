import { parseBill } from './bill.parser';

// The layout of WeChat's trade bill: backtick-prefixed values, then a summary header and line.
const BILL = [
  '交易时间,公众账号ID,商户号,微信订单号,商户订单号,交易状态,应结订单金额',
  '`2026-11-24 10:00:00,`wx4f4bc4dec97d474b,`1900000109,`4200000001202611240000000001,`order000001,`SUCCESS,`0.01',
  '`2026-11-24 11:00:00,`wx4f4bc4dec97d474b,`1900000109,`4200000001202611240000000002,`order000002,`REFUND,`1.00',
  '总交易单数,应结订单总金额,退款总金额',
  '`2,`1.01,`1.00',
  '',
].join('\r\n');

describe('parseBill', () => {
  it('keys rows by the header and strips the backticks', () => {
    const bill = parseBill(BILL);
    expect(bill.header).toHaveLength(7);
    expect(bill.rows).toHaveLength(2);
    expect(bill.rows[0]).toMatchObject({ 商户订单号: 'order000001', 交易状态: 'SUCCESS', 应结订单金额: '0.01' });
    expect(bill.summary).toEqual({ 总交易单数: '2', 应结订单总金额: '1.01', 退款总金额: '1.00' });
    expect(bill.text).toBe(BILL);
  });

  it('reads a bill with a BOM and no data rows', () => {
    const bill = parseBill('\uFEFFa,b\n总交易单数,应结订单总金额\n`0,`0.00\n');
    expect(bill.header).toEqual(['a', 'b']);
    expect(bill.rows).toEqual([]);
    expect(bill.summary).toEqual({ 总交易单数: '0', 应结订单总金额: '0.00' });
  });

  it('does not fail on text that is not a bill', () => {
    expect(parseBill('')).toMatchObject({ header: [], rows: [] });
    expect(parseBill('just one line')).toMatchObject({ header: ['just one line'], rows: [] });
  });
});
