// Per-store missing-order figures for the Stores page: offenders ranked against the chain, and
// the CSV export. Pure.
import type { StoresReport, StoreTrend } from './api-types.ts';

export interface Offender {
  store: StoreTrend;
  /** Mean daily rate over the range, 0..1. */
  averageRate: number;
  /** averageRate / chain average; null when the chain average is 0. */
  vsChain: number | null;
  missing: number;
}

export function rankOffenders(report: StoresReport): Offender[] {
  const chainMean = report.chain.length
    ? report.chain.reduce((s, d) => s + d.rate, 0) / report.chain.length
    : 0;
  return report.stores
    .map((store) => {
      const averageRate = store.days.length
        ? store.days.reduce((s, d) => s + d.rate, 0) / store.days.length
        : 0;
      return {
        store,
        averageRate,
        vsChain: chainMean > 0 ? averageRate / chainMean : null,
        missing: store.days.reduce((s, d) => s + d.missing, 0),
      };
    })
    .sort((a, b) => b.averageRate - a.averageRate || (a.store.store_id < b.store.store_id ? -1 : 1));
}

export interface OffenderTill {
  /** The till's id, or `noTill` for the bill lines that named none (online payments, say). */
  name: string;
  missing: number;
  flagged: boolean;
}

/** A store row's tills with missing payments, the most first, at most `limit`. */
export function offenderTills(store: StoreTrend, noTill: string, limit = 3): OffenderTill[] {
  return store.devices
    .filter((d) => d.missing > 0)
    .sort((a, b) => b.missing - a.missing)
    .slice(0, limit)
    .map((d) => ({
      name: d.device_id === '' ? noTill : d.device_id,
      missing: d.missing,
      flagged: d.flagged,
    }));
}

function cell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One row per store and day, then the chain average rows (store `*chain*`). */
export function storesCsv(report: StoresReport): string {
  const lines = ['store_id,day,orders,missing,missing_rate'];
  for (const s of report.stores)
    for (const d of s.days) lines.push([s.store_id, d.day, d.orders, d.missing, d.rate].map(cell).join(','));
  for (const d of report.chain) lines.push(['*chain*', d.day, null, null, d.rate].map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
