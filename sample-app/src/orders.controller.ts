import {
  Body,
  Controller,
  Get,
  HttpCode,
  Ip,
  Param,
  ParseIntPipe,
  Post,
  UseFilters,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import {
  CurrentWeChatAccount,
  JsapiPaymentParams,
  JsonDepthPipe,
  MiniProgramAuthGuard,
  WeChatAccount,
  WeChatExceptionFilter,
  WxRequestPaymentParams,
} from 'nestjs-miniprogram-api';
import { TOKEN_SECURITY } from './openapi';
import { OrdersService, PickupOrderView } from './orders.service';

export class CreateOrderDto {
  @ApiProperty({ description: 'What is bought; the WeChat Pay `body`.', minLength: 1, maxLength: 127, example: 'Pickup order' })
  @IsString()
  @MinLength(1)
  @MaxLength(127)
  // What WeChat Pay takes and every database stores: no control characters, lone surrogates or U+FFFE/U+FFFF.
  @Matches(/^[^\p{Cc}\p{Cs}\uFFFE\uFFFF]*$/u, { message: 'description must not contain control characters' })
  description!: string;
  /** Fen. */
  @ApiProperty({ description: 'The amount in fen (1 = ¥0.01).', type: 'integer', minimum: 1, maximum: 100_000_000, example: 1 })
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  totalFee!: number;
}

export class RefundDto {
  @ApiPropertyOptional({ description: 'Fen to refund; the whole order by default.', type: 'integer', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  refundFee?: number;
}

/** An order as the API shows it (OpenAPI schema of {@link PickupOrderView}). */
export class PickupOrderViewDto implements PickupOrderView {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 'Pickup order' }) description!: string;
  @ApiProperty({ description: 'Fen.', example: 1 }) totalFee!: number;
  @ApiProperty({
    enum: ['CREATED', 'FULFILLED', 'COMPLETED', 'REFUNDED'],
    description: 'FULFILLED once paid; COMPLETED once WeChat settled it (the user confirmed receipt).',
    example: 'FULFILLED',
  })
  status!: PickupOrderView['status'];
  @ApiProperty({ example: true }) paid!: boolean;
  @ApiProperty({ description: 'How many times the paid-handler ran: exactly once per paid order.', example: 1 }) fulfilledCount!: number;
  @ApiProperty({ type: String, nullable: true, description: "The PayOrder's status.", example: 'SUCCESS' }) payStatus!: string | null;
  @ApiProperty({ type: String, nullable: true }) outTradeNo!: string | null;
  @ApiProperty({ type: String, nullable: true }) transactionId!: string | null;
  @ApiProperty({ description: 'Fen refunded so far.', example: 0 }) refundedFee!: number;
  @ApiProperty({ description: 'Whether WeChat has the shipping info: uploaded as self-pickup once paid.', example: true })
  shippingUploaded!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) shippedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the user (or WeChat) confirmed receipt.' })
  receiptConfirmedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When WeChat released the money to the merchant.' })
  settledAt!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['PENDING', 'SENDING', 'SENT', 'SKIPPED', 'REFUSED', 'FAILED'],
    description: 'The "order paid" subscribe message, sent once the payment committed; null when none is configured.',
    example: 'SENT',
  })
  paidMessage!: PickupOrderView['paidMessage'];
  @ApiProperty({ type: String, nullable: true, description: 'Why the message was not sent.' }) paidMessageDetail!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Cash back (fen), once asked for: POST /orders/{id}/cashback.' })
  cashbackAmount!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "REQUESTED, the transfer's passing state (WAIT_USER_CONFIRM, …), then SUCCESS, FAIL or CANCELLED.",
    example: 'SUCCESS',
  })
  cashbackState!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: "The partner's share (fen), once split: POST /orders/{id}/split." })
  splitAmount!: number | null;
  @ApiProperty({ type: String, nullable: true, enum: ['REQUESTED', 'PROCESSING', 'FINISHED'], example: 'FINISHED' })
  splitState!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The partner's result once FINISHED: SUCCESS, or CLOSED and the reason." })
  splitResult!: string | null;
}

