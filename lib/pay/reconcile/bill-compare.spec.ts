import { parseBill } from '../bill.parser';
import { billDay, compareTradeBill, countMismatches, readTradeBillRows, yuanToFen } from './bill-compare';
import type { BillOrderView, BillRefundView } from './bill-compare';

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,' +
  '微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

/** A row as WeChat writes it: every value behind a backtick. */
function line(values: string[]): string {
  return values.map((v) => `\`${v}`).join(',');
}

function payment(outTradeNo: string, transactionId: string, yuan: string): string {
  const common = [
    '2026-03-01 10:00:00',
    'wx4f4bc4dec97d474b',
    '1900000109',
    '0',
    '',
    transactionId,
    outTradeNo,
    'oUser',
    'JSAPI',
    'SUCCESS',
    'OTHERS',
    'CNY',
    yuan,
    '0.00',
  ];
  return line([...common, '0', '0', '0.00', '0.00', '', '', '商品', '', '0.06000', '0.60%', yuan, '0.00', '']);
}

function refund(
  outTradeNo: string,
  transactionId: string,
  outRefundNo: string,
  refundId: string,
  yuan: string,
  status = 'SUCCESS',
): string {
  const common = [
    '2026-03-01 10:00:00',
    'wx4f4bc4dec97d474b',
    '1900000109',
    '0',
    '',
    transactionId,
    outTradeNo,
    'oUser',
    'JSAPI',
    'REFUND',
    'OTHERS',
    'CNY',
    '0.00',
    '0.00',
  ];
  return line([...common, refundId, outRefundNo, yuan, '0.00', 'ORIGINAL', status, '商品', '', '-0.01000', '0.60%', '0.00', yuan, '']);
}

function bill(...rows: string[]): string {
  return [HEADER, ...rows, SUMMARY, line([String(rows.length), '0.00', '0.00', '0.00', '0.00', '0.00', '0.00'])].join('\r\n') + '\r\n';
}

const DAY = billDay('2026-03-01')!;
const PAID_AT = new Date(Date.UTC(2026, 2, 1, 2, 0));

function order(outTradeNo: string, fen: number, more: Partial<BillOrderView> = {}): BillOrderView {
  return { outTradeNo, status: 'SUCCESS', paid: true, totalFee: fen, transactionId: `T${outTradeNo}`, paidAt: PAID_AT, ...more };
}

function stored(outRefundNo: string, outTradeNo: string, fen: number, more: Partial<BillRefundView> = {}): BillRefundView {
  return { outRefundNo, outTradeNo, status: 'SUCCESS', refundFee: fen, refundId: `R${outRefundNo}`, successAt: PAID_AT, ...more };
}

describe('yuanToFen', () => {
  it('reads the bills’ yuan amounts exactly, in fen', () => {
    expect(yuanToFen('12.34')).toBe(1234);
    expect(yuanToFen('0.10')).toBe(10);
    expect(yuanToFen('0.1')).toBe(10);
    expect(yuanToFen('7')).toBe(700);
    expect(yuanToFen('-0.01')).toBe(-1);
    expect(yuanToFen(' 1.01 ')).toBe(101);
    // 0.1 + 0.2 style float errors never show: 19.99 is 1999, not 1998.9999.
    expect(yuanToFen('19.99')).toBe(1999);
  });

  it('gives NaN for anything that is no amount', () => {
    for (const bad of ['', '1.234', '1,00', 'abc', '1e3', undefined]) expect(yuanToFen(bad)).toBeNaN();
  });
});

describe('readTradeBillRows', () => {
  it('tells payments from refunds and reads their fields (backticks removed)', () => {
    const rows = readTradeBillRows(
      parseBill(bill(payment('A1', 'TA1', '10.00'), refund('A1', 'TA1', 'RA1', '5001', '2.50', 'PROCESSING'))).rows,
    );
    expect(rows).toEqual([
      { kind: 'payment', outTradeNo: 'A1', transactionId: 'TA1', tradeState: 'SUCCESS', orderFee: 1000 },
      {
        kind: 'refund',
        outTradeNo: 'A1',
        transactionId: 'TA1',
        tradeState: 'REFUND',
        orderFee: 0,
        outRefundNo: 'RA1',
        refundId: '5001',
        refundFee: 250,
        refundStatus: 'PROCESSING',
      },
    ]);
  });
});

