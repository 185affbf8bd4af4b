import type { Provider } from '@nestjs/common';
import { MiniProgramModuleOptions, MiniProgramPayOptions, PayOrder, PayRefund, WeChatPayService } from '../../lib';
import { SIMULATOR_DEV_MERCHANT, WeChatSimulator, WeChatSimulatorOptions } from '../../lib/testing';
import { freePort, Harness, simulatorPayOptions, startHarness } from '../utils/harness';
import type { Merchant } from './pay-notifications';

/** A pay-enabled fixture host listening on loopback (the simulator delivers notifications to it), as in pay.e2e-spec. */
export interface PayHarness extends Harness {
  port: number;
  pay: WeChatPayService;
  merchant: Merchant;
}

export async function startPayHarness(
  settings: {
    simOptions?: WeChatSimulatorOptions;
    providers?: Provider[];
    pay?: Partial<MiniProgramPayOptions>;
    /** More module options beside `pay`. */
    options?: Partial<MiniProgramModuleOptions>;
  } = {},
): Promise<PayHarness> {
  const sim = new WeChatSimulator(settings.simOptions);
  await sim.start();
  try {
    const port = await freePort();
    const h = await startHarness({
      sim,
      port,
      providers: settings.providers,
      options: { ...settings.options, pay: simulatorPayOptions(sim, port, settings.pay) },
    });
    return {
      ...h,
      port,
      pay: h.app.get(WeChatPayService),
      merchant: { appId: SIMULATOR_DEV_MERCHANT.appId, mchId: SIMULATOR_DEV_MERCHANT.mchId, apiKey: SIMULATOR_DEV_MERCHANT.apiKey },
      async close() {
        await h.close();
        await sim.stop();
      },
    };
  } catch (error) {
    await sim.stop();
    throw error;
  }
}

/** Every PayOrder and PayRefund row, in id order: what "nothing changed" is checked against. */
export async function paySnapshot(h: Harness): Promise<{ orders: PayOrder[]; refunds: PayRefund[] }> {
  const orders = await h.dataSource.getRepository(PayOrder).find({ order: { id: 'ASC' } });
  const refunds = await h.dataSource.getRepository(PayRefund).find({ order: { id: 'ASC' } });
  return { orders, refunds };
}

/** Polls until `probe` gives a truthy value, and resolves it. */
export async function until<T>(probe: () => T | Promise<T>, ms = 5000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
