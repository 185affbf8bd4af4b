import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSampleApp } from '../../sample-app/src/bootstrap';
import type { SampleApp } from '../../sample-app/src/bootstrap';
import { loadConfig } from '../../sample-app/src/config';
import { sampleAppEnv, testPlatform } from '../utils/platform';

/** The server side of the console (the page itself is driven in Chromium by `npm run test:browser`). */
describe('sample app console: server side', () => {
  describe('in simulator mode', () => {
    let sample: SampleApp;
    beforeAll(async () => {
      sample = await startSampleApp(loadConfig(sampleAppEnv()), false);
    });
    afterAll(() => sample.close());

    it('serves the page at / with a same-origin-only CSP, and its files under /console/', async () => {
      const page = await fetch(`${sample.appUrl}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      const html = await page.text();
      expect(html).toContain('<script src="/console/console.js" defer></script>');
      // The money steps register before console.js starts (deferred scripts run in document order).
      expect(html.indexOf('/console/console-money.js')).toBeGreaterThan(0);
      expect(html.indexOf('/console/console-money.js')).toBeLessThan(html.indexOf('/console/console.js'));
      expect(html).not.toMatch(/https?:\/\//); // nothing external
      for (const file of ['console.js', 'console-money.js', 'console.css', 'md5.js']) {
        const res = await fetch(`${sample.appUrl}/console/${file}`);
        expect(res.status).toBe(200);
        expect(await res.text()).not.toMatch(/\bhttps?:\/\/(?!localhost|127\.0\.0\.1)[a-z]/i);
      }
    });

    it('tells the page where the simulator is, and which template the order-paid message uses', async () => {
      const res = await fetch(`${sample.appUrl}/console/config`);
      const orderPaid = sample.simulator!.subscribeTemplates().find((template) => template.title === '付款成功通知');
      expect(await res.json()).toEqual({
        mode: 'simulator',
        appId: 'wxdevsimulator0001',
        simulatorUrl: sample.wechatUrl,
        simulatorProxy: '/sim',
        docs: '/docs',
        payApiVersion: 'v2',
        orderPaidTemplateId: orderPaid!.templateId,
      });
    });

    it('forwards /sim/<name> to the simulator control API, with method, query and JSON body', async () => {
      const login = await fetch(`${sample.appUrl}/sim/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ openId: 'oConsoleProxyUser0001' }),
      });
      expect(login.status).toBe(200);
      expect(await login.json()).toMatchObject({ openId: 'oConsoleProxyUser0001', appId: 'wxdevsimulator0001', code: expect.any(String) });

      const unknownOrder = await fetch(`${sample.appUrl}/sim/order?outTradeNo=nosuchorder`);
      expect(unknownOrder.status).toBe(404);
      expect(await unknownOrder.json()).toEqual({ error: 'unknown order' });

      const empty = await fetch(`${sample.appUrl}/sim/login`, { method: 'POST' });
      expect(empty.status).toBe(200);
      expect((await fetch(`${sample.appUrl}/sim/faults`, { method: 'DELETE' })).status).toBe(200);

      // The control calls of the consent dialog, the shipping side and the push and message panels.
      const templates = await fetch(`${sample.appUrl}/sim/subscribeTemplates?appId=wxdevsimulator0001`);
      expect(templates.status).toBe(200);
      const [oneTime] = ((await templates.json()) as { templates: Array<{ templateId: string }> }).templates;
      const subscribed = await fetch(`${sample.appUrl}/sim/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ openId: 'oConsoleProxyUser0001', templateIds: [oneTime.templateId], accept: false }),
      });
      expect(subscribed.status).toBe(200);
      expect(await subscribed.json()).toMatchObject({ answers: { [oneTime.templateId]: 'reject' }, pushes: [{ acknowledged: true }] });
      expect(await (await fetch(`${sample.appUrl}/sim/pushes`)).json()).toMatchObject({
        pushes: [{ message: { Event: 'subscribe_msg_popup_event' }, acknowledged: true }],
      });
      expect(await (await fetch(`${sample.appUrl}/sim/messages?openId=oConsoleProxyUser0001`)).json()).toEqual({ messages: [] });
      expect((await fetch(`${sample.appUrl}/sim/shipping?transactionId=4200000000000000000000000000`)).status).toBe(404);
      const receipt = await fetch(`${sample.appUrl}/sim/confirmReceive`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ transactionId: '4200000000000000000000000000' }),
      });
      expect(receipt.status).toBe(404);
    });

    it('runs the reconciler at POST /console/reconcile: pending items asked for, then the bill of today (API v2)', async () => {
      const res = await fetch(`${sample.appUrl}/console/reconcile`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const report = (await res.json()) as Record<string, Record<string, unknown>>;
      expect(report.pending).toMatchObject({ orders: { failed: 0 }, refunds: { failed: 0 }, transfers: { checked: 0 }, failures: [] });
      expect(report.bill).toMatchObject({ billDate: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), apiVersion: 'v2', mismatches: [] });
      expect((await fetch(`${sample.appUrl}/console/reconcile`)).status).toBe(404); // POST only
    });

    it('forwards nothing but one-word control calls with GET, POST or DELETE', async () => {
      expect((await fetch(`${sample.appUrl}/sim/..%2Fsns%2Fjscode2session`)).status).toBe(404);
      expect((await fetch(`${sample.appUrl}/sim/login/extra`)).status).toBe(404);
      expect((await fetch(`${sample.appUrl}/sim/health`, { method: 'PUT' })).status).toBe(405);
    });

    it('serves the OpenAPI document at /docs-json and Swagger UI at /docs, without the console routes', async () => {
      const doc = (await (await fetch(`${sample.appUrl}/docs-json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/miniprogram_auth/login',
          '/miniprogram_auth/wechatPayCallback',
          '/orders',
          '/orders/{id}/pay',
          '/orders/{id}/cashback',
          '/orders/{id}/split',
        ]),
      );
      expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/sim') || p.startsWith('/console'))).toEqual([]);
      const ui = await fetch(`${sample.appUrl}/docs`);
      expect(ui.status).toBe(200);
      const html = await ui.text();
      expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/); // the UI's assets are local
      const bundle = await fetch(`${sample.appUrl}/docs/swagger-ui-bundle.js`);
      expect(bundle.status).toBe(200);
      expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000); // read it all: an unread body holds the connection
    });
  });

  describe('in simulator mode with WeChat Pay API v3', () => {
    let sample: SampleApp;
    beforeAll(async () => {
      sample = await startSampleApp(loadConfig(sampleAppEnv({ WECHAT_PAY_API_VERSION: 'v3' })), false);
    });
    afterAll(() => sample.close());

    it('tells the page that the orders go through v3, and gives it the public key that checks the RSA paySign', async () => {
      expect(await (await fetch(`${sample.appUrl}/console/config`)).json()).toMatchObject({ payApiVersion: 'v3' });
      const text = await (await fetch(`${sample.appUrl}/sim/merchants`)).text();
      const { merchants } = JSON.parse(text) as { merchants: { mchId: string; v3PublicKey?: string }[] };
      expect(merchants[0]).toMatchObject({ mchId: '1900000109', v3PublicKey: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----\n/) });
      expect(text).not.toMatch(/PRIVATE KEY/);
    });

    it('runs the reconciler over API v3 at POST /console/reconcile, the transfers included', async () => {
      const res = await fetch(`${sample.appUrl}/console/reconcile`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        pending: { transfers: { checked: 0, failed: 0 } },
        bill: { apiVersion: 'v3', mismatches: [] },
      });
    });
  });

  describe('in real-WeChat mode', () => {
    let sample: SampleApp;
    beforeAll(async () => {
      const env = {
        HTTP_PLATFORM: testPlatform(),
        PORT: '0',
        WECHAT_APP_ID: 'wx1234567890abcdef',
        WECHAT_APP_SECRET: '0123456789abcdef0123456789abcdef',
      };
      sample = await startSampleApp(loadConfig(env), false);
    });
    afterAll(() => sample.close());

    it('explains at / that the console needs the simulator, and serves neither its files nor the proxy', async () => {
      const page = await fetch(`${sample.appUrl}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('only runs in\nsimulator mode');
      expect((await fetch(`${sample.appUrl}/console/console.js`)).status).toBe(404);
      expect((await fetch(`${sample.appUrl}/sim/login`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${sample.appUrl}/console/reconcile`, { method: 'POST' })).status).toBe(404);
      expect(await (await fetch(`${sample.appUrl}/console/config`)).json()).toMatchObject({
        mode: 'wechat',
        simulatorUrl: null,
        simulatorProxy: null,
      });
    });
  });
});

