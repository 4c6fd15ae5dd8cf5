// What an operator changes through one node (silences, acknowledgements and resolves, rule edits) is
// in PostgreSQL at once; the processors holding the alerts in memory learn it through PostgreSQL's
// LISTEN/NOTIFY. NOTIFY rather than a broker message: it is transactional (a silence is announced by
// the transaction that stores it, so nobody hears of a change that rolled back, nor before it can be
// read), it reaches every node that shares the store whatever its role, and it needs no exchange
// beside the partition queues. A notification carries only what to read again, never the change:
// the store stays the one truth. A lost listening connection may have missed some, so on
// reconnecting every node reads everything again (`resync`).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Queryable } from '../store/database.ts';

export type StateChange =
  | { kind: 'silences' }
  | { kind: 'alerts'; ids: string[] }
  | { kind: 'rules' }
  /** The listener (re)connected: notifications may have been missed. */
  | { kind: 'resync' };

/** Ids per notification: NOTIFY payloads stop at 8000 bytes, an alert id is a 36-character uuid. */
const IDS_PER_NOTIFICATION = 150;
const RECONNECT_MS = 1_000;

export interface StateChangesLog {
  warn(obj: object, msg: string): void;
}

export class StateChanges {
  /** Tells this node's own notifications from the others' (it already knows its own changes). */
  private readonly origin = randomUUID();
  private readonly channel: string;
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    /** NOTIFY channels are per database, not per schema: clusters sharing one database keep apart. */
    schema: string,
    private readonly log: StateChangesLog,
  ) {
    this.channel = `orderpulse_state.${schema}`;
  }

  /** Announces a change; pass the transaction that makes it, so it goes out only if that commits. */
  async announce(q: Queryable, change: Exclude<StateChange, { kind: 'resync' }>): Promise<void> {
    const parts =
      change.kind === 'alerts'
        ? chunks(change.ids, IDS_PER_NOTIFICATION).map((ids) => ({ kind: 'alerts' as const, ids }))
        : [change];
    for (const part of parts) {
      await q.query('SELECT pg_notify($1, $2)', [
        this.channel,
        JSON.stringify({ ...part, origin: this.origin }),
      ]);
    }
  }

  /** Listens until `stop`; `onChange` gets the other nodes' changes, and `resync` after each (re)connect. */
  async listen(onChange: (change: StateChange) => void): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      if (message.channel !== this.channel || message.payload === undefined) return;
      const { origin, ...change } = JSON.parse(message.payload) as StateChange & { origin: string };
      if (origin !== this.origin) onChange(change);
    });
    const reconnect = (error: unknown) => {
      if (this.stopped || this.client !== client) return;
      this.client = undefined;
      this.log.warn({ err: error }, 'cluster: the state-change listener lost the store; listening again');
      client.end().catch(() => {});
      clearTimeout(this.retry);
      this.retry = setTimeout(() => {
        this.listen(onChange).catch((err: unknown) => reconnect(err));
      }, RECONNECT_MS);
      this.retry.unref();
    };
    client.on('error', reconnect);
    client.on('end', () => reconnect(new Error('the listening connection ended')));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    } catch (error) {
      reconnect(error);
      return;
    }
    onChange({ kind: 'resync' });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
