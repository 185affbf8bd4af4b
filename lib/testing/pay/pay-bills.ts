import { createHash } from 'node:crypto';
import { FEE_RATE_PER_THOUSAND } from '../server/simulator.constants';
import { beijingDate, beijingDateTime, yuan, yuan5 } from './pay-format';
import type { OrderRecord, RefundRecord } from './pay-state';

/** `bill_type` of `/pay/downloadbill`. @internal */
export type TradeBillType = 'ALL' | 'SUCCESS' | 'REFUND' | 'RECHARGE_REFUND';

/** `account_type` of `/pay/downloadfundflow`. @internal */
export type FundAccountType = 'Basic' | 'Operation' | 'Fees';

const ALL_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,' +
  '微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUCCESS_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,' +
  '商品名称,商户数据包,手续费,费率,订单金额,费率备注';
const REFUND_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,' +
  '退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const TRADE_SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const FUND_HEADER =
  '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号';
const FUND_SUMMARY_HEADER = '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额';
const FEE_RATE = `${(FEE_RATE_PER_THOUSAND / 10).toFixed(2)}%`;
/** The one comment text of every simulated order comment. */
const COMMENT_TEXT = '模拟评价：支付顺利';
const EOL = '\r\n';

/** The fee of an amount at the simulated rate, rounded half up to the fen. @internal */
export function feeOf(fen: number): number {
  return Math.floor((fen * FEE_RATE_PER_THOUSAND + 500) / 1000);
}

/** A row of backtick-prefixed values, as WeChat writes them (the header lines have no backticks). */
function row(values: readonly string[]): string {
  return values.map((value) => `\`${value}`).join(',');
}

interface TradeRow {
  kind: 'payment' | 'refund';
  at: number;
  order: OrderRecord;
  refund?: RefundRecord;
}

/**
 * The trade bill of one Beijing day in WeChat's CSV shape: payments by the day they were paid, refunds by the day
 * they succeeded. `undefined` when the bill has no row (WeChat then answers `No Bill Exist`). Rows are in time order.
 * @internal
 */
export function tradeBill(
  orders: readonly OrderRecord[],
  refunds: readonly RefundRecord[],
  orderOf: (refund: RefundRecord) => OrderRecord | undefined,
  day: { start: number; end: number },
  type: TradeBillType,
): string | undefined {
  const inDay = (at: number | undefined): at is number => at !== undefined && at >= day.start && at < day.end;
  const rows: TradeRow[] = [];
  if (type === 'ALL' || type === 'SUCCESS') {
    for (const order of orders) if (inDay(order.paidAt)) rows.push({ kind: 'payment', at: order.paidAt, order });
  }
  if (type === 'ALL' || type === 'REFUND') {
    for (const refund of refunds) {
      const order = orderOf(refund);
      if (order && refund.status === 'SUCCESS' && inDay(refund.settledAt))
        rows.push({ kind: 'refund', at: refund.settledAt, order, refund });
    }
  }
  // RECHARGE_REFUND: the simulator has no recharge coupons, so that bill is always empty.
  if (rows.length === 0) return undefined;
  rows.sort((a, b) => a.at - b.at);

  let settled = 0;
  let refunded = 0;
  let fees = 0;
  let ordered = 0;
  let applied = 0;
  const lines = [type === 'ALL' ? ALL_HEADER : type === 'SUCCESS' ? SUCCESS_HEADER : REFUND_HEADER];
  for (const { kind, order, refund } of rows) {
    const paid = kind === 'payment';
    const settledFee = paid ? order.totalFee : 0;
    const refundFee = refund?.refundFee ?? 0;
    const fee = paid ? feeOf(order.totalFee) : -feeOf(refundFee);
    settled += settledFee;
    refunded += refundFee;
    fees += fee;
    ordered += settledFee;
    applied += refundFee;
    const common = [
      beijingDateTime(order.paidAt as number),
      order.appId,
      order.mchId,
      '0',
      order.deviceInfo ?? '',
      order.transactionId as string,
      order.outTradeNo,
      order.openId ?? '',
      order.tradeType,
      paid ? 'SUCCESS' : 'REFUND',
      order.bankType ?? 'OTHERS',
      'CNY',
      yuan(settledFee),
      '0.00',
    ];
    const goods = [order.body, order.attach ?? '', yuan5(fee), FEE_RATE];
    if (type === 'SUCCESS') {
      lines.push(row([...common, ...goods, yuan(settledFee), '']));
      continue;
    }
    const refundColumns = refund
      ? [refund.refundId, refund.outRefundNo, yuan(refundFee), '0.00', 'ORIGINAL', refund.status]
      : ['0', '0', '0.00', '0.00', '', ''];
    const refundTimes = type === 'REFUND' && refund ? [beijingDateTime(refund.createdAt), refund.successTime ?? ''] : [];
    lines.push(row([...common, ...refundTimes, ...refundColumns, ...goods, yuan(settledFee), yuan(refundFee), '']));
  }
  lines.push(TRADE_SUMMARY_HEADER);
  lines.push(row([String(rows.length), yuan(settled), yuan(refunded), '0.00', yuan5(fees), yuan(ordered), yuan(applied)]));
  return lines.join(EOL) + EOL;
}

