// The port the poller keeps its schedule behind: which waybill to query next, and when. One
// implementation lives in memory (tests, single runs), one in the store (resumable across restarts).

export interface PollKey {
  carrier: string;
  trackingNo: string;
}

export interface PollTarget extends PollKey {
  /** Some carriers (SF, ZTO) answer only with the recipient's phone (or its last four digits). */
  phone?: string;
}

export interface PollEntry extends PollTarget {
  nextPollAt: number;
  lastPolledAt?: number;
  /** Consecutive failed queries; drives the backoff. */
  failures: number;
  active: boolean;
  lastError?: string;
}

export interface PollMark {
  /**
   * When the carrier was queried; the 30-minute-per-waybill rule counts from here. Omitted when
   * rescheduling without a query (a push arrived): the previous query time stays.
   */
  polledAt?: number;
  nextPollAt: number;
  failures: number;
  /** false once tracking is finished (signed for, returned, ended): never due again. */
  active: boolean;
  lastError?: string;
}

export interface PollScheduleStore {
  /**
   * Starts polling a waybill, or keeps polling it. An existing entry keeps its earlier
   * `nextPollAt` and its history, and becomes active again.
   */
  upsert(target: PollTarget, nextPollAt: number): Promise<void>;
  /** Active entries with `nextPollAt <= now`, earliest first. */
  due(now: number, limit: number): Promise<PollEntry[]>;
  markPolled(key: PollKey, mark: PollMark): Promise<void>;
  /** Stops polling (e.g. a push said tracking ended); unknown keys are ignored. */
  deactivate(key: PollKey): Promise<void>;
  get(key: PollKey): Promise<PollEntry | undefined>;
}
