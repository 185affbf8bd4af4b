import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WeChatAccount } from '../entities/wechat-account.entity';
import { CommitHooks } from './commit-hooks';

describe('CommitHooks', () => {
  let dataSource: DataSource;
  let commitHooks: CommitHooks;

  beforeAll(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [WeChatAccount], synchronize: true });
    await dataSource.initialize();
    commitHooks = new CommitHooks(dataSource.getRepository(WeChatAccount));
    commitHooks.onModuleInit();
  });
  afterAll(async () => {
    commitHooks.onModuleDestroy();
    expect(dataSource.subscribers).not.toContain(commitHooks);
    await dataSource.destroy();
  });

  it('runs work after the outermost commit, not after a savepoint', async () => {
    const ran: string[] = [];
    await dataSource.transaction(async (manager) => {
      await commitHooks.afterCommit(manager, async () => void ran.push('outer'));
      await manager.queryRunner!.startTransaction(); // a savepoint
      await commitHooks.afterCommit(manager, async () => void ran.push('inner'));
      await manager.queryRunner!.commitTransaction();
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(['outer', 'inner']);
  });

  it('never runs work of a transaction that rolled back', async () => {
    const ran: string[] = [];
    await expect(
      dataSource.transaction(async (manager) => {
        await commitHooks.afterCommit(manager, async () => void ran.push('rolled back'));
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    await dataSource.transaction(async () => undefined); // the next transaction on the same connection
    expect(ran).toEqual([]);
  });

  it('runs work at once outside a transaction, and logs work that fails instead of throwing', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const ran: string[] = [];
    await commitHooks.afterCommit(dataSource.manager, async () => void ran.push('now'));
    expect(ran).toEqual(['now']);
    await dataSource.transaction((manager) =>
      commitHooks.afterCommit(manager, async () => {
        throw new Error('store down');
      }),
    );
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('store down'));
    warn.mockRestore();
  });
});
