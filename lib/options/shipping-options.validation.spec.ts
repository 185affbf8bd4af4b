import { MiniProgramOptionsError } from '../errors/mini-program-options.error';
import { resolveMiniProgramOptions } from './mini-program-options.validation';

const valid = {
  appId: 'wx4f4bc4dec97d474b',
  appSecret: '0123456789abcdef0123456789abcdef',
  pay: { mchId: '1900000109', apiKey: '0123456789abcdef0123456789abcdef', notifyUrl: 'https://host/mp/wechatPayCallback' },
};

function problems(raw: Record<string, unknown>): string[] {
  try {
    resolveMiniProgramOptions(raw as never);
  } catch (error) {
    expect(error).toBeInstanceOf(MiniProgramOptionsError);
    return (error as MiniProgramOptionsError).problems.map((p) => p.key);
  }
  throw new Error('expected the options to be rejected');
}

describe('shipping options', () => {
  it('fills in the defaults and keeps the functions as given', () => {
    const when = () => true;
    const itemDesc = () => 'x';
    expect(resolveMiniProgramOptions({ ...valid, shipping: { autoUpload: { logisticsType: 4, itemDesc, when } } }).shipping).toEqual({
      autoUpload: { logisticsType: 4, itemDesc, when },
      sweepIntervalMs: 30_000,
      retryDelayMs: 5_000,
      maxAttempts: 50,
    });
    expect(resolveMiniProgramOptions(valid).shipping).toBeUndefined();
  });

  it.each([
    [{ autoUpload: { logisticsType: 1 } }, 'shipping.autoUpload.logisticsType'],
    [{ autoUpload: { logisticsType: '4' } }, 'shipping.autoUpload.logisticsType'],
    [{ autoUpload: { logisticsType: 4, itemDesc: '' } }, 'shipping.autoUpload.itemDesc'],
    [{ autoUpload: { logisticsType: 4, itemDesc: 'x'.repeat(121) } }, 'shipping.autoUpload.itemDesc'],
    [{ autoUpload: { logisticsType: 4, when: true } }, 'shipping.autoUpload.when'],
    [{ autoUpload: { logisticsType: 4, everything: true } }, 'shipping.autoUpload.everything'],
    [{ autoUpload: null }, 'shipping.autoUpload'],
    [{ sweepIntervalMs: 0 }, 'shipping.sweepIntervalMs'],
    [{ retryDelayMs: 1.5 }, 'shipping.retryDelayMs'],
    [{ maxAttempts: 0 }, 'shipping.maxAttempts'],
    [{ batch: 5 }, 'shipping.batch'],
  ])('refuses %j, naming %s', (shipping, key) => {
    expect(problems({ ...valid, shipping })).toContain(key);
  });

  it('refuses an automatic upload without pay, and shipping that is not an object', () => {
    const { pay: _pay, ...withoutPay } = valid;
    expect(problems({ ...withoutPay, shipping: { autoUpload: { logisticsType: 3 } } })).toContain('shipping.autoUpload');
    expect(problems({ ...valid, shipping: 'yes' })).toContain('shipping');
  });
});
