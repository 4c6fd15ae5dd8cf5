// A Svelte action that owns one chart.js instance for the life of its <canvas>. New specs update
// the existing chart in place (datasets matched by label) and redraw with `update('none')` — the
// chart is never destroyed and re-created per tick, so a wall display does not flicker or leak.

import type { Plugin } from 'chart.js';
import type { ActionReturn } from 'svelte/action';
import { Chart, type ChartConfiguration, type ChartData, type ChartType } from './chart-setup.ts';

/**
 * What a chart shows. Builders type their specs with chart.js' own `ChartConfiguration<type, points>`;
 * the action only needs this structural view of them.
 */
export interface ChartSpec {
  type: ChartType;
  data: { labels?: unknown[]; datasets: { label?: string }[] };
  options?: object;
}

/** Copies `next` into `chart.data` keeping the dataset objects chart.js already tracks. */
export function applyChartData(chart: Chart, next: ChartSpec['data']): void {
  chart.data.labels = next.labels ? [...next.labels] : [];
  const current = chart.data.datasets;
  const kept = next.datasets.map((incoming, i) => {
    const existing = current.find((d) => d.label === incoming.label) ?? current[i];
    if (!existing || existing.label !== incoming.label)
      return { ...incoming } as ChartData['datasets'][number];
    Object.assign(existing, incoming);
    return existing;
  });
  current.splice(0, current.length, ...kept);
}

/**
 * Writes the x axis' tick labels, as drawn, to the canvas' `data-x-ticks` (comma-separated), and each
 * line's label and number of points to `data-series` (JSON): what a canvas shows is otherwise
 * unreadable to anything but eyes, and a day axis and the lines on it must be checkable.
 */
const axisLabels: Plugin = {
  id: 'axisLabels',
  afterUpdate(c) {
    const ticks = c.scales.x?.ticks ?? [];
    c.canvas.dataset.xTicks = ticks.map((t) => String(t.label ?? '')).join(',');
    c.canvas.dataset.series = JSON.stringify(
      c.data.datasets.map((d) => ({ label: d.label ?? '', points: d.data.length })),
    );
  },
};

export function chart(canvas: HTMLCanvasElement, spec: ChartSpec): ActionReturn<ChartSpec> {
  // chart.js keeps references into what it is given; hand it copies so Svelte state stays untouched.
  const instance = new Chart(canvas, {
    type: spec.type,
    data: { labels: [...(spec.data.labels ?? [])], datasets: spec.data.datasets.map((d) => ({ ...d })) },
    options: spec.options,
    plugins: [axisLabels],
  } as ChartConfiguration);
  let options = spec.options;
  return {
    update(next: ChartSpec) {
      applyChartData(instance, next.data);
      // Options are rebuilt only when the language or screen size changes; keep chart.js' resolved copy otherwise.
      if (next.options && next.options !== options) {
        options = next.options;
        instance.options = next.options as typeof instance.options;
      }
      instance.update('none');
    },
    destroy() {
      instance.destroy();
    },
  };
}
