import type { WeChatSimulator } from '../wechat-simulator';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The app a simulator calls back in a spec (a notification target, a push receiver). */
export interface BenchTarget {
  start(): Promise<void>;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * One simulator and the app it calls back for a spec file: both started before its tests, reset before each and
 * stopped after; `control` calls the simulator's control API over HTTP.
 */
export function simulatorBench(sim: WeChatSimulator, target: BenchTarget) {
  beforeAll(async () => {
    await sim.start();
    await target.start();
  });
  afterAll(async () => {
    await sim.stop();
    await target.stop();
  });
  beforeEach(() => {
    sim.reset();
    target.reset();
  });

  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${sim.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json };
  }

  return { control };
}

export async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
