// The order-system webhook's signature, as Stripe and GitHub sign theirs: an HMAC-SHA256 under a
// shared secret over the timestamp and the exact body bytes, so neither can be changed and an old
// request cannot be replayed outside the tolerance. Both the sender and the loopback order system
// use these two functions, so they cannot drift apart.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from the receiver's clock (either way). */
export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'bad_timestamp' | 'stale' | 'mismatch' };

export function checkWebhookSignature(request: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs: number;
  toleranceMs?: number;
}): SignatureCheck {
  const { timestamp, signature } = request;
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  if (Math.abs(request.nowMs - Number(timestamp) * 1000) > (request.toleranceMs ?? WEBHOOK_TOLERANCE_MS)) {
    return { ok: false, reason: 'stale' };
  }
  const expected = Buffer.from(webhookSignature(request.secret, timestamp, request.body));
  const given = Buffer.from(signature);
  // Constant time, so the comparison does not reveal how much of a forged signature was right.
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  return same ? { ok: true } : { ok: false, reason: 'mismatch' };
}
