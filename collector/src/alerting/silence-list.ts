// The silences in force, kept in memory and written through: each create or expire commits with
// its audit entry before the list changes, so what mutes notifications is always what is stored.
import { randomUUID } from 'node:crypto';
import type { Alert } from '../domain/alerts/alert.ts';
import { isSilenced, type Silence } from '../domain/alerts/silences.ts';
import { appendAudit } from '../store/audit-log.ts';
import type { Database, Queryable } from '../store/database.ts';
import {
  currentSilences,
  expireSilence,
  insertSilence,
  type MatcherObject,
  type StoredSilence,
} from '../store/silences.ts';

export interface NewSilence {
  matchers: MatcherObject;
  startsAt: number;
  endsAt: number;
  comment: string;
}

export class SilenceList {
  private silences: StoredSilence[] = [];

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    /** Cluster mode: tells the other nodes, in the transaction that changes the silences. */
    private readonly announce: (tx: Queryable) => Promise<void> = async () => {},
  ) {}

  /** Reads the silences not yet ended from the store (at start). */
  async load(): Promise<void> {
    this.silences = await currentSilences(this.db, this.now());
  }

  async create(input: NewSilence, actor: string): Promise<StoredSilence> {
    const now = this.now();
    const silence = await this.db.transaction(async (tx) => {
      const stored = await insertSilence(tx, {
        id: randomUUID(),
        matcherObject: input.matchers,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        comment: input.comment,
        createdBy: actor,
        createdAt: now,
      });
      await appendAudit(tx, {
        at: now,
        actor,
        action: 'silence.create',
        target: `silence/${stored.id}`,
        details: {
          matchers: input.matchers,
          ends_at: new Date(input.endsAt).toISOString(),
          comment: input.comment,
        },
      });
      await this.announce(tx);
      return stored;
    });
    this.silences = [...this.silences.filter((s) => s.id !== silence.id), silence];
    return silence;
  }

  /** Undefined when there is no such silence. */
  async expire(id: string, actor: string): Promise<StoredSilence | undefined> {
    const now = this.now();
    const expired = await this.db.transaction(async (tx) => {
      const done = await expireSilence(tx, id, actor, now);
      if (done !== undefined) {
        await appendAudit(tx, {
          at: now,
          actor,
          action: 'silence.expire',
          target: `silence/${id}`,
          details: {},
        });
        await this.announce(tx);
      }
      return done;
    });
    if (expired !== undefined) this.silences = this.silences.filter((s) => s.id !== id);
    return expired;
  }

  /** Active silences now, in the domain's form. */
  active(): Silence[] {
    const now = this.now();
    return this.silences
      .filter((s) => s.startsAt <= now && now < s.endsAt)
      .map((s) => ({
        id: s.id,
        matchers: s.matchers,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        createdBy: s.createdBy,
        comment: s.comment,
      }));
  }

  mutes(alert: Alert): boolean {
    return isSilenced(alert, this.active(), this.now());
  }
}
