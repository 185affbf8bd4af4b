import { Body, Controller, HttpCode, Param, ParseIntPipe, Post, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { CurrentWeChatAccount, JsonDepthPipe, MiniProgramAuthGuard, WeChatAccount, WeChatExceptionFilter } from 'nestjs-miniprogram-api';
import type { RequestMerchantTransferParams } from 'nestjs-miniprogram-api';
import { OrderMoneyService } from './order-money.service';
import type { CashbackView, SplitView } from './order-money.service';
import { TOKEN_SECURITY } from './openapi';

export class SplitDto {
  @ApiPropertyOptional({
    description: 'Fen to the partner; 10% of the order by default. At most 30% of the order in all.',
    type: 'integer',
    minimum: 1,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  amount?: number;
}

/** The `wx.requestMerchantTransfer` object (OpenAPI schema of {@link RequestMerchantTransferParams}). */
export class RequestMerchantTransferDto implements RequestMerchantTransferParams {
  @ApiProperty({ example: '1900000109' }) mchId!: string;
  @ApiProperty({ example: 'wxdevsimulator0001' }) appId!: string;
  @ApiProperty({ description: "WeChat's package_info." }) package!: string;
  @ApiProperty() openId!: string;
}

export class CashbackViewDto implements CashbackView {
  @ApiProperty({ example: 'CB000001' }) outBillNo!: string;
  @ApiProperty({ description: 'Fen: 1% of the order, at least 1.', example: 1 }) amount!: number;
  @ApiProperty({
    description: "REQUESTED, WeChat's passing states (WAIT_USER_CONFIRM, …), then SUCCESS, FAIL or CANCELLED.",
    example: 'WAIT_USER_CONFIRM',
  })
  state!: string;
  @ApiProperty({
    type: RequestMerchantTransferDto,
    nullable: true,
    description: 'For wx.requestMerchantTransfer while the transfer waits for the user.',
  })
  requestMerchantTransfer!: RequestMerchantTransferDto | null;
}

export class SplitViewDto implements SplitView {
  @ApiProperty({ example: 'SP000001' }) outOrderNo!: string;
  @ApiProperty({ description: 'Fen.', example: 100 }) amount!: number;
  @ApiProperty({ enum: ['PROCESSING', 'FINISHED'], example: 'PROCESSING' }) state!: string;
  @ApiProperty({ example: { type: 'MERCHANT_ID', account: '1900000110' } }) receiver!: { type: string; account: string };
}

/** Cash back and the partner's split of the signed-in user's paid orders (WeChat Pay API v3). */
@ApiTags('Sample app: pickup orders')
@ApiSecurity(TOKEN_SECURITY)
@ApiResponse({ status: 401, description: 'No or an invalid token.' })
@Controller('orders')
@UseGuards(MiniProgramAuthGuard)
@UseFilters(WeChatExceptionFilter)
@UsePipes(new JsonDepthPipe(), new ValidationPipe({ whitelist: true, forbidUnknownValues: true }))
export class OrderMoneyController {
  constructor(private readonly money: OrderMoneyService) {}

  @Post(':id/cashback')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cash back of a paid order',
    description:
      'A merchant transfer of 1% of the order (out_bill_no CB<id>: a repeated request gets the same transfer), confirmed by the user ' +
      'in wx.requestMerchantTransfer; WeChat notifies the outcome.',
  })
  @ApiParam({ name: 'id', type: 'integer' })
  @ApiResponse({ status: 200, type: CashbackViewDto })
  @ApiResponse({ status: 409, description: 'Not paid, refunded, or WeChat Pay API v2 (transfers need v3).' })
  @ApiResponse({ status: 502, description: 'WeChat Pay refused or could not be reached.' })
  cashback(@CurrentWeChatAccount() account: WeChatAccount, @Param('id', ParseIntPipe) id: number): Promise<CashbackView> {
    return this.money.cashback(account, id);
  }

  @Post(':id/split')
  @HttpCode(200)
  @ApiOperation({
    summary: "The partner's share of a paid order (profit sharing)",
    description: 'Splits a share of the order to the partner (out_order_no SP<id>); finished by WeChat a moment later.',
  })
  @ApiParam({ name: 'id', type: 'integer' })
  @ApiBody({ type: SplitDto, required: false })
  @ApiResponse({ status: 200, type: SplitViewDto })
  @ApiResponse({
    status: 409,
    description: 'Not paid, refunded, over the limit (`left` says what is left), or no profit sharing configured.',
  })
  split(@CurrentWeChatAccount() account: WeChatAccount, @Param('id', ParseIntPipe) id: number, @Body() body: SplitDto): Promise<SplitView> {
    return this.money.split(account, id, body?.amount);
  }
}
