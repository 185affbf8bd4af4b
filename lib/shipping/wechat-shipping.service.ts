import { Inject, Injectable } from '@nestjs/common';
import type { PayOrder } from '../entities/pay-order.entity';
import { WeChatInputError } from '../errors/wechat-input.error';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import { WeChatApiService } from '../wechat/wechat-api.service';
import type { WeChatJson } from '../wechat/wechat-http.client';
import { readFlag, readShippingOrder, readShippingOrderList } from './shipping-answers';
import {
  getOrderBody,
  getOrderListBody,
  msgJumpPathBody,
  notifyConfirmReceiveBody,
  uploadCombinedShippingBody,
  uploadShippingBody,
} from './shipping-requests';
import { ShippingDeliveryMode } from './wechat-shipping.interfaces';
import type {
  NotifyConfirmReceiveRequest,
  PayOrderShipment,
  ShippingOrder,
  ShippingOrderKey,
  ShippingOrderList,
  ShippingOrderListQuery,
  ShippingQueryKey,
  UploadCombinedShippingInfoRequest,
  UploadShippingInfoRequest,
} from './wechat-shipping.interfaces';

/** Where the order-shipping APIs live on api.weixin.qq.com. */
const ORDER_API = '/wxa/sec/order';

/**
 * WeChat's order-shipping service (小程序发货信息管理服务). For mini programs under it, the money of every payment stays
 * frozen until the shipping info is uploaded and the user confirmed receipt (or WeChat confirmed it automatically):
 * these calls upload it, query what WeChat knows, remind users to confirm and set where WeChat's messages lead.
 *
 * Every input is checked before anything is sent (a `WeChatInputError` names every problem); WeChat's refusals are
 * `WeChatApiError`s with its errcode (see `WECHAT_SHIPPING_ERRCODES`). The access token is the module's, replaced once
 * when WeChat says it is stale. Calls are repeated after a timeout or dropped connection only when a repeat can do no
 * harm: queries and settings, not uploads (a second upload of a shipped payment counts as its one re-shipment) nor the
 * receipt reminder (once per payment).
 * @publicApi
 */
