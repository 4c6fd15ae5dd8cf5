import { render } from '@testing-library/svelte';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChartSpec } from '../src/charts/chart-action.ts';
import { Chart } from '../src/charts/chart-setup.ts';
import ChartCanvas from '../src/components/ChartCanvas.svelte';
import { installCanvas2d } from './support/canvas-2d.ts';

beforeAll(installCanvas2d);

const T0 = Date.parse('2026-11-11T10:00:00Z');

// responsive: false because jsdom has no ResizeObserver; the wall runs responsive in the browser.
function spec(points: Record<string, number[]>): ChartSpec {
  return {
    type: 'line',
    data: {
      datasets: Object.entries(points).map(([label, ys]) => ({
        label,
        data: ys.map((y, i) => ({ x: T0 + i * 60_000, y })),
      })),
    },
    options: {
      animation: false,
      responsive: false,
      scales: { x: { type: 'time' }, y: { beginAtZero: true } },
    },
  };
}

describe('chart action', () => {
  it('creates one chart.js instance with a time axis (date-fns adapter)', () => {
    const { getByTestId, unmount } = render(ChartCanvas, {
      spec: spec({ wechatpay: [1, 2, 3] }),
      testid: 'c',
    });
    const chart = Chart.getChart(getByTestId('c') as HTMLCanvasElement)!;
    expect(chart).toBeDefined();
    expect(chart.scales.x!.type).toBe('time');
    expect(chart.scales.x!.min).toBe(T0);
    expect(chart.scales.x!.max).toBe(T0 + 2 * 60_000);
    unmount();
  });

  it('updates the same chart and the same dataset objects in place on new data', async () => {
    const { getByTestId, rerender, unmount } = render(ChartCanvas, {
      spec: spec({ wechatpay: [1, 2, 3], alipay: [0, 1, 0] }),
      testid: 'c',
    });
    const canvas = getByTestId('c') as HTMLCanvasElement;
    const chart = Chart.getChart(canvas)!;
    const wechat = chart.data.datasets[0]!;
    const instancesBefore = Object.keys(Chart.instances).length;

    await rerender({ spec: spec({ wechatpay: [1, 2, 3, 4, 9], alipay: [0, 1, 0, 0, 0] }), testid: 'c' });

    expect(Chart.getChart(canvas)).toBe(chart);
    expect(Object.keys(Chart.instances).length).toBe(instancesBefore);
    expect(chart.data.datasets[0]).toBe(wechat);
    expect((wechat.data as { y: number }[]).map((p) => p.y)).toEqual([1, 2, 3, 4, 9]);
    // The scales were recomputed, so chart.update() ran on the new points.
    expect(chart.scales.x!.max).toBe(T0 + 4 * 60_000);
    expect(chart.scales.y!.max).toBeGreaterThanOrEqual(9);
    unmount();
  });

  it('adds and removes datasets by label and destroys the chart with its canvas', async () => {
    const { getByTestId, rerender, unmount } = render(ChartCanvas, {
      spec: spec({ a: [1], b: [2] }),
      testid: 'c',
    });
    const canvas = getByTestId('c') as HTMLCanvasElement;
    const chart = Chart.getChart(canvas)!;
    const b = chart.data.datasets[1]!;
    await rerender({ spec: spec({ b: [5], c: [7] }), testid: 'c' });
    expect(chart.data.datasets.map((d) => d.label)).toEqual(['b', 'c']);
    expect(chart.data.datasets[0]).toBe(b);
    unmount();
    expect(Chart.getChart(canvas)).toBeUndefined();
  });
});
