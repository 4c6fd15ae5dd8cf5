// What to do when Kuaidi100 stops pushing a waybill (push `status` `shutdown` or `abort`). Kuaidi100
// ends a subscription with `shutdown` once the waybill is signed for or otherwise finished, and with
// `abort` when it gives up: "3天查询无记录" (the carrier had nothing for three days), "60天无变化"
// (nothing new for sixty days), or a company code that does not fit the number, with `comNew`
// naming the company it recognised. An aborted waybill may be subscribed again no sooner than 30
// minutes later. The decision is pure: the caller gives the push, what was tried before and what
// it is able to do, and carries the decision out.

export const SUBSCRIPTION_END_STATUSES = ['shutdown', 'abort'] as const;
export type SubscriptionEndStatus = (typeof SUBSCRIPTION_END_STATUSES)[number];

export const HEALING_REASONS = [
  /** Signed for or returned to the sender: tracking is over, nothing to heal. */
  'finished',
  /** `shutdown` before the waybill was finished. */
  'ended_unfinished',
  /** `abort`, "3天查询无记录". */
  'no_record',
  /** `abort`, "60天无变化". */
  'unchanged',
  /** `abort` with `comNew`: the company code was wrong. */
  'wrong_company',
  /** `abort` for any other reason. */
  'aborted',
] as const;
export type HealingReason = (typeof HEALING_REASONS)[number];

export const HEALING_ACTIONS = ['none', 'resubscribe', 'poll'] as const;
export type HealingAction = (typeof HEALING_ACTIONS)[number];

export interface SubscriptionEnd {
  status: SubscriptionEndStatus;
  /** Kuaidi100's own words, kept verbatim as the reason given. */
  message: string;
  /** The company code the waybill is tracked under. */
  carrier: string;
  /** `comNew` of the push, when given. */
  companyNew?: string;
  /** Signed for or back with the sender (ischeck=1 or a final state). */
  finished: boolean;
}

export interface HealingPolicy {
  /** Resubscriptions per waybill over its whole life; past it, polling takes over. */
  maxResubscribes: number;
  /** Kuaidi100 refuses a resubscription sooner than this after `abort`. */
  resubscribeAfterMs: number;
  /** A subscribe account (key, salt, callback URL) is configured. */
  canResubscribe: boolean;
  /** A query account is configured, so the poller can cover the waybill. */
  canPoll: boolean;
}

export const DEFAULT_HEALING_POLICY: Omit<HealingPolicy, 'canResubscribe' | 'canPoll'> = {
  maxResubscribes: 3,
  resubscribeAfterMs: 30 * 60_000,
};

export interface HealingDecision {
  reason: HealingReason;
  action: HealingAction;
  /** For `resubscribe`: the company code to subscribe with (the corrected one after a wrong code). */
  company?: string;
  /** For `resubscribe`: not before; for `poll`: the first query. */
  at?: number;
  /** Why this action (and not a better one), in words for the shipment page and the audit log. */
  detail: string;
}

const NO_RECORD = /3\s*天.*无记录/;
const UNCHANGED = /60\s*天.*无变化/;

export function healingReason(end: SubscriptionEnd): HealingReason {
  if (end.finished) return 'finished';
  if (end.status === 'shutdown') return 'ended_unfinished';
  const corrected = end.companyNew?.trim().toLowerCase();
  if (corrected && corrected !== end.carrier.trim().toLowerCase()) return 'wrong_company';
  if (NO_RECORD.test(end.message)) return 'no_record';
  if (UNCHANGED.test(end.message)) return 'unchanged';
  return 'aborted';
}

/**
 * `resubscribesSoFar` counts the resubscriptions already made for this waybill (any reason), so a
 * waybill Kuaidi100 keeps aborting ends on polling instead of being subscribed forever.
 */
export function decideSubscriptionHealing(
  end: SubscriptionEnd,
  resubscribesSoFar: number,
  policy: HealingPolicy,
  now: number,
): HealingDecision {
  const reason = healingReason(end);
  if (reason === 'finished') return { reason, action: 'none', detail: 'tracking finished; nothing to do' };

  const poll = (why: string): HealingDecision =>
    policy.canPoll
      ? { reason, action: 'poll', at: now + pollDelay(reason, policy), detail: why }
      : { reason, action: 'none', detail: `${why}; no query account, so nothing can cover it` };

  // Kuaidi100 ended tracking on its own terms, or nothing has moved for 60 days: a new subscription
  // would only restart the same wait, so the poller keeps an eye on it at its slow pace.
  if (reason === 'ended_unfinished') return poll('Kuaidi100 ended tracking before delivery');
  if (reason === 'unchanged') return poll('no change for 60 days; a new subscription would wait the same');

  if (!policy.canResubscribe) return poll('no subscribe account configured');
  if (resubscribesSoFar >= policy.maxResubscribes) {
    return poll(`already resubscribed ${resubscribesSoFar} times`);
  }
  const company = reason === 'wrong_company' ? end.companyNew!.trim().toLowerCase() : end.carrier;
  return {
    reason,
    action: 'resubscribe',
    company,
    // A corrected company is a new subscription, not a repeat of the aborted one: no wait.
    at: reason === 'wrong_company' ? now : now + policy.resubscribeAfterMs,
    detail:
      reason === 'wrong_company'
        ? `subscribe again as ${company} (Kuaidi100 recognised the number as ${company})`
        : 'subscribe again after the 30 minutes Kuaidi100 asks for',
  };
}

/** After `abort` the waybill may not be asked about for 30 minutes either. */
function pollDelay(reason: HealingReason, policy: HealingPolicy): number {
  return reason === 'ended_unfinished' ? 0 : policy.resubscribeAfterMs;
}

/** What a failed resubscription leads to: another try later, or polling once the ceiling is reached. */
export function afterFailedResubscribe(
  attempts: number,
  policy: HealingPolicy,
  now: number,
): { action: 'resubscribe'; at: number } | { action: 'poll' | 'none'; at: number } {
  if (attempts < policy.maxResubscribes) {
    return { action: 'resubscribe', at: now + policy.resubscribeAfterMs * 2 ** (attempts - 1) };
  }
  return { action: policy.canPoll ? 'poll' : 'none', at: now };
}
