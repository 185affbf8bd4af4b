import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { encryptPayV3Resource } from '../../crypto/pay-v3.crypto';
import { fundFlowBill, tradeBill } from '../pay/pay-bills';
import type { FundAccountType, TradeBillType } from '../pay/pay-bills';
import { parseBeijingDay } from '../pay/pay-format';
import { paramError } from './pay-v3-input';
import { PayV3Error } from './pay-v3-request';
import type { V3Context, V3Result, V3Route } from './pay-v3-request';

const BILL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function billDay(ctx: V3Context): { start: number; end: number } {
  const text = ctx.query.get('bill_date');
  if (text === null || text === '') throw paramError('/query/bill_date', '必填性规则校验失败，此字段为必填项');
  const match = BILL_DATE.exec(text);
  const day = match ? parseBeijingDay(`${match[1]}${match[2]}${match[3]}`) : undefined;
  if (!day) throw paramError('/query/bill_date', '格式校验失败，应为yyyy-MM-DD');
  return day;
}

function tarGzip(ctx: V3Context): boolean {
  const tar = ctx.query.get('tar_type');
  if (tar !== null && tar !== 'GZIP') throw paramError('/query/tar_type', '枚举值校验失败');
  return tar === 'GZIP';
}

function billAnswer(ctx: V3Context, text: string | undefined, gzip: boolean): V3Result {
  if (text === undefined) throw new PayV3Error(400, 'NO_STATEMENT_EXIST', '要下载的账单不存在');
  const bytes = Buffer.from(text, 'utf8');
  const file = gzip ? gzipSync(bytes) : bytes;
  const token = ctx.v3.storeBill(ctx.merchant.merchant.mchId, file);
  return {
    status: 200,
    json: {
      hash_type: 'SHA1',
      hash_value: createHash('sha1').update(file).digest('hex'),
      download_url: `${ctx.payUrl}/v3/billdownload/file?token=${token}`,
    },
  };
}

function tradeBillRoute(ctx: V3Context): V3Result {
  const pay = ctx.v3.pay;
  const day = billDay(ctx);
  const type = ctx.query.get('bill_type') ?? 'ALL';
  if (type !== 'ALL' && type !== 'SUCCESS' && type !== 'REFUND') throw paramError('/query/bill_type', '枚举值校验失败');
  const gzip = tarGzip(ctx);
  const { mchId } = ctx.merchant.merchant;
  const text = tradeBill(pay.ordersOf(mchId), pay.refundsOf(mchId), (r) => pay.order(mchId, r.outTradeNo), day, type as TradeBillType);
  return billAnswer(ctx, text, gzip);
}

const ACCOUNT_TYPES: Record<string, FundAccountType> = { BASIC: 'Basic', OPERATION: 'Operation', FEES: 'Fees' };

function fundFlowBillRoute(ctx: V3Context): V3Result {
  const pay = ctx.v3.pay;
  const day = billDay(ctx);
  const account = ACCOUNT_TYPES[ctx.query.get('account_type') ?? 'BASIC'];
  if (!account) throw paramError('/query/account_type', '枚举值校验失败');
  const gzip = tarGzip(ctx);
  const { mchId } = ctx.merchant.merchant;
  const text = fundFlowBill(mchId, pay.ordersOf(mchId), pay.refundsOf(mchId), day, account);
  return billAnswer(ctx, text, gzip);
}

function billDownload(ctx: V3Context): V3Result {
  const token = ctx.query.get('token');
  const file = token ? ctx.v3.bill(ctx.merchant.merchant.mchId, token) : undefined;
  if (!file) throw new PayV3Error(400, 'INVALID_REQUEST', '下载链接无效或已过期，请重新申请');
  return { file };
}

function certificates(ctx: V3Context): V3Result {
  const listed = ctx.v3.platformCertificates();
  if (listed.length === 0) throw new PayV3Error(404, 'NOT_FOUND', '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥');
  return {
    status: 200,
    json: {
      data: listed.map((cert) => {
        const { original_type: _type, ...encrypted } = encryptPayV3Resource(cert.certificate, ctx.merchant.apiV3Key, {
          associatedData: 'certificate',
          originalType: 'certificate',
        });
        return {
          serial_no: cert.serialNo,
          effective_time: cert.effective,
          expire_time: cert.expire,
          encrypt_certificate: {
            algorithm: encrypted.algorithm,
            nonce: encrypted.nonce,
            associated_data: encrypted.associated_data,
            ciphertext: encrypted.ciphertext,
          },
        };
      }),
    },
  };
}

/**
 * The v3 APIs that hand out files: the trade and fund flow bills (a hash and a download URL, then the file itself,
 * which is the one unsigned answer) and the platform certificates (encrypted with the APIv3 key).
 * @internal
 */
export const DOWNLOAD_ROUTES: readonly V3Route[] = [
  { method: 'GET', pattern: /^\/v3\/bill\/tradebill$/, handler: tradeBillRoute },
  { method: 'GET', pattern: /^\/v3\/bill\/fundflowbill$/, handler: fundFlowBillRoute },
  { method: 'GET', pattern: /^\/v3\/billdownload\/file$/, handler: billDownload },
  { method: 'GET', pattern: /^\/v3\/certificates$/, handler: certificates },
];
