// The daily reconciliation: at 02:00 local (configurable), import whatever bills were dropped into the
// watched folder (`<dir>/wechatpay/*`, `<dir>/alipay/*`; imported files move to `<dir>/imported/`), then
// report yesterday per store to the notification routes. Clock and timers are injected, so tests run a
// day in microseconds.
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type DailyTime, nextDailyRun, previousLocalDay } from '../domain/reconciliation/daily-schedule.ts';
import type { StoreReconciliationResult } from '../domain/reconciliation/match-bill.ts';
import type { AutoResolution } from '../domain/reconciliation/pending-healing.ts';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import { BILL_PROVIDERS } from '../ingest/bills/bill-row.ts';
import type { BillLimits } from '../ingest/bills/bill-text.ts';
import type { Database } from '../store/database.ts';
import { type ImportBillResult, importBillFile } from './import-bill.ts';
import { storeResults } from './store-trend-queries.ts';

export interface DailyReconciliationReport {
  day: string;
  /** Bills imported by this run (already-imported files included, flagged). */
  imports: { provider: BillProvider; file: string; rows: number; alreadyImported: boolean }[];
  /** Files the run could not import, with why. */
  failures: { provider: BillProvider; file: string; error: string }[];
  stores: StoreReconciliationResult[];
  paymentsTotal: number;
  unmatchedPayments: number;
  unmatchedOrders: number;
  /** Stores whose share of unmatched payments or orders is above the threshold, worst first. */
  offenders: (StoreReconciliationResult & { rate: number })[];
  openPending: number;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface DailyJobOptions {
  db: Database;
  timeZone: string;
  at?: DailyTime;
  watchDir?: string;
  /** Size limits for the dropped files (the upload limits by default). */
  billLimits?: BillLimits;
  threshold?: number;
  now?: () => number;
  timers?: Timers;
  /** Where the report goes (e.g. a notification route); a failure is logged, the job keeps its schedule. */
  send: (report: DailyReconciliationReport) => Promise<void>;
  onReconciled?: (results: StoreReconciliationResult[]) => void;
  /** Earlier pool items an imported bill explained (for the metrics). */
  onAutoResolved?: (resolved: AutoResolution[]) => void;
  onError?: (error: unknown) => void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class DailyReconciliationJob {
  readonly #o: DailyJobOptions;
  readonly #now: () => number;
  readonly #timers: Timers;
  #handle: unknown;
  #stopped = true;
  /** The run in progress, so stop() can wait for it. */
  #running: Promise<unknown> | undefined;

  constructor(options: DailyJobOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? realTimers;
  }

  /** The time of the next scheduled run. */
  nextRunAt(): number {
    return nextDailyRun(this.#now(), this.#o.timeZone, this.#o.at ?? { hour: 2, minute: 0 });
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#handle !== undefined) this.#timers.clear(this.#handle);
    this.#handle = undefined;
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    // Timers drift and clamp long delays; wake at most hourly and re-check the clock.
    const delay = Math.max(0, Math.min(this.nextRunAt() - this.#now(), 3_600_000));
    const due = this.nextRunAt();
    this.#handle = this.#timers.set(() => {
      this.#handle = undefined;
      if (this.#now() + 1 < due) return this.#schedule();
      this.#running = this.run(previousLocalDay(this.#now(), this.#o.timeZone))
        .catch((error) => this.#o.onError?.(error))
        .finally(() => this.#schedule());
    }, delay);
  }

  /** Imports the watched folder and reports `day`; also usable by hand (e.g. to re-send a report). */
  async run(day: string): Promise<DailyReconciliationReport> {
    const imports: DailyReconciliationReport['imports'] = [];
    const failures: DailyReconciliationReport['failures'] = [];
    if (this.#o.watchDir) {
      for (const provider of BILL_PROVIDERS) {
        for (const file of await this.#dropped(provider)) {
          try {
            const result: ImportBillResult = await importBillFile(this.#o.db, {
              provider,
              filePath: file,
              fileName: file.split('/').pop() ?? file,
              actor: 'daily-job',
              now: this.#now(),
              timeZone: this.#o.timeZone,
              ...(this.#o.billLimits && { limits: this.#o.billLimits }),
            });
            imports.push({
              provider,
              file,
              rows: result.record.rows,
              alreadyImported: result.alreadyImported,
            });
            if (result.storeResults.length > 0) this.#o.onReconciled?.(result.storeResults);
            if (result.autoResolved.length > 0) this.#o.onAutoResolved?.(result.autoResolved);
            const done = join(this.#o.watchDir, 'imported');
            await mkdir(done, { recursive: true });
            await rename(file, join(done, `${provider}-${file.split('/').pop()}`));
          } catch (error) {
            failures.push({ provider, file, error: error instanceof Error ? error.message : String(error) });
          }
        }
      }
    }
    const stores = await storeResults(this.#o.db, day, day);
    const threshold = this.#o.threshold ?? 0.01;
    const rateOf = (s: StoreReconciliationResult) =>
      Math.max(
        s.paymentsTotal === 0 ? 0 : s.unmatchedPayments / s.paymentsTotal,
        s.ordersTotal === 0 ? 0 : s.unmatchedOrders / s.ordersTotal,
      );
    const { rows } = await this.#o.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM reconciliation_pending WHERE status <> 'resolved'`,
    );
    const report: DailyReconciliationReport = {
      day,
      imports,
      failures,
      stores,
      paymentsTotal: stores.reduce((sum, s) => sum + s.paymentsTotal, 0),
      unmatchedPayments: stores.reduce((sum, s) => sum + s.unmatchedPayments, 0),
      unmatchedOrders: stores.reduce((sum, s) => sum + s.unmatchedOrders, 0),
      offenders: stores
        .map((s) => ({ ...s, rate: rateOf(s) }))
        .filter((s) => s.rate > threshold)
        .sort((a, b) => b.rate - a.rate),
      openPending: Number(rows[0]?.n ?? 0),
    };
    await this.#o.send(report);
    return report;
  }

  async #dropped(provider: BillProvider): Promise<string[]> {
    const dir = join(this.#o.watchDir ?? '', provider);
    try {
      return (await readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isFile() && !e.name.startsWith('.'))
        .map((e) => join(dir, e.name))
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

/** The report as one line of text per language, for chat channels. */
export function dailyReportText(r: DailyReconciliationReport): { zh: string; en: string } {
  const worst = r.offenders
    .slice(0, 5)
    .map((s) => `${s.storeId} ${(s.rate * 100).toFixed(1)}%`)
    .join(', ');
  return {
    zh: `${r.day} 对账：支付 ${r.paymentsTotal} 笔，未匹配支付 ${r.unmatchedPayments}，未匹配订单 ${r.unmatchedOrders}，待确认 ${r.openPending}${worst ? `；超阈值门店：${worst}` : ''}${r.failures.length > 0 ? `；${r.failures.length} 个账单导入失败` : ''}`,
    en: `Reconciliation ${r.day}: ${r.paymentsTotal} payments, ${r.unmatchedPayments} unmatched payments, ${r.unmatchedOrders} unmatched orders, ${r.openPending} pending${worst ? `; stores above threshold: ${worst}` : ''}${r.failures.length > 0 ? `; ${r.failures.length} bill(s) failed to import` : ''}`,
  };
}
