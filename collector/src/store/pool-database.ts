// Database over a pg.Pool: the same class serves real PostgreSQL and PGlite (through createPgConfig).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import {
  type Database,
  type PreparedStatement,
  type Queryable,
  type QueryResult,
  type StoreMode,
  StoreUnavailableError,
} from './database.ts';

// Errors that mean "the store is not there", as opposed to a bad query: they become 503s.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const UNREACHABLE_SQLSTATE_CLASSES = ['08', '57P'];

export function isUnreachable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNREACHABLE_CODES.has(code)) return true;
    if (UNREACHABLE_SQLSTATE_CLASSES.some((prefix) => code.startsWith(prefix))) return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|Cannot use a pool after calling end/i.test(
    error.message,
  );
}

function toConfig(statement: string | PreparedStatement, values?: readonly unknown[]): pg.QueryConfig {
  const params = values as unknown[] | undefined;
  return typeof statement === 'string'
    ? { text: statement, values: params }
    : { name: statement.name, text: statement.text, values: params };
}

export class PoolDatabase implements Database {
  readonly copyIn?: (statement: string, data: string | Uint8Array) => Promise<void>;
  readonly copyOut?: (statement: string, take: (chunk: Buffer) => void) => Promise<void>;

  constructor(
    private readonly pool: pg.Pool,
    readonly mode: StoreMode,
    private readonly onClose: () => Promise<void> = async () => {},
    /**
     * True once the engine under the pool is gone for good (the embedded store closed or aborted):
     * its adapter then fails with arbitrary TypeErrors, which must still read as "unreachable".
     */
    private readonly engineGone: () => boolean = () => false,
  ) {
    // PGlite's adapter has no COPY sub-protocol.
    if (mode !== 'embedded') {
      this.copyIn = (statement, data) =>
        this.#withClient(async (client) => {
          const bytes =
            typeof data === 'string'
              ? Buffer.from(data)
              : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
          await pipeline(Readable.from([bytes]), client.query(copyFrom(statement)));
        });
      this.copyOut = (statement, take) =>
        this.#withClient(async (client) => {
          // Read to the end even after `take` failed: a COPY left half read leaves the connection
          // in the middle of the protocol.
          let failure: { error: unknown } | undefined;
          for await (const chunk of client.query(copyTo(statement))) {
            if (failure !== undefined) continue;
            try {
              take(chunk as Buffer);
            } catch (error) {
              failure = { error };
            }
          }
          if (failure !== undefined) throw failure.error;
        });
    }
  }

  private unreachable(error: unknown): boolean {
    return this.engineGone() || isUnreachable(error);
  }

  private wrap(error: unknown): unknown {
    return this.unreachable(error) && !(error instanceof StoreUnavailableError)
      ? new StoreUnavailableError(error)
      : error;
  }

  private connect(): Promise<pg.PoolClient> {
    if (this.engineGone())
      return Promise.reject(new StoreUnavailableError(new Error('the store engine is closed')));
    return this.pool.connect();
  }

  async query<R = Record<string, unknown>>(
    statement: string | PreparedStatement,
    values?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    // Not pool.query: on any failed statement it destroys the client. A statement the store refused
    // leaves the connection usable, and on PGlite every client shares the one connection, so
    // destroying it broke every later query (a value PostgreSQL refuses in one caller's events
    // made the embedded store unusable for everyone).
    return this.#withClient(async (client) => {
      const result = await client.query(toConfig(statement, values));
      return { rows: result.rows as R[], rowCount: result.rowCount };
    });
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#withClient(async (client) => {
      const tx: Queryable = {
        query: async <R>(statement: string | PreparedStatement, values?: readonly unknown[]) => {
          const result = await client.query(toConfig(statement, values));
          return { rows: result.rows as R[], rowCount: result.rowCount };
        },
      };
      try {
        await client.query('BEGIN');
        const value = await fn(tx);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        if (!this.unreachable(error)) await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  /**
   * Runs `use` on a client of the pool. A server that goes away makes the checked-out client emit
   * 'error' besides rejecting the query, which is where it is dealt with; unhandled, that event would
   * crash the process. A client whose server went away (mid-transaction too) does not return to the pool.
   */
  async #withClient<T>(use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.connect();
    } catch (error) {
      throw this.wrap(error);
    }
    const ignore = () => {};
    client.on('error', ignore);
    let broken = false;
    try {
      return await use(client);
    } catch (error) {
      broken = this.unreachable(error);
      throw this.wrap(error);
    } finally {
      client.off('error', ignore);
      client.release(broken ? true : undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
    await this.onClose();
  }
}
