// Chart specs of the wall display, built from panel data. Pure: same panel in, same spec out.

import { ORDER_STATUSES } from '../../../collector/src/domain/events.ts';
import type {
  CallbacksPanel,
  OrdersPerMinutePanel,
  ShipmentsPanel,
} from '../../../collector/src/live/events.ts';
import type { ChartConfiguration } from './chart-setup.ts';
import { PROVIDER_COLOURS, STATUS_COLOURS, seriesColour } from './palette.ts';
import { clockLabel } from './zone-ticks.ts';

type Label = (prefix: string, name: string) => string;
type Point = { x: number; y: number };
type Options = ChartConfiguration<'line' | 'bar'>['options'];

/** Options shared by the wall's per-minute charts: time axis, no animation, font scaled to the screen. */
export function minuteChartOptions(fontPx: number, stacked: boolean, timeZone?: string): Options {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    normalized: true,
    // Line weight grows with the screen so a 4K wall reads like a 1080p one.
    elements: { line: { borderWidth: Math.max(2, Math.round(fontPx / 6)) } },
    plugins: {
      legend: { position: 'top', align: 'end', labels: { font: { size: fontPx }, boxWidth: fontPx } },
      tooltip: { enabled: false },
    },
    scales: {
      x: {
        type: 'time',
        time: { unit: 'minute', displayFormats: { minute: 'HH:mm' } },
        stacked,
        ticks: { font: { size: fontPx }, maxRotation: 0, stepSize: 10, callback: clockLabel(timeZone) },
        grid: { display: false },
      },
      y: { beginAtZero: true, stacked, ticks: { font: { size: fontPx }, precision: 0, maxTicksLimit: 5 } },
    },
  };
}

export function ordersByStatusSpec(
  panel: OrdersPerMinutePanel,
  label: Label,
  options: Options,
): ChartConfiguration<'bar', Point[]> {
  const seen = ORDER_STATUSES.filter((s) => panel.minutes.some((m) => (m.byStatus[s] ?? 0) > 0));
  // With no orders at all, one empty series keeps the hour's time axis (a flat line says "nothing").
  const present = seen.length > 0 ? seen : (['created'] as const);
  return {
    type: 'bar',
    data: {
      labels: panel.minutes.map((m) => m.at),
      datasets: present.map((status) => ({
        label: label('status', status),
        data: panel.minutes.map((m) => ({ x: m.at, y: m.byStatus[status] ?? 0 })),
        backgroundColor: STATUS_COLOURS[status],
        borderWidth: 0,
        barPercentage: 1,
        categoryPercentage: 0.9,
      })),
    },
    options: options as ChartConfiguration<'bar', Point[]>['options'],
  };
}

export function callbacksSpec(
  panel: CallbacksPanel,
  label: Label,
  options: Options,
): ChartConfiguration<'line', Point[]> {
  return {
    type: 'line',
    data: {
      labels: panel.providers[0]?.perMinute.map((m) => m.at) ?? [],
      datasets: panel.providers.map((p, i) => ({
        label: label('provider', p.provider),
        data: p.perMinute.map((m) => ({ x: m.at, y: m.count })),
        borderColor: PROVIDER_COLOURS[p.provider] ?? seriesColour(i),
        backgroundColor: PROVIDER_COLOURS[p.provider] ?? seriesColour(i),
        pointRadius: 0,
        cubicInterpolationMode: 'monotone',
      })),
    },
    options: options as ChartConfiguration<'line', Point[]>['options'],
  };
}

const MAX_CARRIERS = 6;

export function carriersSpec(panel: ShipmentsPanel, options: Options): ChartConfiguration<'line', Point[]> {
  const totals = new Map<string, number>();
  for (const m of panel.updatesPerMinute)
    for (const [carrier, n] of Object.entries(m.byCarrier))
      totals.set(carrier, (totals.get(carrier) ?? 0) + n);
  const carriers = [...totals.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_CARRIERS)
    .map(([c]) => c);
  return {
    type: 'line',
    data: {
      // The minute labels keep the hour's time axis even when no carrier has reported.
      labels: panel.updatesPerMinute.map((m) => m.at),
      datasets: carriers.map((carrier, i) => ({
        label: carrier,
        data: panel.updatesPerMinute.map((m) => ({ x: m.at, y: m.byCarrier[carrier] ?? 0 })),
        borderColor: seriesColour(i),
        backgroundColor: seriesColour(i),
        pointRadius: 0,
        cubicInterpolationMode: 'monotone',
      })),
    },
    options: options as ChartConfiguration<'line', Point[]>['options'],
  };
}