@Injectable()
export class WeChatShippingService {
  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly wechat: WeChatApiService,
  ) {}

  /**
   * 发货信息录入 (`upload_shipping_info`): how a paid payment was shipped. Once every parcel left, WeChat tells the user and
   * starts the clock towards settlement; uploading again for a shipped payment is its one re-shipment.
   * @throws WeChatInputError for bad input (nothing is sent)
   * @throws WeChatApiError e.g. 10060001 (no such payment), 10060003 (re-shipment used), 10060031 (another payer)
   */
  async uploadShippingInfo(request: UploadShippingInfoRequest): Promise<void> {
    await this.post('uploadShippingInfo', 'upload_shipping_info', uploadShippingBody(request, new Date()), false);
  }

  /**
   * 发货信息合单录入 (`upload_combined_shipping_info`): the shipping of each sub-order of a combined payment (合单支付).
   * @throws WeChatInputError for bad input (nothing is sent)
   * @throws WeChatApiError as {@link uploadShippingInfo}
   */
  async uploadCombinedShippingInfo(request: UploadCombinedShippingInfoRequest): Promise<void> {
    await this.post('uploadCombinedShippingInfo', 'upload_combined_shipping_info', uploadCombinedShippingBody(request, new Date()), false);
  }

  /**
   * Uploads the shipping of a `PayOrder` that needs no logistics: virtual goods (3) or self-pickup (4), one entry,
   * paid by the order's openid. The payment is named by its transaction id when the order has one, else by the
   * merchant id of the module's `pay` options and its out_trade_no.
   * @throws WeChatInputError for bad input, or an order without a transaction id when `pay` is not configured
   */
  async uploadForPayOrder(order: PayOrder, shipment: PayOrderShipment): Promise<void> {
    if (typeof order !== 'object' || order === null) throw new WeChatInputError('uploadForPayOrder', ['order must be a PayOrder']);
    if (![3, 4].includes(shipment?.logisticsType)) {
      throw new WeChatInputError('uploadForPayOrder', ['logisticsType must be 3 (virtual goods) or 4 (self-pickup)']);
    }
    await this.uploadShippingInfo({
      orderKey: this.payOrderKey(order),
      logisticsType: shipment.logisticsType,
      deliveryMode: ShippingDeliveryMode.Unified,
      shippingList: [{ itemDesc: shipment.itemDesc }],
      payerOpenId: order.openId,
      ...(shipment.uploadTime !== undefined ? { uploadTime: shipment.uploadTime } : {}),
    });
  }

  /**
   * 查询订单发货状态 (`get_order`): the payment's state in the shipping service and what was uploaded for it.
   * @throws WeChatApiError 10060001 when WeChat knows no such payment
   */
  async getOrder(orderKey: ShippingQueryKey): Promise<ShippingOrder> {
    const json = await this.post('getOrder', 'get_order', getOrderBody(orderKey), true);
    return readShippingOrder('getOrder', json.order);
  }

  /** 查询订单列表 (`get_order_list`): a page of payments, filtered by pay time, state and payer. */
  async getOrderList(query: ShippingOrderListQuery = {}): Promise<ShippingOrderList> {
    const json = await this.post('getOrderList', 'get_order_list', getOrderListBody(query), true);
    return readShippingOrderList('getOrderList', json);
  }

  /**
   * 确认收货提醒 (`notify_confirm_receive`): WeChat reminds the user to confirm receipt of an express parcel the courier
   * delivered at `receivedAt`. Once per payment.
   * @throws WeChatApiError 10060030 (already reminded), 10060032 (not express), 10060029 (before the shipment)
   */
  async notifyConfirmReceive(request: NotifyConfirmReceiveRequest): Promise<void> {
    await this.post('notifyConfirmReceive', 'notify_confirm_receive', notifyConfirmReceiveBody(request, new Date()), false);
  }

  /**
   * 消息跳转路径设置 (`set_msg_jump_path`): the page of the mini program WeChat's shipping and receipt messages open, e.g.
   * `pages/order/detail` (WeChat appends `transaction_id`, `merchant_id` and `merchant_trade_no` to its query); `''`
   * for WeChat's own confirmation page.
   */
  async setMsgJumpPath(path: string): Promise<void> {
    await this.post('setMsgJumpPath', 'set_msg_jump_path', msgJumpPathBody(path), true);
  }

  /** 查询小程序是否已开通发货信息管理服务 (`is_trade_managed`): whether this mini program is under the shipping service. */
  async isTradeManaged(): Promise<boolean> {
    const json = await this.post('isTradeManaged', 'is_trade_managed', { appid: this.options.appId }, true);
    return readFlag('isTradeManaged', json, 'is_trade_managed');
  }

  /**
   * 查询小程序是否已完成交易结算管理确认 (`is_trade_management_confirmation_completed`): whether every merchant bound to
   * this mini program was authorised for order management or unbound; payments of authorised merchants all need their
   * shipping uploaded.
   */
  async isTradeManagementConfirmationCompleted(): Promise<boolean> {
    const api = 'isTradeManagementConfirmationCompleted';
    const json = await this.post(api, 'is_trade_management_confirmation_completed', { appid: this.options.appId }, true);
    return readFlag(api, json, 'completed');
  }

  /** The key of a `PayOrder`'s payment: its transaction id once known, else the module's merchant and its out_trade_no. */
  private payOrderKey(order: PayOrder): ShippingOrderKey {
    if (order.transactionId) return { transactionId: order.transactionId };
    const mchId = this.options.pay?.mchId;
    if (!mchId) {
      throw new WeChatInputError('uploadForPayOrder', [
        'the order has no transaction id and WeChat Pay is not configured: give MiniProgramModule the `pay` options',
      ]);
    }
    return { mchId, outTradeNo: order.outTradeNo };
  }

  /** POSTs a body to one of the order APIs with the access token. */
  private post(api: string, name: string, body: Record<string, unknown>, idempotent: boolean): Promise<WeChatJson> {
    return this.wechat.withAccessToken((accessToken) => ({
      api,
      method: 'POST',
      path: `${ORDER_API}/${name}`,
      query: { access_token: accessToken },
      body,
      idempotent,
    }));
  }
}
