import { resolveMiniProgramOptions } from './mini-program-options.validation';
import { optionProblems, VALID_OPTIONS } from './options.spec-kit';

const PAY = { mchId: '1900000109', apiKey: '0123456789abcdef0123456789abcdef', notifyUrl: 'https://host/mp/wechatPayCallback' };
const withReconcile = (reconcile: unknown) => ({ ...VALID_OPTIONS, pay: { ...PAY, reconcile } });

describe('pay.reconcile options', () => {
  it('fills in the defaults, absent or partly given', () => {
    const defaults = { minAgeSeconds: 300, batchSize: 100, closeExpiredUnpaid: false, leaseSeconds: 120 };
    expect(resolveMiniProgramOptions({ ...VALID_OPTIONS, pay: PAY }).pay?.reconcile).toEqual(defaults);
    expect(
      resolveMiniProgramOptions(withReconcile({ minAgeSeconds: 0, schedule: { everySeconds: 600, billAt: '10:30' } }) as never).pay
        ?.reconcile,
    ).toEqual({
      ...defaults,
      minAgeSeconds: 0,
      schedule: { everySeconds: 600, billAt: '10:30' },
    });
  });

  it('names every bad key', () => {
    expect(
      Object.keys(
        optionProblems(
          withReconcile({
            minAgeSeconds: -1,
            batchSize: 0,
            leaseSeconds: 1.5,
            closeExpiredUnpaid: 'yes',
            typo: 1,
            schedule: { everySeconds: 5, billAt: '25:00', cron: '* * * * *' },
          }),
        ),
      ).sort(),
    ).toEqual([
      'pay.reconcile.batchSize',
      'pay.reconcile.closeExpiredUnpaid',
      'pay.reconcile.leaseSeconds',
      'pay.reconcile.minAgeSeconds',
      'pay.reconcile.schedule.billAt',
      'pay.reconcile.schedule.cron',
      'pay.reconcile.schedule.everySeconds',
      'pay.reconcile.typo',
    ]);
    expect(Object.keys(optionProblems(withReconcile('often')))).toEqual(['pay.reconcile']);
    expect(Object.keys(optionProblems(withReconcile({ schedule: [] })))).toEqual(['pay.reconcile.schedule']);
  });
});
