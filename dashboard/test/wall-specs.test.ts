// The wall's minute axes read in the business time zone, like its clock, whatever zone the browser is in.
import { describe, expect, it } from 'vitest';
import { minuteChartOptions } from '../src/charts/wall-specs.ts';
import { clockLabel } from '../src/charts/zone-ticks.ts';

// 2026-12-06 04:10 UTC: 12:10 in Shanghai, 23:10 the day before in New York.
const AT = Date.UTC(2026, 11, 6, 4, 10);

describe('wall minute axes', () => {
  it('label a tick with the business zone clock time', () => {
    expect(clockLabel('Asia/Shanghai')(AT)).toBe('12:10');
    expect(clockLabel('America/New_York')(AT)).toBe('23:10');
  });

  it('put that label on the x axis of the options the wall uses', () => {
    const x = minuteChartOptions(14, false, 'Asia/Shanghai')?.scales?.x as {
      ticks: { callback: (value: number) => string };
    };
    expect(x.ticks.callback(AT)).toBe('12:10');
  });
});
