// What the engine last reported firing, per rule and entity. `report` compares a rule's fresh
// answer with it, so a condition is reported firing once (again only when its fingerprint changes)
// and resolved once.
import type { Holding } from './evaluator.ts';
import type { EntityType, Signal } from './signal.ts';

interface Reported {
  signal: Signal;
  fingerprint: string;
}

export class FiringConditions {
  /** rule → entityId → what was last reported firing. */
  private readonly byRule = new Map<string, Map<string, Reported>>();

  /** Pushes a signal onto `out` when the condition started, changed or cleared (resolved at `clearedAt` or later). */
  report(
    out: Signal[],
    rule: string,
    entityType: EntityType,
    entityId: string,
    storeId: string | null,
    holding: Holding | undefined,
    clearedAt: number,
  ): void {
    const byEntity = this.byRule.get(rule);
    const previous = byEntity?.get(entityId);
    if (holding !== undefined) {
      const signal: Signal = {
        rule,
        entityType,
        entityId,
        storeId,
        condition: 'firing',
        severity: holding.severity,
        at: holding.at,
        summary: holding.summary,
        labels: holding.labels,
      };
      const fingerprint = holding.fingerprint ?? fingerprintOf(signal);
      if (previous?.fingerprint === fingerprint) return;
      this.of(rule).set(entityId, { signal, fingerprint });
      out.push(signal);
    } else if (previous !== undefined) {
      byEntity!.delete(entityId);
      out.push(resolved(previous.signal, clearedAt));
    }
  }

  /** Takes a condition as already reported (an alert open before a restart). */
  restore(signal: Signal): void {
    this.of(signal.rule).set(signal.entityId, { signal, fingerprint: fingerprintOf(signal) });
  }

  /** Resolves every condition of the rule at `now` and forgets the rule. */
  resolveRule(rule: string, now: number): Signal[] {
    const out = [...(this.byRule.get(rule)?.values() ?? [])].map(({ signal }) => resolved(signal, now));
    this.byRule.delete(rule);
    return out;
  }

  isFiringFor(entityId: string): boolean {
    for (const byEntity of this.byRule.values()) if (byEntity.has(entityId)) return true;
    return false;
  }

  signals(): Signal[] {
    return [...this.byRule.values()].flatMap((byEntity) => [...byEntity.values()].map((r) => r.signal));
  }

  private of(rule: string): Map<string, Reported> {
    let byEntity = this.byRule.get(rule);
    if (byEntity === undefined) {
      byEntity = new Map();
      this.byRule.set(rule, byEntity);
    }
    return byEntity;
  }
}

function resolved(signal: Signal, clearedAt: number): Signal {
  return { ...signal, condition: 'resolved', at: Math.max(clearedAt, signal.at) };
}

function fingerprintOf(signal: Pick<Signal, 'severity' | 'summary'>): string {
  return `${signal.severity}|${signal.summary.en}`;
}
