import type { WeChatPushMessage } from './wechat-push.interfaces';

/**
 * Fields WeChat sends as numbers in JSON, which XML can only carry as text: read back as numbers from XML, so that a
 * handler sees the same message in either format.
 */
const NUMERIC_FIELDS = new Set([
  'CreateTime',
  'pay_time',
  'shipped_time',
  'estimated_settlement_time',
  'confirm_receive_method',
  'confirm_receive_time',
  'settlement_time',
  'version',
  'errcode',
  'label',
  'prob',
  'PopupScene',
  'ErrorCode',
]);

/** Fields that are lists: an array in either format, though XML repeats the element and JSON may give one object. */
const LIST_FIELDS = new Set(['List', 'detail']);

/** The subscribe-message events, whose `List` XML wraps in an element named after the event (and older JSON did too). */
const SUBSCRIBE_WRAPPERS: Readonly<Record<string, string>> = {
  subscribe_msg_popup_event: 'SubscribeMsgPopupEvent',
  subscribe_msg_change_event: 'SubscribeMsgChangeEvent',
  subscribe_msg_sent_event: 'SubscribeMsgSentEvent',
};

/** The text of a JSON `MsgId` number, read from the body: as a number it would lose its last digits (it is 64 bits). */
const JSON_MSG_ID = /"MsgId"\s*:\s*(\d{1,20})\s*[,}]/;

/** What a MsgId may be: digits, or the ids of cloud pushes (`49d72d…_1555684067`). */
const MSG_ID = /^[0-9A-Za-z_-]{1,128}$/;

/**
 * A parsed push as handlers see it (see {@link WeChatPushMessage}), or `undefined` when it lacks the fields every push
 * has.
 * @internal
 */
export function normalisePushMessage(fields: Record<string, unknown>, text: string): WeChatPushMessage | undefined {
  const message = normalise(fields) as Record<string, unknown>;
  const { ToUserName, FromUserName, CreateTime, MsgType, Event } = message;
  if (typeof ToUserName !== 'string' || typeof FromUserName !== 'string' || typeof MsgType !== 'string' || MsgType === '') return undefined;
  if (typeof CreateTime !== 'number' || !Number.isSafeInteger(CreateTime) || CreateTime < 0) return undefined;
  if (Event !== undefined && typeof Event !== 'string') return undefined;
  if ('MsgId' in message) {
    const { MsgId } = message;
    const id =
      typeof MsgId === 'number' ? (JSON_MSG_ID.exec(text)?.[1] ?? (Number.isSafeInteger(MsgId) ? String(MsgId) : undefined)) : MsgId;
    if (typeof id !== 'string' || !MSG_ID.test(id)) return undefined;
    message.MsgId = id;
  }
  const wrapper = Event === undefined ? undefined : SUBSCRIBE_WRAPPERS[Event];
  if (wrapper && message.List === undefined && wrapper in message) {
    // `<SubscribeMsgPopupEvent><List>…</List></SubscribeMsgPopupEvent>`, or the older JSON `"SubscribeMsgPopupEvent": [...]`.
    const wrapped = message[wrapper] as Record<string, unknown> | unknown[];
    const list = Array.isArray(wrapped) ? wrapped : wrapped && typeof wrapped === 'object' ? wrapped.List : undefined;
    message.List = list === undefined ? [] : Array.isArray(list) ? list : [list];
    delete message[wrapper];
  }
  return message as WeChatPushMessage;
}

function normalise(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => normalise(item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(value)) {
      const normalised = normalise(field, name);
      Object.defineProperty(out, name, {
        value: LIST_FIELDS.has(name) && !Array.isArray(normalised) ? (normalised === '' ? [] : [normalised]) : normalised,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (typeof value === 'string' && key !== undefined && NUMERIC_FIELDS.has(key) && /^-?\d{1,15}$/.test(value)) return Number(value);
  return value;
}
