// The notification envelope and its decrypted resource (wechatpay-go core/notify/notify_request.go,
// services/payments/models.go, refund notify), mapped onto the contract's `payment.notify`.
import type { PaymentNotifyEvent } from '../../domain/events.ts';
import { parseRfc3339Instant } from '../event-time.ts';
import type { EncryptedResource } from './resource-decrypt.ts';

export interface NotificationEnvelope {
  /** Notification id: the same across WeChat's up to 15 retries, so it is the event id. */
  id: string;
  create_time: string;
  event_type: string;
  resource_type: string;
  summary?: string;
  resource: EncryptedResource;
}

export interface StoreResolution {
  /** `scene_info.device_id` → store, for merchants that put the till's id there rather than in `attach`. */
  deviceStores?: ReadonlyMap<string, string>;
}

export type MappedNotification =
  | { kind: 'event'; event: PaymentNotifyEvent }
  | { kind: 'ignored'; reason: string }
  | { kind: 'malformed'; message: string };

export const UNKNOWN_STORE = 'unknown';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
// A value with U+0000 counts as absent: PostgreSQL text cannot hold it, and a required field that
// is unusable makes the notification malformed (400) rather than failing the commit (5xx).
const text = (value: unknown, max = 128): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('\u0000')
    ? value
    : undefined;

export function parseRfc3339(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  return parseRfc3339Instant(value);
}

/** The envelope's shape, or a sentence saying what is wrong with it. */
export function parseEnvelope(body: string): NotificationEnvelope | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'body is not JSON';
  }
  if (!isObject(parsed)) return 'body is not a JSON object';
  const { id, create_time, event_type, resource_type, resource } = parsed;
  if (!text(id, 128)) return 'id missing';
  if (!text(event_type, 64)) return 'event_type missing';
  if (!isObject(resource)) return 'resource missing';
  if (typeof resource.ciphertext !== 'string' || typeof resource.nonce !== 'string') {
    return 'resource.ciphertext or resource.nonce missing';
  }
  if (typeof resource.algorithm !== 'string') return 'resource.algorithm missing';
  return {
    id: id as string,
    create_time: typeof create_time === 'string' ? create_time : '',
    event_type: event_type as string,
    resource_type: typeof resource_type === 'string' ? resource_type : '',
    resource: {
      algorithm: resource.algorithm,
      ciphertext: resource.ciphertext,
      nonce: resource.nonce,
      associated_data: typeof resource.associated_data === 'string' ? resource.associated_data : '',
      ...(typeof resource.original_type === 'string' ? { original_type: resource.original_type } : {}),
    },
  };
}

/**
 * The store a payment belongs to. WeChat has no store field of its own, so merchants carry it:
 * 1. `attach` as JSON `{"store_id": "…"}` (attach is the merchant's own data, echoed back verbatim);
 * 2. `scene_info.store_info.id` (set by merchants who pass store info at order placement);
 * 3. `scene_info.device_id` looked up in the configured device → store mapping;
 * 4. otherwise `unknown` — the order's own events still carry the store.
 */
export function resolveStoreId(resource: Json, resolution: StoreResolution): string {
  if (typeof resource.attach === 'string' && resource.attach.startsWith('{')) {
    try {
      const attach: unknown = JSON.parse(resource.attach);
      const storeId = isObject(attach) ? text(attach.store_id, 64) : undefined;
      if (storeId) return storeId;
    } catch {
      // attach is free text for many merchants; not JSON is not an error.
    }
  }
  const scene = isObject(resource.scene_info) ? resource.scene_info : undefined;
  const storeInfoId = scene && isObject(scene.store_info) ? text(scene.store_info.id, 64) : undefined;
  if (storeInfoId) return storeInfoId;
  const deviceId = scene ? text(scene.device_id, 64) : undefined;
  const mapped = deviceId ? resolution.deviceStores?.get(deviceId) : undefined;
  return mapped ?? UNKNOWN_STORE;
}

/**
 * TRANSACTION.SUCCESS → `success` (amount.total); REFUND.SUCCESS → `refund` (amount.refund).
 * REFUND.ABNORMAL and REFUND.CLOSED are acknowledged but not recorded: the money did not move back,
 * so the payment stands, and an event saying otherwise would mislead the rules.
 */
export function mapNotification(
  envelope: NotificationEnvelope,
  plaintext: string,
  resolution: StoreResolution,
): MappedNotification {
  let resource: unknown;
  try {
    resource = JSON.parse(plaintext);
  } catch {
    return { kind: 'malformed', message: 'decrypted resource is not JSON' };
  }
  if (!isObject(resource)) return { kind: 'malformed', message: 'decrypted resource is not a JSON object' };

  const isPayment = envelope.event_type === 'TRANSACTION.SUCCESS';
  const isRefund = envelope.event_type === 'REFUND.SUCCESS';
  if (!isPayment && !isRefund) return { kind: 'ignored', reason: `event_type ${envelope.event_type}` };
  if (isPayment && resource.trade_state !== undefined && resource.trade_state !== 'SUCCESS') {
    return { kind: 'ignored', reason: `trade_state ${String(resource.trade_state)}` };
  }

  const orderId = text(resource.out_trade_no, 64);
  if (!orderId) return { kind: 'malformed', message: 'out_trade_no missing' };
  const transactionId = text(resource.transaction_id, 128);
  if (!transactionId) return { kind: 'malformed', message: 'transaction_id missing' };
  const amount = isObject(resource.amount) ? resource.amount : undefined;
  const amountFen = amount ? (isPayment ? amount.total : amount.refund) : undefined;
  if (typeof amountFen !== 'number' || !Number.isSafeInteger(amountFen) || amountFen < 0) {
    return {
      kind: 'malformed',
      message: `amount.${isPayment ? 'total' : 'refund'} is not a whole number of fen`,
    };
  }
  const occurredAt = parseRfc3339(resource.success_time) ?? parseRfc3339(envelope.create_time);
  if (occurredAt === undefined)
    return { kind: 'malformed', message: 'neither success_time nor create_time is RFC 3339' };

  return {
    kind: 'event',
    event: {
      type: 'payment.notify',
      id: envelope.id,
      source: 'wechatpay',
      occurredAt,
      orderId,
      storeId: resolveStoreId(resource, resolution),
      provider: 'wechatpay',
      transactionId,
      amountFen,
      status: isPayment ? 'success' : 'refund',
    },
  };
}
