import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HandlerDiscovery } from '../utils/handler-discovery';
import { WECHAT_PUSH_METADATA, WeChatPushRoute } from './wechat-push.decorators';
import type { WeChatPushEvent } from './wechat-push.interfaces';

type Handler = (event: WeChatPushEvent) => unknown;

/**
 * Finds the `@OnWeChatEvent()`, `@OnWeChatMessage()` and `@OnWeChatPush()` handlers at startup and picks those of a
 * push: the handlers of its event (`MsgType` `event`) or of its message type, else the catch-all ones.
 * @internal
 */
@Injectable()
export class WeChatPushRegistry implements OnModuleInit {
  private readonly logger = new Logger('MiniProgram');
  private readonly byEvent = new Map<string, Handler[]>();
  private readonly byMsgType = new Map<string, Handler[]>();
  private readonly unclaimed: Handler[] = [];

  constructor(private readonly discovery: HandlerDiscovery) {}

  onModuleInit(): void {
    this.discovery.find<WeChatPushRoute>(WECHAT_PUSH_METADATA, (route, call, name) => {
      const handler = call as Handler;
      if ('event' in route) add(this.byEvent, route.event, handler);
      else if ('msgType' in route) add(this.byMsgType, route.msgType, handler);
      else this.unclaimed.push(handler);
      this.logger.log(
        `${name} handles ${'event' in route ? `the ${route.event} event` : 'msgType' in route ? `${route.msgType} messages` : 'other pushes'}`,
      );
    });
  }

  /** The handlers of a push, in order of discovery; empty when nothing takes it. */
  handlersOf(msgType: string, event: string | undefined): readonly Handler[] {
    const own = msgType === 'event' ? this.byEvent.get(event ?? '') : this.byMsgType.get(msgType);
    return own ?? this.unclaimed;
  }
}

function add(map: Map<string, Handler[]>, key: string, handler: Handler): void {
  const list = map.get(key);
  if (list) list.push(handler);
  else map.set(key, [handler]);
}
