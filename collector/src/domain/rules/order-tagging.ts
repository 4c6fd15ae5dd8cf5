// What a custom rule does to an order besides alerting: a firing condition of a rule with `tags`
// puts those tags on the order. Decided here from the signal alone (its `tags` label, which the
// rule-set adapter sets from the rule), so the writer only stores what this returns.
import type { Signal } from './signal.ts';

/** The label the rule-set adapter writes a custom rule's tags into, comma-separated. */
export const TAGS_LABEL = 'tags';

export interface OrderTagging {
  orderId: string;
  tags: readonly string[];
  rule: string;
}

/** The tags a signal puts on its order: only when an order's condition starts to hold. */
export function orderTagging(signal: Signal): OrderTagging | undefined {
  if (signal.condition !== 'firing' || signal.entityType !== 'order') return undefined;
  const written = signal.labels[TAGS_LABEL];
  if (written === undefined || written === '') return undefined;
  const tags = [...new Set(written.split(',').filter((t) => t !== ''))];
  return tags.length === 0 ? undefined : { orderId: signal.entityId, tags, rule: signal.rule };
}
