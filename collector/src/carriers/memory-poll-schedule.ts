// In-memory PollScheduleStore: same semantics as the SQL one, gone when the process ends.
import type { PollEntry, PollKey, PollMark, PollScheduleStore, PollTarget } from './poll-schedule.ts';

const keyOf = (k: PollKey) => `${k.carrier}\u0000${k.trackingNo}`;

export class MemoryPollScheduleStore implements PollScheduleStore {
  readonly #entries = new Map<string, PollEntry>();

  async upsert(target: PollTarget, nextPollAt: number): Promise<void> {
    const existing = this.#entries.get(keyOf(target));
    if (!existing) {
      this.#entries.set(keyOf(target), { ...target, nextPollAt, failures: 0, active: true });
      return;
    }
    existing.active = true;
    existing.nextPollAt = Math.min(existing.nextPollAt, nextPollAt);
    if (target.phone !== undefined) existing.phone = target.phone;
  }

  async due(now: number, limit: number): Promise<PollEntry[]> {
    return [...this.#entries.values()]
      .filter((e) => e.active && e.nextPollAt <= now)
      .sort((a, b) => a.nextPollAt - b.nextPollAt)
      .slice(0, limit)
      .map((e) => ({ ...e }));
  }

  async markPolled(key: PollKey, mark: PollMark): Promise<void> {
    const entry = this.#entries.get(keyOf(key));
    if (!entry) return;
    if (mark.polledAt !== undefined) entry.lastPolledAt = mark.polledAt;
    entry.nextPollAt = mark.nextPollAt;
    entry.failures = mark.failures;
    entry.active = mark.active;
    if (mark.lastError === undefined) delete entry.lastError;
    else entry.lastError = mark.lastError;
  }

  async deactivate(key: PollKey): Promise<void> {
    const entry = this.#entries.get(keyOf(key));
    if (entry) entry.active = false;
  }

  async get(key: PollKey): Promise<PollEntry | undefined> {
    const entry = this.#entries.get(keyOf(key));
    return entry && { ...entry };
  }
}
