import { Brackets, EntityTarget, ObjectLiteral, Repository, WhereExpressionBuilder } from 'typeorm';

/**
 * Takes the reconcile lease of one row (`reconcile_lease_until`) by a conditional update: only when no other run holds
 * it and the row still needs reconciling (`pending`), so that across instances one run handles an item at a time and
 * an item another run finished is not taken again.
 * @internal
 */
export async function takeReconcileLease<T extends ObjectLiteral>(
  repository: Repository<T>,
  target: EntityTarget<T>,
  id: number,
  now: Date,
  until: Date,
  pending: (where: WhereExpressionBuilder) => void,
): Promise<boolean> {
  const result = await repository
    .createQueryBuilder()
    .update(target)
    .set({ reconcileLeaseUntil: until } as never)
    .where('id = :id', { id })
    .andWhere(freeLease(now))
    .andWhere(new Brackets(pending))
    .execute();
  return !!result.affected;
}

/** Gives the lease back once the item is handled. @internal */
export async function releaseReconcileLease<T extends ObjectLiteral>(
  repository: Repository<T>,
  target: EntityTarget<T>,
  id: number,
): Promise<void> {
  await repository
    .createQueryBuilder()
    .update(target)
    .set({ reconcileLeaseUntil: null } as never)
    .where('id = :id', { id })
    .execute();
}

/** No run holds the row's lease at `now`. @internal */
export function freeLease(now: Date): Brackets {
  return new Brackets((lease) =>
    lease.where('reconcile_lease_until IS NULL').orWhere('reconcile_lease_until < :leaseNow', { leaseNow: now }),
  );
}
