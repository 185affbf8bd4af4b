import type { Locator, Page } from 'playwright-core';

/** What the steps below use of console.browser-spec.ts: its page, its helpers and the WeChat Pay version it runs. */
export interface ConsoleSteps {
  version: 'v2' | 'v3';
  page(): Page;
  $(selector: string): Locator;
  /** Clicks a step's button and waits until the step's result line is no longer busy. */
  step(button: string, result: string): Promise<Locator>;
  text(selector: string): Promise<string>;
  shot(name: string): Promise<unknown>;
}

/** Cash back of the paid order #1 (API v3): wx.requestMerchantTransfer, confirmed by the user, SUCCESS. Before the refund. */
export function cashbackSteps(c: ConsoleSteps): void {
  it('cash back: the wx.requestMerchantTransfer params, the user confirms, the transfer turns SUCCESS on the order', async () => {
    if (c.version === 'v2') {
      expect(await c.$('#btn-cashback').isDisabled()).toBe(true);
      expect(await c.$('#btn-split').isDisabled()).toBe(true);
      await expect(c.text('#cashback-result')).resolves.toBe(
        'Cash back is a merchant transfer: it needs WeChat Pay API v3 (WECHAT_PAY_API_VERSION=v3).',
      );
      return;
    }
    const created = await c.step('#btn-cashback', '#cashback-result');
    await expect(created.getAttribute('data-cashback')).resolves.toBe('WAIT_USER_CONFIRM');
    await expect(c.text('#cashback-result')).resolves.toBe(
      'WAIT_USER_CONFIRM ¥0.01 (1 fen) · out_bill_no CB000001 · wx.requestMerchantTransfer(params) opens the confirmation: confirm it below.',
    );
    await expect(c.text('#transfer-fields [data-field="mchId"]')).resolves.toBe('1900000109');
    await expect(c.text('#transfer-fields [data-field="appId"]')).resolves.toBe('wxdevsimulator0001');
    expect((await c.text('#transfer-fields [data-field="package"]')).length).toBeGreaterThan(10);
    await expect(c.text('[data-field="cashback"]')).resolves.toBe('WAIT_USER_CONFIRM · ¥0.01 (1 fen)');
    await c.$('#step-money').scrollIntoViewIfNeeded();
    await c.shot('05-cashback-params');

    const confirmed = await c.step('#btn-cashback-confirm', '#cashback-result');
    await expect(confirmed.getAttribute('data-cashback')).resolves.toBe('SUCCESS');
    await expect(c.text('#cashback-result')).resolves.toBe(
      "SUCCESS ¥0.01 (1 fen) to the user's balance · WeChat ACCEPTED → WAIT_USER_CONFIRM → TRANSFERING → SUCCESS · notification answered 204",
    );
    await expect(c.text('[data-field="cashback"]')).resolves.toBe('SUCCESS · ¥0.01 (1 fen)');
    await expect(c.$('#notifications li[data-kind="transfer"][data-answer="204"]').count()).resolves.toBe(1);
    // Paid once: no second cash back of this order.
    expect(await c.$('#btn-cashback').isDisabled()).toBe(true);
    expect(await c.$('#btn-cashback-confirm').isDisabled()).toBe(true);
    expect(await c.$('#transfer-params').isHidden()).toBe(true);
    await c.$('#step-money').scrollIntoViewIfNeeded();
    await c.shot('05-cashback-success');
  });
}

/**
 * Reconciliation (both APIs): order #3 paid while the simulator loses its notification, then repaired by the
 * reconciler; with API v3, the partner's split of that order.
 */
export function reconciliationSteps(c: ConsoleSteps): void {
  it('reconciliation: a payment whose notification is lost stays unpaid at the app', async () => {
    await c.$('#in-fee').fill('100');
    const lost = await c.step('#btn-lose-pay', '#lose-result');
    await expect(lost.getAttribute('data-paid')).resolves.toBe('no');
    await expect(c.text('#order-title')).resolves.toBe('Order #3 · Pickup order');
    await expect(c.text('#lose-result')).resolves.toMatch(
      /^lost paid at WeChat \(transaction \S+\), the notification lost · the app has order #3 CREATED, paid no$/,
    );
    // Lost: the simulator never sent it, so the app never answered it.
    await expect(c.$('#notifications li[data-kind="pay"]').filter({ hasText: 'order pickup000003' }).count()).resolves.toBe(0);
    await expect(c.text('[data-field="paid"]')).resolves.toBe('no');
  });

  it('reconciliation: the reconciler asks WeChat, the order is paid and fulfilled once, and the report is shown', async () => {
    const result = await c.step('#btn-reconcile', '#reconcile-result');
    await expect(result.getAttribute('data-repaired')).resolves.toBe('yes');
    await expect(c.text('#reconcile-result')).resolves.toMatch(
      /^repaired pending orders: \d+ asked, 1 changed · bill \d{4}-\d\d-\d\d: \d+ mismatches · order #3 FULFILLED, paid yes, fulfilledCount 1$/,
    );
    await expect(c.text('[data-field="reconcile-orders"]')).resolves.toMatch(/^\d+ asked, 1 changed$/);
    await expect(c.text('[data-field="reconcile-transfers"]')).resolves.toBe('0 asked, 0 changed');
    await expect(c.text('[data-field="reconcile-bill"]')).resolves.toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\(${c.version}\\): \\d+ rows, \\d+ matched$`),
    );
    await expect(c.text('[data-field="fulfilledCount"]')).resolves.toBe('1');
    // Repaired by a query, not by a notification: still none of this order.
    await expect(c.$('#notifications li[data-kind="pay"]').filter({ hasText: 'order pickup000003' }).count()).resolves.toBe(0);
    await c.$('#step-reconcile').scrollIntoViewIfNeeded();
    await c.shot('09-reconciled');
  });

  (c.version === 'v3' ? it : it.skip)("the partner's split: 10% of the order to the partner merchant, FINISHED by WeChat", async () => {
    const result = await c.step('#btn-split', '#split-result');
    await expect(result.getAttribute('data-split')).resolves.toBe('FINISHED');
    await expect(c.text('#split-result')).resolves.toBe(
      'FINISHED ¥0.10 (10 fen) to partner MERCHANT_ID 1900000110 (SP000003) · result SUCCESS',
    );
    await expect(c.text('[data-field="split"]')).resolves.toBe('FINISHED · ¥0.10 (10 fen) · SUCCESS');
    expect(await c.$('#notifications li[data-kind="profit-sharing"]').count()).toBeGreaterThanOrEqual(1);
    expect(await c.$('#btn-split').isDisabled()).toBe(true);
  });
}
