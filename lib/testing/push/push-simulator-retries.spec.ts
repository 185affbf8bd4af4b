import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WeChatSimulator } from '../index';
import { DEV_PUSH, PushReceiver, pushBench, sleep, waitFor } from './push-simulator.spec-kit';

const MESSAGE = { MsgType: 'text', Content: 'retry me', MsgId: 1 };

describe('WeChatSimulator (message push): retries', () => {
  const { sim, receiver, configure, control } = pushBench();

  it('retries until the app answers HTTP 200 with success, resending the same signed request', async () => {
    configure({ encodingAesKey: DEV_PUSH.encodingAesKey });
    receiver.answers.push({ status: 500, body: 'busy' }, { status: 200, body: 'fail' }, { status: 201, body: 'success' });
    const [first] = await sim.push({ openId: 'oRetry', message: MESSAGE });
    expect(first).toMatchObject({ acknowledged: false, done: false, attempts: [{ status: 500, body: 'busy' }] });
    await waitFor(() => sim.pushes[0].done);
    const [push] = sim.pushes;
    expect(push.attempts.map(({ status, body }) => ({ status, body }))).toEqual([
      { status: 500, body: 'busy' },
      { status: 200, body: 'fail' },
      { status: 201, body: 'success' },
      { status: 200, body: 'success' },
    ]);
    expect(push.acknowledged).toBe(true);
    expect(receiver.received).toHaveLength(4);
    for (const request of receiver.received) {
      expect(request.search).toBe(receiver.received[0].search);
      expect(request.body).toBe(receiver.received[0].body);
    }
  });

  it('takes an empty answer as received, as WeChat does', async () => {
    configure();
    receiver.fallback = () => ({ status: 200, body: '' });
    const [push] = await sim.push({ openId: 'oEmpty', message: MESSAGE });
    expect(push).toMatchObject({ acknowledged: true, done: true, attempts: [{ status: 200, body: '' }] });
  });

  it('gives up after WeChat\'s three retries (four attempts), and "success " or "SUCCESS" is no acknowledgement', async () => {
    configure();
    receiver.fallback = () => ({ status: 200, body: 'SUCCESS' });
    receiver.answers.push({ status: 200, body: 'success ' });
    await sim.push({ openId: 'oNever', message: MESSAGE });
    await waitFor(() => sim.pushes[0].done);
    await sleep(50);
    expect(receiver.received).toHaveLength(4);
    expect(sim.pushes[0]).toMatchObject({ acknowledged: false, done: true });
    expect(sim.pushes[0].attempts).toHaveLength(4);
  });

  it('records refused connections and retries them', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    configure({ url: `http://127.0.0.1:${port}/gone` });
    const [push] = await sim.push({ openId: 'oGone', message: MESSAGE });
    expect(push.attempts).toEqual([{ at: expect.any(Number), status: 0, body: '', error: expect.stringMatching(/ECONNREFUSED/) }]);
    await waitFor(() => sim.pushes[0].done);
    expect(sim.pushes[0].attempts).toHaveLength(4);
  });

  it('sends a duplicate as the very same signed request after the genuine one, each retried', async () => {
    configure({ encodingAesKey: DEV_PUSH.encodingAesKey, format: 'xml' });
    receiver.answers.push({ status: 200, body: 'success' }, { status: 503, body: '' }, { status: 503, body: '' });
    const pushes = await sim.push({ openId: 'oDup', message: MESSAGE, kind: 'duplicate', copies: 2 });
    expect(pushes.map((p) => p.kind)).toEqual(['genuine', 'duplicate', 'duplicate']);
    expect(pushes[0]).toMatchObject({ acknowledged: true, attempts: [{ status: 200 }] });
    await waitFor(() => sim.pushes.every((p) => p.done));
    expect(sim.pushes.map((p) => [p.acknowledged, p.attempts.length])).toEqual([
      [true, 1],
      [true, 2],
      [true, 2],
    ]);
    expect(receiver.received).toHaveLength(5);
    expect(new Set(receiver.received.map((r) => `${r.search} ${r.body}`)).size).toBe(1);
    expect(sim.pushes.map((p) => p.message)).toEqual([pushes[0].message, pushes[0].message, pushes[0].message]);
  });

  it('sends copies of a genuine push at once', async () => {
    configure();
    const pushes = await sim.push({ openId: 'oCopies', message: MESSAGE, copies: 3 });
    expect(pushes.map((p) => [p.kind, p.acknowledged])).toEqual([
      ['genuine', true],
      ['genuine', true],
      ['genuine', true],
    ]);
    expect(new Set(pushes.map((p) => p.id)).size).toBe(3);
  });

  it('cancels pending retries on reset (control API), forgetting the reports but keeping the configuration', async () => {
    configure();
    receiver.fallback = () => ({ status: 500, body: '' });
    // A scale of 0.001 spaces the retries 5 ms apart: reset at once, with retries pending.
    await sim.push({ openId: 'oReset', message: MESSAGE });
    expect(await control('POST', '/__sim/reset')).toMatchObject({ status: 200 });
    expect(sim.pushes).toEqual([]);
    const seen = receiver.received.length;
    await sleep(40);
    expect(receiver.received).toHaveLength(seen);
    expect(sim.pushConfigs).toHaveLength(1);
  });
});

describe('WeChatSimulator (message push): schedule and stop', () => {
  const receiver = new PushReceiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());
  beforeEach(() => receiver.reset());

  it('spaces the retries 5 s apart, scaled by timeScale', async () => {
    const sim = new WeChatSimulator({ timeScale: 0.02, push: { url: receiver.url(), token: DEV_PUSH.token } });
    await sim.start();
    try {
      receiver.fallback = () => ({ status: 500, body: '' });
      await sim.push({ openId: 'oSlow', message: MESSAGE });
      await waitFor(() => sim.pushes[0].done);
      const at = receiver.received.map((r) => r.at);
      expect(at).toHaveLength(4);
      for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(95);
      expect(at[3] - at[0]).toBeLessThan(1500);
    } finally {
      await sim.stop();
    }
  });

  it('cancels pending retries on stop(), marking the reports done', async () => {
    const sim = new WeChatSimulator({ timeScale: 1, push: { url: receiver.url(), token: DEV_PUSH.token } });
    await sim.start();
    receiver.fallback = () => ({ status: 500, body: '' });
    await sim.push({ openId: 'oStop', message: MESSAGE });
    expect(sim.pushes[0].done).toBe(false);
    await sim.stop();
    expect(sim.pushes).toEqual([
      expect.objectContaining({ done: true, acknowledged: false, attempts: [expect.objectContaining({ status: 500 })] }),
    ]);
    sim.reset();
    expect(sim.pushes).toEqual([]);
    expect(receiver.received).toHaveLength(1);
  });
});
