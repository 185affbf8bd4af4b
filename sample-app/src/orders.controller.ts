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
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import {
  CurrentWeChatAccount,
  JsapiPaymentParams,
  MiniProgramAuthGuard,
  WeChatAccount,
  WeChatExceptionFilter,
} from 'nestjs-miniprogram-api';
import { OrdersService, PickupOrderView } from './orders.service';

export class CreateOrderDto {
  @IsString() @MinLength(1) @MaxLength(127) description!: string;
  /** Fen. */
  @IsInt() @Min(1) @Max(100_000_000) totalFee!: number;
}

export class RefundDto {
  @IsOptional() @IsInt() @Min(1) refundFee?: number;
}

/** The pickup orders of the signed-in user. */
@Controller('orders')
@UseGuards(MiniProgramAuthGuard)
@UseFilters(WeChatExceptionFilter)
@UsePipes(new ValidationPipe({ whitelist: true, forbidUnknownValues: true }))
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(200)
  create(@CurrentWeChatAccount() account: WeChatAccount, @Body() body: CreateOrderDto): Promise<PickupOrderView> {
    return this.orders.create(account, body.description, body.totalFee);
  }

  @Get(':id')
  get(@CurrentWeChatAccount() account: WeChatAccount, @Param('id', ParseIntPipe) id: number): Promise<PickupOrderView> {
    return this.orders.get(account, id);
  }

  /** Exactly the object for `wx.requestPayment`. */
  @Post(':id/pay')
  @HttpCode(200)
  pay(
    @CurrentWeChatAccount() account: WeChatAccount,
    @Param('id', ParseIntPipe) id: number,
    @Ip() ip: string,
  ): Promise<JsapiPaymentParams> {
    return this.orders.pay(account, id, normalizeIp(ip));
  }

  @Post(':id/refund')
  @HttpCode(200)
  refund(@CurrentWeChatAccount() account: WeChatAccount, @Param('id', ParseIntPipe) id: number, @Body() body: RefundDto) {
    return this.orders.refund(account, id, body?.refundFee);
  }
}

/** WeChat wants an IPv4 address in spbill_create_ip. */
function normalizeIp(ip: string | undefined): string {
  const v4 = ip?.replace(/^::ffff:/, '');
  return v4 && /^\d{1,3}(\.\d{1,3}){3}$/.test(v4) ? v4 : '127.0.0.1';
}
