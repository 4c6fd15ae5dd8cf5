// The event-time and value limits, applied to events built from providers' own callbacks
// (WeChat Pay, Alipay, Kuaidi100). A provider's signature proves who sent a value, not that the value
// is usable: a signed time can still lie years ahead, and a signed text can still hold U+0000.
//
// Choice for a time ahead of the server clock: within ORDERPULSE_MAX_CLOCK_SKEW it is clamped to the
// time of receipt (the provider's clock runs fast; the payment or checkpoint is real). Further ahead,
// before 2000, or not a calendar instant, the callback is refused with 400 and kept as a dead letter:
// nothing is written, so nothing is pinned, and the provider's retries (WeChat Pay and Alipay retry
// for hours, Kuaidi100 pushes the whole history again) deliver it once its time is plausible.
import { boundEventTime, type TimeBounds } from './event-time.ts';
import { fieldWithNul } from './value-limits.ts';

export type ProviderEventRefusal = { ok: false; error: 'invalid_time' | 'invalid_event'; message: string };

/**
 * Clamps `occurredAt` of each event (in place) or says why the callback must be refused. `what`
 * names the provider's time field in the message (e.g. "success_time").
 */
export function limitProviderEvents<T extends { occurredAt: number }>(
  events: readonly T[],
  bounds: TimeBounds,
  what: string,
): { ok: true } | ProviderEventRefusal {
  for (const event of events) {
    const nul = fieldWithNul(event);
    if (nul !== undefined) return { ok: false, error: 'invalid_event', message: `${nul} contains U+0000` };
    const bounded = boundEventTime(event.occurredAt, bounds);
    if (!bounded.ok) {
      return {
        ok: false,
        error: 'invalid_time',
        message: `${what} ${timeText(event.occurredAt)} ${bounded.message}`,
      };
    }
  }
  for (const event of events) event.occurredAt = Math.min(event.occurredAt, bounds.now);
  return { ok: true };
}

const timeText = (at: number) =>
  Number.isFinite(at) && Math.abs(at) <= 8.64e15 ? new Date(at).toISOString() : String(at);