/**
 * A checkout anywhere: a copy of the sample app under a directory whose name starts with a dot (as in `~/.cache/…`
 * or `~/.local/src/…`) serves its console and Swagger UI like any other. Inside the repository, so that the copy
 * finds the same node_modules.
 */
describe('sample app console: from a checkout under a dot-directory', () => {
  const root = join(__dirname, '..', '..');
  const hidden = join(root, `.dot-checkout-${process.pid}-${Date.now()}`);
  let sample: SampleApp;
  beforeAll(async () => {
    const copy = join(hidden, '.hidden', 'sample-app');
    cpSync(join(root, 'sample-app', 'src'), join(copy, 'src'), { recursive: true });
    cpSync(join(root, 'sample-app', 'public'), join(copy, 'public'), { recursive: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the copy, loaded by path
    const copied = require(join(copy, 'src', 'bootstrap.ts')) as typeof import('../../sample-app/src/bootstrap');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadConfig: copiedConfig } = require(join(copy, 'src', 'config.ts')) as typeof import('../../sample-app/src/config');
    sample = await copied.startSampleApp(copiedConfig(sampleAppEnv()), false);
  });
  afterAll(async () => {
    await sample?.close();
    rmSync(hidden, { recursive: true, force: true });
  });

  it('serves the page, its files and Swagger UI from the copy', async () => {
    const page = await fetch(`${sample.appUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/console/console.js" defer></script>');
    for (const file of ['console.js', 'console-money.js', 'console.css', 'md5.js']) {
      const res = await fetch(`${sample.appUrl}/console/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect((await res.text()).length).toBeGreaterThan(100);
    }
    expect((await fetch(`${sample.appUrl}/console/nosuchfile.js`)).status).toBe(404);
    expect((await fetch(`${sample.appUrl}/console/..%2Fsrc%2Fmain.ts`)).status).toBe(404);
    const ui = await fetch(`${sample.appUrl}/docs`);
    expect(ui.status).toBe(200);
    await ui.text();
  });
});
