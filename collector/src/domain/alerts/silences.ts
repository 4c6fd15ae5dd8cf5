// Silences with Alertmanager semantics: a silence mutes the alerts ALL of its matchers match,
// between startsAt (inclusive) and endsAt (exclusive). A missing label reads as the empty string;
// regular expressions are anchored at both ends. A silenced alert stays visible; it is only not
// notified.
import type { Alert } from './alert.ts';
import { allMatch, LABEL_NAME, type Matcher, type MatchOperator, matcherRegex } from './matchers.ts';

// store/silences.ts (outside this clean-up) still reads the matcher types from here.
export type { Matcher, MatchOperator } from './matchers.ts';

export interface Silence {
  id: string;
  matchers: readonly Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** The labels matchers (silences, routes) see: the alert's labels plus its identity. */
export function alertLabels(
  alert: Pick<Alert, 'rule' | 'severity' | 'storeId' | 'entityType' | 'entityId' | 'labels'>,
) {
  const labels: Record<string, string> = {
    ...alert.labels,
    rule: alert.rule,
    severity: alert.severity,
    entity_type: alert.entityType,
    entity_id: alert.entityId,
  };
  if (alert.storeId !== null) labels.store_id = alert.storeId;
  return labels;
}

export function isSilenceActive(silence: Silence, now: number): boolean {
  return silence.startsAt <= now && now < silence.endsAt;
}

/** Ids of the active silences that mute this alert. */
export function silencedBy(alert: Alert, silences: readonly Silence[], now: number): string[] {
  const labels = alertLabels(alert);
  return silences.filter((s) => isSilenceActive(s, now) && allMatch(s.matchers, labels)).map((s) => s.id);
}

export function isSilenced(alert: Alert, silences: readonly Silence[], now: number): boolean {
  return silencedBy(alert, silences, now).length > 0;
}

/**
 * The contract's object form, `{"rule": "order_stalled", "store_id": "S1"}`: equality matchers.
 * A value may also be `{"op": "=~", "value": "S0[1-3]"}` for the other operators.
 */
export function matchersFromObject(
  object: Readonly<Record<string, string | { op: MatchOperator; value: string }>>,
): Matcher[] {
  return Object.entries(object).map(([name, v]) =>
    typeof v === 'string'
      ? { name, operator: '=' as const, value: v }
      : { name, operator: v.op, value: v.value },
  );
}

/**
 * Why a silence may not be created, or undefined if it may: Alertmanager refuses silences whose
 * matchers all match the empty string (they would mute everything), invalid regexes, and an end
 * not after the start.
 */
export function silenceProblem(
  silence: Pick<Silence, 'matchers' | 'startsAt' | 'endsAt'>,
): string | undefined {
  if (silence.matchers.length === 0) return 'a silence needs at least one matcher';
  for (const m of silence.matchers) {
    if (!LABEL_NAME.test(m.name)) return `invalid label name "${m.name}"`;
    if (m.operator === '=~' || m.operator === '!~') {
      try {
        matcherRegex(m);
      } catch (error) {
        return `invalid regular expression in ${m.name}${m.operator}${JSON.stringify(m.value)}: ${(error as Error).message}`;
      }
    }
  }
  if (allMatch(silence.matchers, {})) {
    return 'at least one matcher must not match the empty string (the silence would mute every alert)';
  }
  if (!(silence.endsAt > silence.startsAt)) return 'ends_at must be after starts_at';
  return undefined;
}
