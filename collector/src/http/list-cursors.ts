// The opaque strings the paged lists hand out: an alert group's key, and the keyset cursors of
// the pages of groups, of a group's alerts and of orders. Each is base64url JSON, so any rule or store name survives a URL; one that does not
// decode is a 400, never a 500.
import type { AlertPosition, GroupKey, GroupPosition } from '../store/alert-groups.ts';
import type { OrderPosition } from '../store/order-list.ts';
import { errors } from './errors.ts';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode(text: string, what: string): unknown[] {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value)) return value;
  } catch {
    // reported below
  }
  throw errors.invalidRequest(`"${text}" is not ${what}`);
}

export const groupKeyText = (key: GroupKey) => encode([key.rule, key.storeId]);

export function parseGroupKey(text: string): GroupKey {
  const [rule, storeId, ...rest] = decode(text, 'an alert group');
  if (typeof rule !== 'string' || !(typeof storeId === 'string' || storeId === null) || rest.length > 0) {
    throw errors.invalidRequest(`"${text}" is not an alert group`);
  }
  return { rule, storeId };
}

export const groupPositionText = (p: GroupPosition) => encode([p.severityRank, p.count, p.rule, p.storeKey]);

export function parseGroupPosition(text: string): GroupPosition {
  const [severityRank, count, rule, storeKey] = decode(text, 'a group cursor');
  if (
    !Number.isInteger(severityRank) ||
    !Number.isInteger(count) ||
    typeof rule !== 'string' ||
    typeof storeKey !== 'string'
  ) {
    throw errors.invalidRequest(`"${text}" is not a group cursor`);
  }
  return { severityRank: severityRank as number, count: count as number, rule, storeKey };
}

export const alertPositionText = (p: AlertPosition) => encode([p.startedAt, p.id]);

export function parseAlertPosition(text: string): AlertPosition {
  const [startedAt, id] = decode(text, 'an alert cursor');
  if (!Number.isSafeInteger(startedAt) || typeof id !== 'string') {
    throw errors.invalidRequest(`"${text}" is not an alert cursor`);
  }
  return { startedAt: startedAt as number, id };
}

export const orderPositionText = (p: OrderPosition) => encode([p.lastEventAt, p.orderId]);

export function parseOrderPosition(text: string): OrderPosition {
  const [lastEventAt, orderId] = decode(text, 'an order cursor');
  if (!Number.isSafeInteger(lastEventAt) || typeof orderId !== 'string') {
    throw errors.invalidRequest(`"${text}" is not an order cursor`);
  }
  return { lastEventAt: lastEventAt as number, orderId };
}
