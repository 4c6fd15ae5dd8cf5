// The one port through which everything reaches SQL. Both stores (pg.Pool on PostgreSQL, and
// pg.Pool over PGlite via createPgConfig) satisfy it, so there is one SQL dialect and one code path.

export interface QueryResult<R> {
  rows: R[];
  rowCount: number | null;
}

/**
 * A statement the hot path runs many times: PostgreSQL parses and plans it once per connection
 * (a named prepared statement) instead of on every call.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

export interface Queryable {
  query<R = Record<string, unknown>>(
    statement: string | PreparedStatement,
    values?: readonly unknown[],
  ): Promise<QueryResult<R>>;
}

/** Which store is running: decided once at start, logged, and reported by /readyz. */
export type StoreMode = 'embedded' | 'postgres' | 'timescaledb';

export interface Database extends Queryable {
  readonly mode: StoreMode;
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * `COPY … FROM STDIN` of text-format data on one connection, committed on its own; only where the
   * store speaks the COPY protocol (PostgreSQL, not the embedded store). Bytes are sent as they are
   * (UTF-8), so data built on another thread needs no second encoding here.
   */
  readonly copyIn?: (statement: string, data: string | Uint8Array) => Promise<void>;
  /**
   * `COPY … TO STDOUT` on one connection, each chunk of its output handed to `take` as it arrives
   * (so a million rows are never in memory at once); only where the store speaks COPY. If `take`
   * throws, the rest is read and dropped and the first error rethrown.
   */
  readonly copyOut?: (statement: string, take: (chunk: Buffer) => void) => Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the store cannot be reached; mapped to 503 with Retry-After at the HTTP edge. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the event store is unreachable', { cause });
    this.name = 'StoreUnavailableError';
  }
}
