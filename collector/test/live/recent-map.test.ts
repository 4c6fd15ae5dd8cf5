import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../src/live/recent-map.ts';

const filled = (capacity: number, keys: number) => {
  const map = new RecentMap<string, number>(capacity);
  for (let k = 0; k < keys; k++) map.set(`k${k}`, k);
  return map;
};

describe('RecentMap', () => {
  it('keeps every key while under capacity', () => {
    const map = filled(10, 9);
    expect(map.size).toBe(9);
    for (let k = 0; k < 9; k++) expect(map.get(`k${k}`)).toBe(k);
  });

  it('never holds more than its capacity, however many keys are added', () => {
    const map = new RecentMap<string, number>(10);
    for (let k = 0; k < 1_000; k++) {
      map.set(`k${k}`, k);
      expect(map.size).toBeLessThanOrEqual(10);
    }
    expect(map.size).toBeGreaterThanOrEqual(5);
  });

  it('forgets the oldest keys first and keeps the newest', () => {
    const map = filled(10, 23);
    const kept = Array.from({ length: 23 }, (_, k) => k).filter((k) => map.has(`k${k}`));
    // Whatever is kept is a run of the most recent keys, ending with the last one added.
    expect(kept.at(-1)).toBe(22);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 23 - kept.length + i));
    expect(kept.length).toBeGreaterThanOrEqual(5);
    expect(map.get('k0')).toBeUndefined();
  });

  it('setting a key again makes it recent, without counting it twice', () => {
    const map = new RecentMap<string, number>(4);
    map.set('a', 1);
    map.set('b', 2); // generation turns over: a and b are now the older half
    map.set('a', 3); // a moves to the newer half
    expect(map.size).toBe(2);
    map.set('c', 4); // turns over again: b is dropped, a and c are kept
    map.set('d', 5);
    expect(map.has('b')).toBe(false);
    expect(map.get('a')).toBe(3);
    expect([...map.values()].sort()).toEqual([3, 4, 5]);
  });

  it('deletes from either half', () => {
    const map = new RecentMap<string, number>(4);
    map.set('old', 1);
    map.set('older-half', 2);
    map.set('new', 3);
    expect(map.delete('old')).toBe(true);
    expect(map.delete('new')).toBe(true);
    expect(map.delete('never')).toBe(false);
    expect([...map.values()]).toEqual([2]);
    expect(map.size).toBe(1);
  });

  it('refuses a capacity that cannot hold two halves', () => {
    expect(() => new RecentMap(1)).toThrow(RangeError);
    expect(() => new RecentMap(2.5)).toThrow(RangeError);
  });
});