/** The `wx.requestPayment` object (OpenAPI schema of {@link JsapiPaymentParams}). */
export class JsapiPaymentParamsDto implements JsapiPaymentParams {
  @ApiProperty({ example: 'wxdevsimulator0001' }) appId!: string;
  @ApiProperty({ description: 'Whole seconds, as a string.', example: '1700000000' }) timeStamp!: string;
  @ApiProperty({ example: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS' }) nonceStr!: string;
  @ApiProperty({ example: 'prepay_id=wx201410272009395522657a690389285100' }) package!: string;
  @ApiProperty({ enum: ['MD5', 'HMAC-SHA256'], example: 'MD5' }) signType!: JsapiPaymentParams['signType'];
  @ApiProperty({ description: 'Upper-case hex over appId, nonceStr, package, signType, timeStamp and the API key.' }) paySign!: string;
}

/** The refund as accepted; it settles with the refund notification. */
export class RefundResultDto {
  @ApiProperty() outRefundNo!: string;
  @ApiProperty({ description: 'Fen.', example: 1 }) refundFee!: number;
  @ApiProperty({ example: 'PROCESSING' }) status!: string;
}

/** The pickup orders of the signed-in user. */
@ApiTags('Sample app: pickup orders')
@ApiSecurity(TOKEN_SECURITY)
@ApiResponse({ status: 401, description: 'No or an invalid token.' })
@Controller('orders')
@UseGuards(MiniProgramAuthGuard)
@UseFilters(WeChatExceptionFilter)
// The depth check first: class-validator walks a body recursively (a body nested 5,000 levels deep would overflow it).
@UsePipes(new JsonDepthPipe(), new ValidationPipe({ whitelist: true, forbidUnknownValues: true }))
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a pickup order' })
  @ApiBody({ type: CreateOrderDto })
  @ApiResponse({ status: 200, type: PickupOrderViewDto })
  @ApiResponse({ status: 400, description: 'Invalid body.' })
  create(@CurrentWeChatAccount() account: WeChatAccount, @Body() body: CreateOrderDto): Promise<PickupOrderView> {
    return this.orders.create(account, body.description, body.totalFee);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An order of the caller' })
  @ApiParam({ name: 'id', type: 'integer' })
  @ApiResponse({ status: 200, type: PickupOrderViewDto })
  @ApiResponse({ status: 404, description: 'No such order of this user.' })
  get(@CurrentWeChatAccount() account: WeChatAccount, @Param('id', ParseIntPipe) id: number): Promise<PickupOrderView> {
    return this.orders.get(account, id);
  }

  /** Exactly the object for `wx.requestPayment`. */
  @Post(':id/pay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The wx.requestPayment parameters of an order',
    description: 'Creates (or reuses) the WeChat Pay order with unifiedorder and answers exactly the object for wx.requestPayment.',
  })
  @ApiParam({ name: 'id', type: 'integer' })
  @ApiResponse({ status: 200, type: JsapiPaymentParamsDto })
  @ApiResponse({ status: 409, description: 'Already paid.' })
  @ApiResponse({ status: 502, description: 'WeChat Pay refused or could not be reached.' })
  pay(
    @CurrentWeChatAccount() account: WeChatAccount,
    @Param('id', ParseIntPipe) id: number,
    @Ip() ip: string,
  ): Promise<WxRequestPaymentParams> {
    return this.orders.pay(account, id, normalizeIp(ip));
  }

  @Post(':id/refund')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refund a paid order', description: 'Accepted now (PROCESSING); settled by the refund notification.' })
  @ApiParam({ name: 'id', type: 'integer' })
  @ApiBody({ type: RefundDto, required: false })
  @ApiResponse({ status: 200, type: RefundResultDto })
  @ApiResponse({ status: 409, description: 'Not paid, or nothing left to refund.' })
  refund(@CurrentWeChatAccount() account: WeChatAccount, @Param('id', ParseIntPipe) id: number, @Body() body: RefundDto) {
    return this.orders.refund(account, id, body?.refundFee);
  }
}

/** WeChat wants an IPv4 address in spbill_create_ip. */
function normalizeIp(ip: string | undefined): string {
  const v4 = ip?.replace(/^::ffff:/, '');
  return v4 && /^\d{1,3}(\.\d{1,3}){3}$/.test(v4) ? v4 : '127.0.0.1';
}
