import { randomBytes } from 'node:crypto';
import type { DeliveryInput } from '../pay/pay-notifier';
import type { SimNotification } from '../pay/pay.interfaces';
import type { V3NotificationRecord } from '../pay/pay-state';
import { SimulatorInputError } from '../server/simulator-http';
import type { PayV3State } from './pay-v3-state';

/** Where a v3 notification goes, and what the notification report says it is about. @internal */
export type V3DeliveryTarget = Omit<DeliveryInput, 'variant' | 'body' | 'v3' | 'retry'>;

/** The variants a final transfer or split notification can be sent again as. @internal */
export type V3ResendVariant = 'duplicate' | 'replay' | 'forged-signature';

/** Notifications carry `Wechatpay-Signature-Type` besides the signature headers, as WeChat's. @internal */
export function notificationHeaders(signed: Record<string, string>): Record<string, string> {
  return { ...signed, 'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048' };
}

/** A notification body signed now, with its headers, as the record a later resend starts from. @internal */
export function signedRecord(v3: PayV3State, body: string, plain: Record<string, unknown>): V3NotificationRecord {
  return { body, plain, headers: notificationHeaders(v3.signedHeaders(body)) };
}

/**
 * Delivers a genuine notification, retried on WeChat's schedule until acknowledged: the first attempt carries the
 * recorded headers, retries are signed afresh. @internal
 */
export function deliverGenuine(v3: PayV3State, record: V3NotificationRecord, target: V3DeliveryTarget): Promise<SimNotification> {
  let first = true;
  return v3.pay.notifier.deliver({
    ...target,
    variant: 'genuine',
    body: record.body,
    retry: true,
    v3: {
      headers: () => {
        if (!first) return notificationHeaders(v3.signedHeaders(record.body));
        first = false;
        return record.headers;
      },
    },
  });
}

/** The `kind` and `copies` of a control call that sends a notification again. @internal */
export function resendInput(raw: Record<string, unknown>): { kind: V3ResendVariant; copies: number } {
  const kind = raw.kind;
  if (kind !== 'duplicate' && kind !== 'replay' && kind !== 'forged-signature') {
    throw new SimulatorInputError("kind must be 'duplicate', 'replay' or 'forged-signature'");
  }
  const copies = raw.copies ?? 1;
  if (typeof copies !== 'number' || !Number.isInteger(copies) || copies < 1 || copies > 100) {
    throw new SimulatorInputError('copies must be an integer from 1 to 100');
  }
  return { kind, copies };
}

/**
 * Sends `copies` of a genuine notification again, at once and without retries: signed afresh (`duplicate`), with its
 * recorded headers (`replay`) or with a signature of random bytes (`forged-signature`). @internal
 */
export function resend(
  v3: PayV3State,
  genuine: V3NotificationRecord,
  { kind, copies }: { kind: V3ResendVariant; copies: number },
  target: V3DeliveryTarget,
): Promise<SimNotification[]> {
  const headers =
    kind === 'replay'
      ? () => genuine.headers
      : kind === 'duplicate'
        ? () => notificationHeaders(v3.signedHeaders(genuine.body))
        : () => notificationHeaders({ ...v3.signedHeaders(genuine.body), 'wechatpay-signature': randomBytes(256).toString('base64') });
  return Promise.all(
    Array.from({ length: copies }, () =>
      v3.pay.notifier.deliver({ ...target, variant: kind, body: genuine.body, retry: false, v3: { headers } }),
    ),
  );
}