interface FundMovement {
  at: number;
  businessNo: string;
  flowNo: string;
  name: string;
  type: string;
  income: boolean;
  amount: number;
  applicant: string;
  note: string;
  voucher: string;
}

/**
 * The fund flow bill of one Beijing day of the Basic account: each payment (收入), its fee (支出, when not zero) and
 * each successful refund (支出, net of the fee it gives back), with the running balance since the first movement.
 * The Operation and Fees accounts never move in the simulator. `undefined` when there is no movement that day.
 * @internal
 */
export function fundFlowBill(
  mchId: string,
  orders: readonly OrderRecord[],
  refunds: readonly RefundRecord[],
  day: { start: number; end: number },
  account: FundAccountType,
): string | undefined {
  if (account !== 'Basic') return undefined;
  const movements: FundMovement[] = [];
  for (const order of orders) {
    if (order.paidAt === undefined || order.transactionId === undefined) continue;
    const base = { at: order.paidAt, businessNo: order.transactionId, name: '交易', applicant: 'system', voucher: order.outTradeNo };
    movements.push({
      ...base,
      flowNo: flowNo(mchId, order.paidAt, `pay:${order.transactionId}`),
      type: '交易',
      income: true,
      amount: order.totalFee,
      note: '',
    });
    const fee = feeOf(order.totalFee);
    if (fee > 0) {
      const feeFlow = flowNo(mchId, order.paidAt, `fee:${order.transactionId}`);
      movements.push({ ...base, flowNo: feeFlow, type: '扣除交易手续费', income: false, amount: fee, note: '' });
    }
  }
  for (const refund of refunds) {
    if (refund.status !== 'SUCCESS' || refund.settledAt === undefined) continue;
    const feeBack = feeOf(refund.refundFee);
    movements.push({
      at: refund.settledAt,
      businessNo: refund.refundId,
      flowNo: flowNo(mchId, refund.settledAt, `refund:${refund.refundId}`),
      name: '退款',
      type: '退款',
      income: false,
      amount: refund.refundFee - feeBack,
      applicant: `${mchId}API`,
      note: `退款总金额${yuan(refund.refundFee)}元;含手续费${yuan(feeBack)}元`,
      voucher: refund.outRefundNo,
    });
  }
  movements.sort((a, b) => a.at - b.at);

  let balance = 0;
  let incomeCount = 0;
  let income = 0;
  let expenseCount = 0;
  let expense = 0;
  const lines = [FUND_HEADER];
  for (const m of movements) {
    balance += m.income ? m.amount : -m.amount;
    if (m.at < day.start || m.at >= day.end) continue;
    if (m.income) {
      incomeCount++;
      income += m.amount;
    } else {
      expenseCount++;
      expense += m.amount;
    }
    lines.push(
      row([
        beijingDateTime(m.at),
        m.businessNo,
        m.flowNo,
        m.name,
        m.type,
        m.income ? '收入' : '支出',
        yuan(m.amount),
        yuan(balance),
        m.applicant,
        m.note,
        m.voucher,
      ]),
    );
  }
  if (lines.length === 1) return undefined;
  lines.push(FUND_SUMMARY_HEADER);
  lines.push(row([String(incomeCount + expenseCount), String(incomeCount), yuan(income), String(expenseCount), yuan(expense)]));
  return lines.join(EOL) + EOL;
}

/**
 * The `batchquerycomment` text: the next offset on the first line, then one `time,transaction_id,score,comment` line
 * per paid order whose payment time is within `[begin, end]`, in time order from `offset`, at most `limit`. Every
 * paid order has a comment (score 1-5 derived from its transaction id, a fixed text).
 * @internal
 */
export function commentsText(orders: readonly OrderRecord[], begin: number, end: number, offset: number, limit: number): string {
  const paid = orders
    .filter((o) => o.paidAt !== undefined && o.transactionId !== undefined && o.paidAt >= begin && o.paidAt <= end)
    .sort((a, b) => (a.paidAt as number) - (b.paidAt as number));
  const page = paid.slice(offset, offset + limit);
  const lines = [String(offset + page.length)];
  for (const order of page) {
    const transactionId = order.transactionId as string;
    lines.push(`${beijingDateTime(order.paidAt as number)},${transactionId},${commentScore(transactionId)},${COMMENT_TEXT}`);
  }
  return lines.join('\n');
}

/** The score the simulated user gave: 1 + (sum of the transaction id's digits mod 5). @internal */
export function commentScore(transactionId: string): number {
  let sum = 0;
  for (const ch of transactionId) sum += Number(ch) || 0;
  return 1 + (sum % 5);
}

/** A stable fund flow number: the mch_id, the Beijing date and 10 digits derived from the movement. */
function flowNo(mchId: string, at: number, seed: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 15)}`) % 10_000_000_000n;
  return `${mchId}${beijingDate(at)}${digits.toString().padStart(10, '0')}`;
}