describe('compareTradeBill', () => {
  const compare = (rows: string[], orders: BillOrderView[], refunds: BillRefundView[] = []) =>
    compareTradeBill(DAY.date, DAY, readTradeBillRows(parseBill(bill(...rows)).rows), orders, refunds);

  it('matches a bill that agrees with what is stored', () => {
    const result = compare(
      [payment('A1', 'TA1', '10.00'), payment('A2', 'TA2', '0.01'), refund('A1', 'TA1', 'RA1', '5001', '2.50')],
      [order('A1', 1000, { status: 'REFUND' }), order('A2', 1)],
      [stored('RA1', 'A1', 250)],
    );
    expect(result).toEqual({ matched: 3, mismatches: [] });
  });

  it('finds a payment WeChat has and this database lacks (missing-local, not repairable)', () => {
    const { mismatches } = compare([payment('X1', 'TX1', '8.00')], []);
    expect(mismatches).toEqual([
      {
        kind: 'missing-local',
        entity: 'order',
        billDate: '2026-03-01',
        outTradeNo: 'X1',
        remote: { status: 'SUCCESS', amount: 800, transactionId: 'TX1' },
        repair: 'not-repairable',
      },
    ]);
  });

  it('finds an order paid here that day that the bill lacks (missing-remote); one paid another day is no concern', () => {
    const otherDay = new Date(DAY.start - 1);
    const { mismatches } = compare(
      [payment('A1', 'TA1', '1.00')],
      [order('A1', 100), order('G1', 700), order('G2', 700, { paidAt: otherDay })],
    );
    expect(mismatches).toEqual([
      expect.objectContaining({
        kind: 'missing-remote',
        entity: 'order',
        outTradeNo: 'G1',
        local: { status: 'SUCCESS', amount: 700, transactionId: 'TG1' },
      }),
    ]);
  });

  it('finds an amount that differs, in fen against the bill’s yuan', () => {
    const { mismatches, matched } = compare([payment('A1', 'TA1', '20.00')], [order('A1', 2001)]);
    expect(matched).toBe(0);
    expect(mismatches).toEqual([
      expect.objectContaining({
        kind: 'amount',
        entity: 'order',
        local: expect.objectContaining({ amount: 2001 }),
        remote: expect.objectContaining({ amount: 2000 }),
        repair: 'not-repairable',
      }),
    ]);
  });

  it('finds a payment the row does not have yet (state, repairable) and one paid by another transaction (state, not repairable)', () => {
    const { mismatches } = compare(
      [payment('A1', 'TA1', '15.00'), payment('A2', 'OTHER', '1.00')],
      [order('A1', 1500, { paid: false, status: 'NOTPAY', transactionId: null, paidAt: null }), order('A2', 100)],
    );
    expect(mismatches).toEqual([
      expect.objectContaining({ kind: 'state', outTradeNo: 'A1', local: { status: 'NOTPAY', amount: 1500 }, repair: 'not-attempted' }),
      expect.objectContaining({
        kind: 'state',
        outTradeNo: 'A2',
        repair: 'not-repairable',
        detail: expect.stringMatching(/another transaction/),
      }),
    ]);
  });

  it('compares refund rows: a state that differs, an amount that differs, one missing here, one missing at WeChat', () => {
    const { mismatches } = compare(
      [
        payment('A1', 'TA1', '10.00'),
        refund('A1', 'TA1', 'R-PROC', '1', '1.00'),
        refund('A1', 'TA1', 'R-CLOSED', '2', '1.00'),
        refund('A1', 'TA1', 'R-AMOUNT', '3', '1.00'),
        refund('A1', 'TA1', 'R-ELSEWHERE', '4', '0.50'),
        refund('Z9', 'TZ9', 'R-UNKNOWN', '5', '0.50'),
      ],
      [order('A1', 1000)],
      [
        stored('R-PROC', 'A1', 100, { status: 'PROCESSING', successAt: null }),
        stored('R-CLOSED', 'A1', 100, { status: 'REFUNDCLOSE', successAt: null }),
        stored('R-AMOUNT', 'A1', 99),
        stored('R-GHOST', 'A1', 100),
      ],
    );
    const byRefund = Object.fromEntries(mismatches.map((m) => [m.outRefundNo, [m.kind, m.repair]]));
    expect(byRefund).toEqual({
      'R-PROC': ['state', 'not-attempted'],
      'R-CLOSED': ['state', 'not-repairable'],
      'R-AMOUNT': ['amount', 'not-repairable'],
      // Made elsewhere (the merchant platform) of an order stored here: can be adopted.
      'R-ELSEWHERE': ['missing-local', 'not-attempted'],
      // Of an order this database does not have: nothing to adopt it into.
      'R-UNKNOWN': ['missing-local', 'not-repairable'],
      'R-GHOST': ['missing-remote', 'not-repairable'],
    });
    expect(mismatches.every((m) => m.entity === 'refund')).toBe(true);
    expect(countMismatches(mismatches)).toEqual({ 'missing-local': 2, 'missing-remote': 1, amount: 1, state: 2 });
  });

  it('reports an unreadable amount as a difference rather than a match', () => {
    const { mismatches } = compare([payment('A1', 'TA1', 'n/a')], [order('A1', 100)]);
    expect(mismatches).toEqual([expect.objectContaining({ kind: 'amount' })]);
  });
});

describe('billDay', () => {
  it('takes yyyy-MM-dd, yyyyMMdd and Dates (their Beijing date) and gives the day’s bounds', () => {
    expect(billDay('2026-03-01')).toEqual({
      date: '2026-03-01',
      compact: '20260301',
      start: Date.UTC(2026, 1, 28, 16),
      end: Date.UTC(2026, 2, 1, 16),
    });
    expect(billDay('20260301')?.date).toBe('2026-03-01');
    // 16:30 UTC on 1 March is already 2 March in Beijing.
    expect(billDay(new Date(Date.UTC(2026, 2, 1, 16, 30)))?.date).toBe('2026-03-02');
  });

  it('refuses what is no day', () => {
    for (const bad of ['2026-02-30', '2026-13-01', 'today', '', 20260301, null, new Date('x')]) expect(billDay(bad)).toBeUndefined();
  });
});
