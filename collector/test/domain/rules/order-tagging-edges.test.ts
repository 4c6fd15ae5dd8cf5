// The tags a custom rule's firing signal puts on its order, when the written list has empty items.
import { expect, it } from 'vitest';
import { orderTagging, TAGS_LABEL } from '../../../src/domain/rules/order-tagging.ts';
import type { Signal } from '../../../src/domain/rules/signal.ts';

const firing = (tags: string): Signal => ({
  rule: 'vip',
  entityType: 'order',
  entityId: 'O-7',
  storeId: 'S1',
  condition: 'firing',
  severity: 'info',
  at: 1_000,
  summary: { zh: 'x', en: 'x' },
  labels: { [TAGS_LABEL]: tags },
});

it('reads the tags from the `tags` label', () => {
  expect(TAGS_LABEL).toBe('tags');
});

it('skips empty items between commas, keeping the order written', () => {
  expect(orderTagging(firing(',vip,,rush,'))).toEqual({ orderId: 'O-7', tags: ['vip', 'rush'], rule: 'vip' });
});

it('tags nothing when every item is empty', () => {
  expect(orderTagging(firing(',,'))).toBeUndefined();
});
