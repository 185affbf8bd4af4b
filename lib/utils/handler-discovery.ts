import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

/**
 * Finds the methods of the app's providers that a method decorator marked with a metadata key (`@OnPayOrderPaid()`,
 * `@OnWeChatEvent()`, …), for the registries that call them.
 * @internal
 */
@Injectable()
export class HandlerDiscovery {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  /**
   * Hands each marked method to `add` with its metadata, a function that calls it on its instance, and its name for
   * logs. Only providers of the static dependency tree count: a request-scoped instance does not exist outside a
   * request.
   */
  find<M>(metadataKey: string, add: (metadata: M, call: (payload: unknown) => unknown, name: string) => void): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const metadata = this.reflector.get<M | undefined>(metadataKey, method);
        if (metadata === undefined) continue;
        add(metadata, (payload) => method.call(instance, payload), `${wrapper.name}.${name}`);
      }
    }
  }
}
