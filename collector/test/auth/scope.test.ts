import { describe, expect, it } from 'vitest';
import {
  sameScope,
  silenceVisible,
  storeBoundVisible,
  storeFilter,
  storeVisible,
  visibleStores,
} from '../../src/auth/scope.ts';

describe('scopes', () => {
  it('an unscoped token sees everything', () => {
    expect(visibleStores(undefined)).toBeUndefined();
    expect(visibleStores({})).toBeUndefined();
    expect(storeVisible(undefined, 'S1')).toBe(true);
    expect(storeBoundVisible(undefined, null)).toBe(true);
    expect(storeFilter(undefined, undefined)).toEqual({});
    expect(storeFilter(undefined, 'S9')).toEqual({ storeId: 'S9' });
  });

  it('stores and the stores of its regions add up', () => {
    expect([...visibleStores({ stores: ['S1'], regions: ['310000'] }, ['S2', 'S1'])!].sort()).toEqual([
      'S1',
      'S2',
    ]);
    // Stores found for regions count only when the scope names regions.
    expect([...visibleStores({ stores: ['S1'] }, ['S2'])!]).toEqual(['S1']);
    // A region without stores yet: nothing, not everything.
    expect(visibleStores({ regions: ['999999'] }, [])!.size).toBe(0);
  });

  it('store-less data is visible to a scope, store-bound data of no store is not', () => {
    const visible = new Set(['S1']);
    expect(storeVisible(visible, 'S1')).toBe(true);
    expect(storeVisible(visible, 'S2')).toBe(false);
    expect(storeVisible(visible, null)).toBe(true);
    expect(storeBoundVisible(visible, null)).toBe(false);
    expect(storeBoundVisible(visible, 'S2')).toBe(false);
  });

  it('narrows list filters to the scope; another store asked for matches nothing', () => {
    const visible = new Set(['S2', 'S1']);
    expect(storeFilter(visible, undefined)).toEqual({ stores: ['S1', 'S2'] });
    expect(storeFilter(visible, 'S1')).toEqual({ storeId: 'S1' });
    expect(storeFilter(visible, 'S3')).toBeUndefined();
  });

  it('silences: only those naming one of the stores (or no store) by equality', () => {
    const visible = new Set(['S1']);
    expect(silenceVisible(visible, { rule: 'order_stalled', store_id: 'S1' })).toBe(true);
    expect(silenceVisible(visible, { store_id: { op: '=', value: 'S1' } })).toBe(true);
    expect(silenceVisible(visible, { rule: 'callback_silent', store_id: '' })).toBe(true);
    expect(silenceVisible(visible, { rule: 'order_stalled' })).toBe(false);
    expect(silenceVisible(visible, { store_id: 'S2' })).toBe(false);
    expect(silenceVisible(visible, { store_id: { op: '=~', value: 'S1|S2' } })).toBe(false);
    expect(silenceVisible(undefined, { rule: 'order_stalled' })).toBe(true);
  });

  it('compares scopes regardless of order', () => {
    expect(sameScope({ stores: ['a', 'b'] }, { stores: ['b', 'a'] })).toBe(true);
    expect(sameScope({ stores: ['a'] }, { regions: ['a'] })).toBe(false);
    expect(sameScope(undefined, undefined)).toBe(true);
  });
});
