import { describe, expect, it } from 'vitest';
import { RepeatedNumbers } from '../../../src/domain/reconciliation/repeated-numbers.ts';

const numberOf = (i: number) => `S${String(i % 327).padStart(3, '0')}-20240601-${String(i).padStart(7, '0')}`;

describe('RepeatedNumbers', () => {
  it('lists the numbers seen more than once, once each, as the table grows from a few slots', () => {
    const seen = new RepeatedNumbers(1000, { initialSlots: 4, seed: 7 });
    for (let i = 0; i < 50_000; i++) seen.see(numberOf(i));
    for (const again of [17, 49_999, 17, 0]) seen.see(numberOf(again));
    seen.see('');
    seen.see('订单-1');
    seen.see('');
    seen.see('订单-1');
    seen.see('订单-2');
    expect(seen.repeated()?.sort()).toEqual(
      [numberOf(0), numberOf(17), numberOf(49_999), '', '订单-1'].sort(),
    );
  });

  it('gives the same answer whatever its seed', () => {
    const lists = [1, 2, 0xffffffff].map((seed) => {
      const seen = new RepeatedNumbers(1000, { seed });
      for (let i = 0; i < 20_000; i++) seen.see(numberOf(i % 19_990));
      return seen.repeated()?.sort();
    });
    expect(lists[0]).toHaveLength(10);
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
  });

  it('gives up past its limit, and says so', () => {
    const seen = new RepeatedNumbers(3);
    for (const n of ['a', 'b', 'c', 'a', 'b', 'c']) seen.see(n);
    expect(seen.repeated()?.sort()).toEqual(['a', 'b', 'c']);
    seen.see('d');
    seen.see('d');
    expect(seen.repeated()).toBeUndefined();
  });
});
