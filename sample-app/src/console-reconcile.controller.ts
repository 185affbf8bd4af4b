import { ConflictException, Controller, Header, HttpCode, Inject, NotFoundException, Post, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PayReconciler, WeChatExceptionFilter } from 'nestjs-miniprogram-api';
import type { BillReconciliationReport, PayReconcileSummary } from 'nestjs-miniprogram-api';
import { CONSOLE_OPTIONS } from './console.controller';
import type { ConsoleOptions } from './console.controller';

/** What `POST /console/reconcile` answers. */
export interface ReconcileReport {
  /** `reconcilePending({ minAgeSeconds: 0 })`: every order, refund and transfer not final, asked for now. */
  pending: PayReconcileSummary;
  /** `reconcileBill(today)`: today's trade bill (Beijing day) compared with the stored orders and refunds. */
  bill: BillReconciliationReport;
}

/**
 * The console's "reconcile now" (simulator mode only, like the rest of the console): what the module's schedule
 * (`pay.reconcile.schedule`) runs by itself, run at once and without the age threshold, with today's bill, so that the
 * page can show a lost notification repaired.
 */
@ApiExcludeController()
@Controller('console')
@UseFilters(WeChatExceptionFilter)
export class ConsoleReconcileController {
  constructor(
    @Inject(CONSOLE_OPTIONS) private readonly options: ConsoleOptions,
    private readonly reconciler: PayReconciler,
  ) {}

  @Post('reconcile')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async reconcile(): Promise<ReconcileReport> {
    if (this.options.mode !== 'simulator') throw new NotFoundException('The console exists in simulator mode only.');
    if (!this.options.pay) throw new ConflictException('WeChat Pay is not configured: nothing to reconcile.');
    const pending = await this.reconciler.reconcilePending({ minAgeSeconds: 0 });
    const bill = await this.reconciler.reconcileBill(new Date());
    return { pending, bill };
  }
}
