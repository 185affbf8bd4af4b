import { KeyedQueue } from './keyed-queue';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedQueue', () => {
  it('runs the tasks of one key one after another, in order, even when one fails', async () => {
    const queue = new KeyedQueue<number>();
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run(1, async () => {
      log.push('first:start');
      await gate.promise;
      log.push('first:end');
      throw new Error('first failed');
    });
    const second = queue.run(1, async () => {
      log.push('second');
      return 2;
    });
    await Promise.resolve();
    expect(log).toEqual(['first:start']);
    gate.resolve();
    await expect(first).rejects.toThrow('first failed');
    await expect(second).resolves.toBe(2);
    expect(log).toEqual(['first:start', 'first:end', 'second']);
  });

  it('runs tasks of different keys side by side and forgets a key once its work is done', async () => {
    const queue = new KeyedQueue<string>();
    const gate = deferred();
    const started: string[] = [];
    const a = queue.run('a', async () => {
      started.push('a');
      await gate.promise;
    });
    const b = queue.run('b', async () => {
      started.push('b');
    });
    await b;
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b']);
    expect(queue.size).toBe(1);
    gate.resolve();
    await a;
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.size).toBe(0);
  });
});
