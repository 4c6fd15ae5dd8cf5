// The order drill-down chart: status changes, payments, carrier updates and alerts as points
// on one time axis, one lane each. Pure.
import type { OrderDetail } from '../lib/api-types.ts';
import type { ChartConfiguration } from './chart-setup.ts';
import { spanTickLabel } from './zone-ticks.ts';

export type Lane = 'status' | 'payment' | 'carrier' | 'alert';

export interface TimelinePoint {
  lane: Lane;
  at: number;
  text: string;
}

type Label = (prefix: string, name: string) => string;

function time(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}

export function timelinePoints(order: OrderDetail, label: Label): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  for (const e of order.timeline) {
    const at = time(e.occurred_at);
    if (at === null) continue;
    if (e.type === 'order.status') points.push({ lane: 'status', at, text: label('status', e.status ?? '') });
    else if (e.type === 'payment.notify')
      points.push({
        lane: 'payment',
        at,
        text: `${label('provider', e.provider ?? '')} ${label('paymentStatus', e.status ?? '')}`,
      });
    else if (e.type === 'shipment.update')
      points.push({
        lane: 'carrier',
        at,
        text: `${e.carrier ?? ''} ${label('shipState', e.state ?? '')}${e.location ? ` · ${e.location}` : ''}`,
      });
  }
  // Payments and shipments whose events fell outside the timeline (it keeps the latest events only).
  if (!points.some((p) => p.lane === 'payment'))
    for (const p of order.payments) {
      const at = time(p.occurred_at);
      if (at !== null)
        points.push({
          lane: 'payment',
          at,
          text: `${label('provider', p.provider)} ${label('paymentStatus', p.status)}`,
        });
    }
  if (!points.some((p) => p.lane === 'carrier'))
    for (const s of order.shipments) {
      const at = time(s.last_update_at);
      if (at !== null)
        points.push({ lane: 'carrier', at, text: `${s.carrier} ${label('shipState', s.state)}` });
    }
  for (const a of order.alerts) {
    const at = time(a.started_at);
    if (at !== null) points.push({ lane: 'alert', at, text: label('rule', a.rule) });
  }
  return points.sort((x, y) => x.at - y.at);
}

const LANE_COLOURS: Record<Lane, string> = {
  status: '#58a6ff',
  payment: '#3fb950',
  carrier: '#d29922',
  alert: '#f85149',
};

type LanePoint = { x: number; y: string; text: string };

export function orderTimelineSpec(
  points: TimelinePoint[],
  laneLabels: Record<Lane, string>,
  formatTime: (ms: number) => string,
  timeZone?: string,
): ChartConfiguration<'scatter', LanePoint[]> {
  const lanes: Lane[] = ['status', 'payment', 'carrier', 'alert'];
  const first = points[0]?.at ?? 0;
  const last = points.at(-1)?.at ?? first;
  return {
    type: 'scatter',
    data: {
      datasets: lanes.map((lane) => ({
        label: laneLabels[lane],
        data: points
          .filter((p) => p.lane === lane)
          .map((p) => ({ x: p.at, y: laneLabels[lane], text: p.text })),
        backgroundColor: LANE_COLOURS[lane],
        borderColor: LANE_COLOURS[lane],
        pointRadius: 7,
        pointHoverRadius: 9,
        pointStyle: lane === 'alert' ? 'triangle' : 'circle',
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { left: 12, right: 16 } },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const raw = ctx.raw as LanePoint;
              return `${formatTime(raw.x)} ${raw.text}`;
            },
          },
        },
      },
      scales: {
        x: {
          type: 'time',
          // Labels in the business zone, like the times in the tables around the chart.
          ticks: { maxTicksLimit: 10, maxRotation: 0, callback: spanTickLabel(timeZone, first, last) },
          // Room on both sides so the first and last points are not cut in half.
          offset: true,
        },
        y: { type: 'category', labels: lanes.map((l) => laneLabels[l]), offset: true },
      },
    },
  };
}
