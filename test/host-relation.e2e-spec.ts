import { Column, DataSource, Entity, JoinColumn, OneToOne, PrimaryGeneratedColumn } from 'typeorm';
import { MINI_PROGRAM_ENTITIES, PayOrder } from '../lib';
import { createTestDatabase, TestDatabase } from './utils/database';

/** A host entity written the way the original's README told users to: OneToOne to PayOrder. */
@Entity('host_shop_order')
class ShopOrder {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 64 }) item!: string;
  @OneToOne(() => PayOrder, { cascade: true, nullable: true })
  @JoinColumn()
  payOrder!: PayOrder | null;
}

describe('host entities linked to PayOrder', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource({ ...database.options, entities: [...MINI_PROGRAM_ENTITIES, ShopOrder] });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('saves a new PayOrder through the host entity (cascade) and loads it back with the relation', async () => {
    const repo = dataSource.getRepository(ShopOrder);
    const payOrder = Object.assign(new PayOrder(), { outTradeNo: 'cascade000001', body: 'Coffee', totalFee: 1200, openId: 'oCascade' });
    const saved = await repo.save(repo.create({ item: 'coffee', payOrder }));
    expect(saved.payOrder?.id).toEqual(expect.any(Number));
    const loaded = await repo.findOneOrFail({ where: { id: saved.id }, relations: { payOrder: true } });
    expect(loaded.payOrder).toMatchObject({
      outTradeNo: 'cascade000001',
      totalFee: 1200,
      status: 'NOTPAY',
      paid: false,
      refundedFee: 0,
      version: 1,
    });
  });

  it('allows one host order per PayOrder', async () => {
    const repo = dataSource.getRepository(ShopOrder);
    const payOrder = await dataSource
      .getRepository(PayOrder)
      .save(Object.assign(new PayOrder(), { outTradeNo: 'cascade000002', body: 'Tea', totalFee: 800, openId: 'oCascade' }));
    await repo.save(repo.create({ item: 'tea', payOrder }));
    await expect(repo.save(repo.create({ item: 'tea again', payOrder }))).rejects.toThrow();
  });
});
