import { createVerify } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startSampleApp } from '../../sample-app/src/bootstrap';
import type { SampleApp } from '../../sample-app/src/bootstrap';
import { loadConfig } from '../../sample-app/src/config';
import { pngChunk } from '../../lib/profile/image.spec-kit';
import { SIMULATOR_DEV_V3 } from '../../lib/testing';
import { sampleAppEnv } from '../utils/platform';
import { cashbackSteps, reconciliationSteps } from './console-money.browser-steps';
import type { ConsoleSteps } from './console-money.browser-steps';

/*
 * The browser globals the page callbacks below use: they run in Chromium, not in Node. Declared here, for this file
 * only, instead of adding the DOM library to the whole project.
 */
interface PageElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { top: number; height: number };
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  body: { classList: { contains(name: string): boolean } };
  documentElement: { scrollWidth: number };
};
declare const window: { scrollY: number; scrollTo(x: number, y: number): void; md5(text: string): string };

/** A `size`×`size` PNG of one colour, with a lighter square in the middle: the avatar the user picks. */
function avatarPng(size: number, rgb: [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const inner = (i: number) => i >= size / 4 && i < (size * 3) / 4;
  const rows = Array.from({ length: size }, (_, y) =>
    Buffer.concat([
      Buffer.from([0]),
      ...Array.from({ length: size }, (_, x) => Buffer.from(inner(x) && inner(y) ? rgb.map((c) => 255 - (255 - c) / 3) : rgb)),
    ]),
  );
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = join(__dirname, 'screenshots');
const DOCS_IMAGE = join(__dirname, '..', '..', 'docs', 'console.png');
/** A phone: iPhone 12–15 sized, in CSS pixels. */
const PHONE = { width: 390, height: 844 };
const STEP_TIMEOUT = 30_000;

/**
 * What differs between the WeChat Pay APIs as the console shows it: v2 notifications are answered with XML
 * `return_code` (SUCCESS/FAIL), v3 ones with HTTP status codes (204, 401 for a forged signature).
 */
const MODES = {
  v2: { ok: 'SUCCESS', refused: 'FAIL', forged: 'forged-sign' },
  v3: { ok: '204', refused: '401', forged: 'forged-signature' },
} as const;

describe.each(['v2', 'v3'] as const)('the console of the sample app (WeChat Pay %s), in Chromium on a phone-sized screen', (version) => {
  const expected = MODES[version];
  let sample: SampleApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Requests the page tried to send off this machine (all refused), and how many went through the guard at all. */
  const offMachine: string[] = [];
  const guarded = new Set<string>();
  /** Console errors, uncaught exceptions and CSP violations of the pages. */
  const pageErrors: string[] = [];

  const $ = (selector: string): Locator => page.locator(selector);

  async function shot(name: string, fullPage = false): Promise<Buffer> {
    return page.screenshot({ path: join(SCREENSHOTS, `${version === 'v2' ? '' : `${version}-`}${name}.png`), fullPage });
  }

  /** Clicks a step's button and waits until the step's result line is no longer busy. */
  async function step(button: string, result: string): Promise<Locator> {
    await $(button).click();
    const line = $(result);
    await page.waitForFunction((id) => document.getElementById(id)?.getAttribute('data-state') !== 'busy', result.slice(1), {
      timeout: STEP_TIMEOUT,
    });
    await page.waitForFunction(() => !document.body.classList.contains('busy'), undefined, { timeout: STEP_TIMEOUT });
    return line;
  }

  /** What the money steps (console-money.browser-steps.ts) use of this file. */
  const steps: ConsoleSteps = { version, page: () => page, $, step, text: (selector) => text(selector), shot: (name) => shot(name) };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (bash scripts/ci-browser.sh does) or set CHROMIUM_PATH`);
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    sample = await startSampleApp(loadConfig(sampleAppEnv({ WECHAT_PAY_API_VERSION: version })), false);
    expect(sample.payApiVersion).toBe(version);
    // launch() gives the browser a fresh temporary profile (user-data dir) of its own, removed on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'en-US' });
    // Nothing may leave the machine: every request that is not for the app itself is refused and recorded.
    const appOrigin = new URL(sample.appUrl).origin;
    await context.route('**/*', (route) => {
      const url = route.request().url();
      guarded.add(url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, ''));
      if (url.startsWith(`${appOrigin}/`)) return route.continue();
      offMachine.push(url);
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
    page.on('console', (message) => {
      // Chromium reports every 4xx/5xx answer as an error; the steps cause those on purpose and assert them.
      if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of [45]\d\d/.test(message.text())) {
        pageErrors.push(`console: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await sample?.close();
  });

  it('opens at / in simulator mode, with the simulator and the app named', async () => {
    const response = await page.goto(`${sample.appUrl}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("connect-src 'self'");
    await page.waitForSelector('body[data-ready="yes"]');
    await expect(text('#mode')).resolves.toBe('simulator');
    await expect(text('#endpoints')).resolves.toBe(`wxdevsimulator0001 · simulator ${new URL(sample.wechatUrl).host} via /sim`);
    await expect(text('#pay-version')).resolves.toBe(`Pay ${version}`);
    expect(await $('#btn-login').isEnabled()).toBe(true);
    expect(await $('#btn-pay').isDisabled()).toBe(true);
    // Readable on a phone: nothing is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot('01-start');
  });

  it('wx.login() → login: a token', async () => {
    const result = await step('#btn-login', '#login-result');
    await expect(result.getAttribute('data-state')).resolves.toBe('ok');
    await expect(result.textContent()).resolves.toMatch(/signed in user #1 · openid o\S+ · token \S+/);
    expect(await $('#btn-profile').isEnabled()).toBe(true);
  });

  /** The `naturalWidth` of an image of the page: 0 until it loaded (and when it could not be loaded). */
  const loadedWidth = (id: string) =>
    page.evaluate((target) => (document.getElementById(target) as unknown as { naturalWidth: number }).naturalWidth, id);

  it('profile: a nickname WeChat passes is saved at once', async () => {
    expect(await $('#in-nick').getAttribute('type')).toBe('nickname');
    await $('#in-nick').fill('Alice');
    const result = await step('#btn-profile', '#profile-result');
    await expect(result.getAttribute('data-outcome')).resolves.toBe('saved');
    await expect(text('#profile-result')).resolves.toBe('saved nickname Alice');
    await expect(text('#profile-nick')).resolves.toBe('Alice');
  });

  it('profile: a nickname WeChat finds risky is refused with its label, nothing saved', async () => {
    await $('#verdict-nick').selectOption('risky');
    await $('#in-nick').fill('Cheap pills');
    const result = await step('#btn-profile', '#profile-result');
    await expect(result.getAttribute('data-outcome')).resolves.toBe('refused');
    await expect(result.getAttribute('data-label')).resolves.toBe('10001');
    await expect(text('#profile-result')).resolves.toBe('refused 422 · WeChat found the nickName risky, label 10001 (ads): nothing saved');
    await expect(text('#profile-nick')).resolves.toBe('Alice');
  });

  it("profile: an avatar is pending until WeChat pushes its verdict, then shown; the user's code", async () => {
    await $('#verdict-nick').selectOption('pass');
    await $('#in-nick').fill('Alice');
    await $('#in-avatar').setInputFiles({ name: 'tmp_avatar.png', mimeType: 'image/png', buffer: avatarPng(96, [7, 193, 96]) });
    await $('#btn-profile').click();
    // Stored and served at /avatars/, but not shown yet: WeChat's verdict comes later, as a push.
    await page.waitForSelector('#avatar-pending[data-state="pending"]', { timeout: STEP_TIMEOUT });
    const pending = await $('#avatar-pending-img').getAttribute('src');
    expect(pending).toMatch(/^\/avatars\/[0-9a-f]{64}\.png$/);
    expect(await $('#avatar-shown').isHidden()).toBe(true);
    await page.waitForFunction(() => document.getElementById('profile-result')?.getAttribute('data-state') !== 'busy', undefined, {
      timeout: STEP_TIMEOUT,
    });
    await page.waitForFunction(() => !document.body.classList.contains('busy'), undefined, { timeout: STEP_TIMEOUT });
    await expect($('#profile-result').getAttribute('data-outcome')).resolves.toBe('saved');
    await expect(text('#profile-result')).resolves.toBe('saved nickname Alice · avatar shown: WeChat pushed pass');
    await expect($('#avatar-shown').getAttribute('src')).resolves.toBe(pending);
    expect(await $('#avatar-pending').isHidden()).toBe(true);
    await page.waitForFunction(() => (document.getElementById('avatar-shown') as unknown as { complete: boolean }).complete);
    expect(await loadedWidth('avatar-shown')).toBe(96);
    await expect($('#pushes li[data-event="wxa_media_check"][data-answer="success"]').count()).resolves.toBe(1);

    // "My code": the PNG of GET /profile/code, fetched with the token and shown through a blob: URL (the CSP allows it).
    const code = await step('#btn-code', '#code-result');
    await expect(code.getAttribute('data-state')).resolves.toBe('ok');
    await expect(text('#code-result')).resolves.toMatch(/^code image\/png, \d+ bytes · opens pages\/index\/index with scene u=1$/);
    await expect($('#code-img').getAttribute('src')).resolves.toMatch(/^blob:/);
    await page.waitForFunction(() => (document.getElementById('code-img') as unknown as { complete: boolean }).complete);
    expect(await loadedWidth('code-img')).toBe(430);
    await $('#step-profile').scrollIntoViewIfNeeded();
    await shot('02-profile');
  });

  it('getPhoneNumber → phoneNumber', async () => {
    const result = await step('#btn-phone', '#phone-result');
    await expect(result.getAttribute('data-state')).resolves.toBe('ok');
    await expect(result.textContent()).resolves.toContain('+86 13800138000');
  });

  it('wx.requestSubscribeMessage(): the user accepts the order-paid template, WeChat pushes the answer to the app', async () => {
    await expect(text('#subscribe-template')).resolves.toMatch(/^Template 付款成功通知 \(one-time: 物品名称, 付款金额, 付款时间\) \S+$/);
    const result = await step('#btn-subscribe-accept', '#subscribe-result');
    await expect(result.getAttribute('data-answer')).resolves.toBe('accept');
    await expect(result.textContent()).resolves.toBe(
      'accepted subscribe_msg_popup_event pushed, the app answered success · one-time acceptances left 1',
    );
    await expect($('#pushes li[data-event="subscribe_msg_popup_event"][data-answer="success"]').count()).resolves.toBe(1);
    await $('#step-subscribe').scrollIntoViewIfNeeded();
    await shot('02-subscribe');
  });

  it('creates a pickup order', async () => {
    await step('#btn-order', '#pay-result');
    await expect(text('#order-title')).resolves.toBe('Order #1 · Pickup order');
    await expect(text('#order-status')).resolves.toBe('CREATED');
    await expect(text('[data-field="paid"]')).resolves.toBe('no');
    expect(await $('#btn-pay').isEnabled()).toBe(true);
  });

  it('shows the wx.requestPayment params with the paySign verified in the browser', async () => {
    await step('#btn-pay', '#pay-result');
    const check = $('#paysign-check');
    await page.waitForFunction(() => document.getElementById('paysign-check')?.getAttribute('data-verified') !== null);
    await expect(check.getAttribute('data-verified')).resolves.toBe('yes');
    if (version === 'v3') {
      // signType RSA: SHA256withRSA over appId\ntimeStamp\nnonceStr\npackage\n, checked with WebCrypto.
      await expect(check.textContent()).resolves.toMatch(
        /^paySign verified \(RSA\) SHA256withRSA over wxdevsimulator0001\\n\d+\\n\w+\\nprepay_id=\S+\\n with the public key of merchant 1900000109/,
      );
      expect(await $('#params [data-field="appId"]').count()).toBe(0);
      await expect(text('#params [data-field="signType"]')).resolves.toBe('RSA');
      const signed = {
        timeStamp: await text('#params [data-field="timeStamp"]'),
        nonceStr: await text('#params [data-field="nonceStr"]'),
        package: await text('#params [data-field="package"]'),
        paySign: await text('#params [data-field="paySign"]'),
      };
      expect(signed.package).toMatch(/^prepay_id=/);
      expect(signed.paySign).toMatch(/^[A-Za-z0-9+/]{342}==$/);
      // The same check in Node, with the merchant certificate: the page's verdict is not just a string it printed.
      const verifier = createVerify('RSA-SHA256');
      verifier.update(`wxdevsimulator0001\n${signed.timeStamp}\n${signed.nonceStr}\n${signed.package}\n`);
      expect(verifier.verify(SIMULATOR_DEV_V3.merchantCertificate, signed.paySign, 'base64')).toBe(true);
      await $('#step-order').scrollIntoViewIfNeeded();
      await shot('03-pay-params');
      return;
    }
    await expect(check.textContent()).resolves.toMatch(
      /paySign verified MD5 over appId=wxdevsimulator0001&nonceStr=\w+&package=prepay_id=\S+/,
    );
    await expect(text('#params [data-field="appId"]')).resolves.toBe('wxdevsimulator0001');
    await expect(text('#params [data-field="package"]')).resolves.toMatch(/^prepay_id=/);
    await expect(text('#params [data-field="signType"]')).resolves.toBe('MD5');
    await expect(text('#params [data-field="paySign"]')).resolves.toMatch(/^[0-9A-F]{32}$/);
    // The check itself: the page's MD5 agrees with a known vector.
    expect(await page.evaluate(() => window.md5('abc'))).toBe('900150983cd24fb0d6963f7d28e17f72');
    await $('#step-order').scrollIntoViewIfNeeded();
    await shot('03-pay-params');
  });

  it('confirms the payment: the notification arrives, the order is paid and fulfilled once', async () => {
    const result = await step('#btn-confirm', '#pay-result');
    await expect(result.getAttribute('data-state')).resolves.toBe('ok');
    await expect(result.textContent()).resolves.toMatch(
      new RegExp(`paid transaction \\S+ · notification answered ${expected.ok} · order FULFILLED, fulfilledCount 1`),
    );
    await expect(text('#order-status')).resolves.toBe('FULFILLED');
    await expect(text('[data-field="paid"]')).resolves.toBe('yes');
    await expect(text('[data-field="fulfilledCount"]')).resolves.toBe('1');
    await expect(text('[data-field="payStatus"]')).resolves.toBe('SUCCESS');
    await expect($(`#notifications li[data-kind="pay"][data-variant="genuine"][data-answer="${expected.ok}"]`).count()).resolves.toBe(1);
    await $('#step-order').scrollIntoViewIfNeeded();
    await shot('04-paid');
  });

  it('sends the order-paid message once the payment committed: the user accepted it, so it is delivered', async () => {
    const result = $('#message-result');
    await expect(result.getAttribute('data-message')).resolves.toBe('SENT');
    await expect(result.textContent()).resolves.toBe(
      'Order-paid message sent 付款成功通知: delivered to the user (see Subscribe messages)',
    );
    await expect(text('[data-field="paidMessage"]')).resolves.toBe('SENT');
    const messages = $('#messages li[data-template]');
    await expect(messages.count()).resolves.toBe(1);
    await expect(messages.locator('.n-detail').textContent()).resolves.toMatch(
      /^to o\S+ · 物品名称:Pickup order · 付款金额:¥0\.01 · 付款时间:\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/,
    );
  });

  it('shows the upload the app made once the order was paid: self-pickup, WeChat state 2, the money frozen', async () => {
    const result = $('#shipping-result');
    await expect(result.getAttribute('data-order-state')).resolves.toBe('2');
    await expect(result.textContent()).resolves.toBe('uploaded self-pickup "Pickup order*1" · WeChat: state 2 (shipped) · funds frozen');
    await expect(text('[data-field="shippingUploaded"]')).resolves.toBe('yes');
    await expect(text('[data-field="shippedAt"]')).resolves.toMatch(/^\d{4}-\d\d-\d\dT/);
    await expect(text('[data-field="settledAt"]')).resolves.toBe('—');
    // The shipment push reaches the app a moment after the upload: refresh until it is listed as acknowledged.
    const shipped = $('#pushes li[data-event="trade_manage_order_settlement"][data-acknowledged="yes"]');
    for (let i = 0; i < 20 && (await shipped.count()) === 0; i++) {
      await page.waitForTimeout(100);
      await $('#btn-pushes').click();
    }
    await expect(shipped.count()).resolves.toBe(1);
    await expect(shipped.locator('.n-detail').textContent()).resolves.toMatch(
      /^order pickup000001 shipped: the money stays frozen · json, safe mode · 1 attempt, answered success · acknowledged$/,
    );
    expect(await $('#btn-receive').isEnabled()).toBe(true);
    await $('#step-shipping').scrollIntoViewIfNeeded();
    await shot('05-shipping');
  });

  it('confirms receipt in WeChat: WeChat settles and pushes, the order turns COMPLETED, the money is released', async () => {
    const result = await step('#btn-receive', '#receive-result');
    await expect(result.getAttribute('data-order-state')).resolves.toBe('4');
    await expect(result.textContent()).resolves.toBe(
      'completed WeChat: state 4 (settled) · funds released · settlement push answered success · order COMPLETED',
    );
    await expect(text('#order-status')).resolves.toBe('COMPLETED');
    await expect(text('[data-field="receiptConfirmedAt"]')).resolves.toMatch(/^\d{4}-\d\d-\d\dT/);
    await expect(text('[data-field="settledAt"]')).resolves.toMatch(/^\d{4}-\d\d-\d\dT/);
    await expect(
      $('#pushes li[data-event="trade_manage_order_settlement"][data-answer="success"] .n-detail').first().textContent(),
    ).resolves.toMatch(/^order pickup000001 settled: receipt confirmed · /);
    expect(await $('#btn-receive').isDisabled()).toBe(true);
  });

  cashbackSteps(steps);

  it(`a duplicate notification ×5: answered ${expected.ok}, fulfilled still once`, async () => {
    const result = await step('#btn-duplicate', '#notify-result');
    await expect(result.textContent()).resolves.toBe(`duplicate ×5 → app answered ${expected.ok} ×5 · fulfilledCount still 1`);
    await expect(text('[data-field="fulfilledCount"]')).resolves.toBe('1');
    await expect($(`#notifications li[data-variant="duplicate"][data-answer="${expected.ok}"]`).count()).resolves.toBe(5);
  });

  it(`a forged notification (${expected.forged}): shown as ${expected.refused}, nothing changes`, async () => {
    const result = await step('#btn-forged', '#notify-result');
    await expect(result.getAttribute('data-kind')).resolves.toBe(expected.forged);
    await expect(result.textContent()).resolves.toMatch(
      new RegExp(`^${expected.forged} → app answered ${expected.refused} \\(.+\\) · fulfilledCount still 1$`),
    );
    await expect($(`#notifications li[data-variant="${expected.forged}"][data-answer="${expected.refused}"]`).count()).resolves.toBe(1);
    await expect(text('#order-status')).resolves.toBe('COMPLETED');
  });

  it('WeChat busy (errcode -1 ×3): the app retries, then answers 503', async () => {
    const result = await step('#btn-fault-busy', '#fault-result');
    await expect(result.getAttribute('data-status')).resolves.toBe('503');
    await expect(result.textContent()).resolves.toMatch(
      /^503 Service Unavailable: WeChat is busy; retry shortly\. · WeChat answered errcode -1 \(busy\) 3× \(the app retried 2×\)$/,
    );
    await $('#step-trouble').scrollIntoViewIfNeeded();
    await shot('06-fault');
  });

  it('WeChat rate limit (45011): 429 with the errcode', async () => {
    const result = await step('#btn-fault-limit', '#fault-result');
    await expect(result.getAttribute('data-status')).resolves.toBe('429');
    await expect(result.textContent()).resolves.toMatch(
      /^429 Too Many Requests: .*\(errcode 45011\) · WeChat answered errcode 45011 \(rate limit\) 1× \(not retried\)/,
    );
    // The signed-in user was left alone.
    await expect(text('#login-result')).resolves.toMatch(/signed in user #1/);
  });

  it('refunds: accepted, then settled by the refund notification', async () => {
    const result = await step('#btn-refund', '#refund-result');
    await expect(result.getAttribute('data-state')).resolves.toBe('ok');
    await expect(result.textContent()).resolves.toBe('refunded ¥0.01 (1 fen) back · order REFUNDED, payStatus REFUND');
    await expect(text('#order-status')).resolves.toBe('REFUNDED');
    await expect(text('[data-field="refundedFee"]')).resolves.toBe('1');
    // The order is REFUNDED once the app committed, a moment before its answer reaches the simulator: refresh until shown.
    const settled = $(`#notifications li[data-kind="refund"][data-answer="${expected.ok}"]`);
    for (let i = 0; i < 20 && (await settled.count()) === 0; i++) {
      await page.waitForTimeout(100);
      await $('#btn-notifications').click();
    }
    await expect(settled.count()).resolves.toBeGreaterThanOrEqual(1);
    expect(await $('#btn-refund').isDisabled()).toBe(true);
  });

  it('logged every HTTP exchange with method, URL, bodies and status', async () => {
    const entries = $('#log .log-entry');
    expect(await entries.count()).toBeGreaterThan(20);
    const urls = await $('#log .log-url').allTextContents();
    for (const url of [
      '/miniprogram_auth/login',
      '/miniprogram_auth/profile',
      '/miniprogram_auth/me',
      '/profile/code?page=pages/index/index',
      '/miniprogram_auth/phoneNumber',
      '/orders',
      '/orders/1/pay',
      '/orders/1/refund',
      '/sim/login',
      '/sim/pay',
      '/sim/notify',
      '/sim/faults',
      '/sim/subscribe',
      '/sim/securityVerdicts',
      '/sim/securityChecks',
      '/sim/confirmReceive',
      '/sim/pushes',
      '/sim/messages',
    ]) {
      expect(urls).toContain(url);
    }
    expect(urls).toContain(`/sim/shipping?transactionId=${await text('[data-field="transactionId"]')}`);
    // The 503 of the busy login, opened: request and response bodies.
    const failed = $('#log .log-entry[data-status="503"][data-url="/miniprogram_auth/login"]');
    expect(await failed.count()).toBe(1);
    await failed.locator('summary').click();
    const bodies = await failed.locator('pre').allTextContents();
    expect(bodies[0]).toMatch(/^POST \/miniprogram_auth\/login\n\n\{\n {2}"code": "/);
    expect(JSON.parse(bodies[1])).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'WeChat is busy; retry shortly.' });
  });

  it('looks right: screenshots of the whole flow (docs/console.png)', async () => {
    // One exchange opened in the log, as a reader would: the refund request and its answer.
    await $('#log .log-entry[data-url="/orders/1/refund"] summary').click();
    await page.evaluate(() => window.scrollTo(0, 0));
    // Still readable on a phone with every panel filled: nothing is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot('07-final', true);
    if (version !== 'v2') return; // docs/console.png shows the v2 flow
    // docs/console.png: six phone screens side by side: sign-in and profile, the subscribe dialog, order and pay, the
    // message and the shipping, what WeChat did wrong, and the pushes and messages WeChat delivered.
    const screens: string[] = [];
    for (const id of [null, 'step-subscribe', 'step-order', 'btn-confirm', 'step-trouble', 'pushes-card']) {
      await page.evaluate((target) => {
        const bar = document.querySelector('header')!.getBoundingClientRect().height;
        const top = target ? document.getElementById(target)!.getBoundingClientRect().top + window.scrollY - bar - 8 : 0;
        window.scrollTo(0, top);
      }, id);
      screens.push((await page.screenshot()).toString('base64'));
    }
    const gap = 16;
    const composer = await context.newPage();
    await composer.setViewportSize({ width: screens.length * (PHONE.width + gap) + gap, height: PHONE.height + 2 * gap });
    await composer.setContent(
      `<body style="margin:0;background:#d5d8dc;display:flex;gap:${gap}px;padding:${gap}px">${screens
        .map((b64) => `<img style="width:${PHONE.width}px;height:${PHONE.height}px;border-radius:12px" src="data:image/png;base64,${b64}">`)
        .join('')}</body>`,
    );
    const composite = await composer.screenshot({ path: join(SCREENSHOTS, 'console.png') });
    await composer.close();
    writeFileSync(DOCS_IMAGE, composite);
    expect(composite.length).toBeLessThan(1_000_000);
  });

  it('a user who rejected the template gets no message: the app skips it without asking WeChat', async () => {
    const rejected = await step('#btn-subscribe-reject', '#subscribe-result');
    await expect(rejected.getAttribute('data-answer')).resolves.toBe('reject');
    await expect(rejected.textContent()).resolves.toBe(
      'rejected subscribe_msg_popup_event pushed, the app answered success · one-time acceptances left 0',
    );
    await step('#btn-order', '#pay-result');
    await expect(text('#order-title')).resolves.toBe('Order #2 · Pickup order');
    await expect(text('#message-result')).resolves.toBe('Order-paid message: —');
    await step('#btn-pay', '#pay-result');
    await step('#btn-confirm', '#pay-result');
    const result = $('#message-result');
    await expect(result.getAttribute('data-message')).resolves.toBe('SKIPPED');
    await expect(result.textContent()).resolves.toBe(
      'Order-paid message skipped 付款成功通知: the user has no acceptance of the template: the app did not ask WeChat (not-accepted: the consent record has no acceptance)',
    );
    await expect($('#messages li[data-template]').count()).resolves.toBe(1); // still the first order's only
    // The order is shipped all the same.
    await expect($('#shipping-result').getAttribute('data-order-state')).resolves.toBe('2');
  });

  reconciliationSteps(steps);

  // Swagger UI does not depend on the pay version: once is enough.
  (version === 'v2' ? it : it.skip)('serves Swagger UI at /docs (assets local) listing the auth, pay and order endpoints', async () => {
    // Swagger UI is made for a desktop: a desktop-sized page of the same context (same off-machine guard).
    page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`docs console: ${message.text()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(`docs pageerror: ${error.message}`));
    const response = await page.goto(`${sample.appUrl}/docs`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('.opblock-summary-path', { timeout: STEP_TIMEOUT });
    const paths = await $('.opblock-summary-path').allTextContents();
    const clean = paths.map((p) => p.replace(/\u200b/g, ''));
    expect(clean).toEqual(
      expect.arrayContaining([
        '/miniprogram_auth/login',
        '/miniprogram_auth/updateUserInfo',
        '/miniprogram_auth/phoneNumber',
        '/miniprogram_auth/wechatPayCallback',
        '/miniprogram_auth/wechatRefundCallback',
        '/orders',
        '/orders/{id}/pay',
      ]),
    );
    await expect($('.btn.authorize').count()).resolves.toBe(1); // the Token security scheme
    await shot('08-docs');
    const json = (await (await page.request.get(`${sample.appUrl}/docs-json`)).json()) as { components: { securitySchemes: object } };
    expect(json.components.securitySchemes).toEqual({
      Token: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'Authorization' }),
    });
  });

  it('sent nothing off the machine and logged no page errors', () => {
    // The guard saw the requests of both pages (so it would have seen any other).
    expect([...guarded]).toEqual(
      expect.arrayContaining([
        '/',
        '/console/console.js',
        '/console/config',
        '/sim/login',
        '/orders/1/pay',
        ...(version === 'v2' ? ['/docs', '/docs/swagger-ui-bundle.js'] : []),
      ]),
    );
    expect(offMachine).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  function text(selector: string): Promise<string> {
    return $(selector)
      .first()
      .textContent()
      .then((t) => (t ?? '').trim());
  }
});
