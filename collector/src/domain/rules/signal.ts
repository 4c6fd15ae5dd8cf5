// What a rule says about one entity at one moment: the condition started (firing) or cleared
// (resolved). The alert lifecycle (domain/alerts) turns signals into durable alerts.
import type { Severity } from './params.ts';

export type EntityType = 'order' | 'shipment' | 'provider' | 'store';

/** A human summary in both languages the dashboard shows. */
export interface Summary {
  zh: string;
  en: string;
}

export interface Signal {
  /** A built-in rule name or a custom rule's name. */
  rule: string;
  entityType: EntityType;
  /** Order id, shipment key (see shipmentKey), provider name or store id. */
  entityId: string;
  /** Null for provider-level signals, which belong to no store. */
  storeId: string | null;
  condition: 'firing' | 'resolved';
  severity: Severity;
  /** Event time: when the condition started (firing) or cleared (resolved). */
  at: number;
  summary: Summary;
  labels: Record<string, string>;
}
