// Applies the reporting rows that group commits stage (migration 0007_reporting) to the Grafana
// rollups, in the background: the acknowledgement path only appends to staging tables, this catches
// up about once a second. Staged rows are committed with their events, so a crash or restart loses nothing;
// whatever is staged is applied by the next run.
import type { Queryable } from './database.ts';

export interface RollupLog {
  error(obj: object, msg: string): void;
}

export interface ReportingRollupsOptions {
  /** Daily figures are days in this zone (ORDERPULSE_TZ); set once at the first run. */
  timeZone: string;
  intervalMs?: number;
  /**
   * Staged rows per staging table and call (order statuses and paid orders, staged a statement per
   * row: rows up to about that many events or orders): bounds how long one call holds the connection.
   */
  maxRows?: number;
  log?: RollupLog;
}

const DEFAULT_MAX_ROWS = 20_000;
// A run calls again only while a call finds a backlog (it applied a full chunk), at most this many
// times; the next tick goes on from there.
const MAX_CALLS_PER_RUN = 10;

/**
 * One call of apply_reporting_rollups: how many staged rows it applied, order statuses and paid
 * orders counted in events and orders (0 when none were staged).
 */
export async function applyReportingRollups(db: Queryable, maxRows = DEFAULT_MAX_ROWS): Promise<number> {
  // The call commits without waiting for its WAL to reach disk, so the group commits that acknowledge
  // events do not queue behind its flush. The rollups stay exact: a call deletes the staged rows it
  // applies in the same transaction, and any later synchronous commit flushes it too, so a crash can
  // only lose the latest calls whole, and their rows, still staged, are applied after the restart.
  const { rows } = await db.query<{ applied: string }>(
    `SELECT apply_reporting_rollups($1) AS applied FROM set_config('synchronous_commit', 'off', true)`,
    [maxRows],
  );
  return Number(rows[0]?.applied ?? 0);
}

/** Applies until nothing is staged; for tests, tools and shutdown. */
export async function drainReportingRollups(db: Queryable, maxRows = DEFAULT_MAX_ROWS): Promise<void> {
  while ((await applyReportingRollups(db, maxRows)) > 0) {
    // keep going
  }
}

export class ReportingRollups {
  private readonly intervalMs: number;
  private readonly maxRows: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private timeZoneSet = false;

  constructor(
    private readonly db: Queryable,
    private readonly options: ReportingRollupsOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    void this.runOnce();
  }

  /** Stops the timer and waits for a run in progress; staged rows left are applied after the next start. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One run; a tick that finds a run in progress joins it instead of starting another. Never throws. */
  runOnce(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    try {
      if (!this.timeZoneSet) {
        // a no-op when the zone is already set; otherwise it rebuilds the rollups for the new days
        await this.db.query('SELECT set_report_time_zone($1)', [this.options.timeZone]);
        this.timeZoneSet = true;
      }
      for (let call = 0; call < MAX_CALLS_PER_RUN; call += 1) {
        // Fewer than a full chunk: caught up. At 10k events/s a run that went on until a call found
        // nothing made ten calls a second (the first for the second's ~11k rows, nine more for the few
        // hundred staged meanwhile), each 4-24 ms of PostgreSQL time whatever it applied; the rows
        // staged since this call wait for the next tick instead.
        if ((await applyReportingRollups(this.db, this.maxRows)) < this.maxRows) break;
      }
    } catch (error) {
      this.options.log?.error({ err: error }, 'reporting rollups: applying staged rows failed');
    }
  }
}
